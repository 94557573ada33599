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
    "TrainingJob": "CreateTrainingJob", "ProcessingJob": "CreateProcessingJob",
    "TransformJob": "CreateTransformJob", "Model": "CreateModel",
    "EndpointConfig": "CreateEndpointConfig", "MonitoringSchedule": "CreateMonitoringSchedule",
    "AutoMLJob": "CreateAutoMLJob", "FeatureGroup": "CreateFeatureGroup",
}


def leaves(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in leaves(v, (*prefix, k))]
    return [prefix]


def test_every_default_is_a_real_request_field() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    config = sagemaker_config(POLICY)["SageMaker"]
    for resource, operation in RESOURCE_OPERATION.items():
        for path in leaves(config[resource]):
            shape = model.operation_model(operation).input_shape
            for name in path:
                if name in ("Subnets", "SecurityGroupIds") and shape.type_name == "structure" \
                        and name in shape.members:
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


def test_cli_writes_the_config_with_telemetry_opted_out(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secure-sagemaker.toml").write_text(
        f'subnets = ["{SUBNET}"]\nsecurity-group-ids = ["sg-0123456789abcdef0"]\nkms-key-id = "{KEY}"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    out = tmp_path / "sm" / "config.yaml"
    assert main(["sagemaker-config", "--output", str(out)]) == 0
    text = out.read_text()
    doc = json.loads(text[text.index("{"):])
    assert doc["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
    assert doc["SageMaker"]["TrainingJob"]["ResourceConfig"]["VolumeKmsKeyId"] == KEY
