"""The SageMaker SDK config written from a policy uses real request fields and is secure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest

import secure_sagemaker as ss
from secure_sagemaker.cli import main
from secure_sagemaker.sdkconfig import sagemaker_config
from tests._examples import KEY, POLICY, SUBNET

RESOURCE_OPERATION = {
    "TrainingJob": "CreateTrainingJob",
    "ProcessingJob": "CreateProcessingJob",
    "TransformJob": "CreateTransformJob",
    "Model": "CreateModel",
    "EndpointConfig": "CreateEndpointConfig",
    "MonitoringSchedule": "CreateMonitoringSchedule",
    "AutoMLJob": "CreateAutoMLJob",
    "FeatureGroup": "CreateFeatureGroup",
}


def leaves(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in leaves(v, (*prefix, k))]
    return [prefix]


def test_every_default_is_a_real_request_field() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    config = sagemaker_config(POLICY, 2)["SageMaker"]  # every key, for 2.x
    for resource, operation in RESOURCE_OPERATION.items():
        for path in leaves(config[resource]):
            shape = model.operation_model(operation).input_shape
            for name in path:
                if (
                    name in ("Subnets", "SecurityGroupIds")
                    and shape.type_name == "structure"
                    and name in shape.members
                ):
                    shape = shape.members[name]
                    break
                assert name in shape.members, f"{resource}: {'.'.join(path)}"
                shape = shape.members[name]


@pytest.mark.parametrize("operation", ["CreateTrainingJob", "CreateModel", "CreateProcessingJob"])
def test_a_request_built_from_the_sdk_defaults_passes_the_rules_they_cover(operation: str) -> None:
    resource = next(r for r, op in RESOURCE_OPERATION.items() if op == operation)
    request = json.loads(json.dumps(sagemaker_config(POLICY)["SageMaker"][resource]))
    fails = {f.rule_id for f in ss.evaluate(operation, request, POLICY) if f.status == "fail"}
    assert not fails & {"SM201", "SM202", "SM203", "SM204", "SM205", "SM301", "SM302"}


def test_cli_writes_the_config_with_telemetry_opted_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secure-sagemaker.toml").write_text(
        f'subnets = ["{SUBNET}"]\nsecurity-group-ids = ["sg-0123456789abcdef0"]\nkms-key-id = "{KEY}"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    out = tmp_path / "sm" / "config.yaml"
    assert main(["sagemaker-config", "--output", str(out)]) == 0
    text = out.read_text()
    doc = json.loads(text[text.index("{") :])
    assert doc["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
    assert doc["SageMaker"]["TrainingJob"]["ResourceConfig"]["VolumeKmsKeyId"] == KEY


def test_each_sdk_major_gets_only_the_keys_it_accepts() -> None:
    v2 = sagemaker_config(POLICY, 2)["SageMaker"]
    assert v2["TransformJob"]["TransformOutput"]["KmsKeyId"] == KEY
    assert v2["TransformJob"]["TransformResources"]["VolumeKmsKeyId"] == KEY
    v3 = sagemaker_config(POLICY, 3)["SageMaker"]
    assert "TransformJob" not in v3  # sagemaker.core's Transformer refuses both keys
    assert v3["TrainingJob"] == v2["TrainingJob"]
    assert sagemaker_config(POLICY) == sagemaker_config(POLICY, 3)  # no SDK: the common subset


def test_cli_without_an_sdk_writes_the_common_subset_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secure-sagemaker.toml").write_text(
        f'subnets = ["{SUBNET}"]\nsecurity-group-ids = ["sg-0123456789abcdef0"]\nkms-key-id = "{KEY}"\n'
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    assert main(["sagemaker-config", "--output", "-"]) == 0
    out, err = capsys.readouterr()
    assert "no SageMaker SDK installed" in err and "2.x and 3.x" in err
    assert "for SageMaker SDK 2.x and 3.x" in out
    assert "TransformJob" not in json.loads(out[out.index("{") :])["SageMaker"]
