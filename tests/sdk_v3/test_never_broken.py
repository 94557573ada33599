"""Securing never breaks a job, and an SDK config 3.x accepts (issue 15, 1 and 4).

SDK 3.x facts these tests pin down:

* ``ModelTrainer`` with ``source_code`` always ships the code as input channels
  SageMaker downloads (``code``, ``sm_drivers``), never as an S3 submit directory,
  so network isolation - from the SDK defaults ``install()`` applies, or filled by
  the guard for a ``Session`` made before - cannot break it;
* ``install()`` points ``SAGEMAKER_ADMIN_CONFIG_OVERRIDE`` at the policy's defaults,
  which ``sagemaker.core``'s Session (ModelTrainer, ModelBuilder, Processor,
  Transformer) reads; ``uninstall()`` undoes it;
* 3.27 honours only part of the config (:data:`HONOURED`); the guard fills the rest;
* ``sagemaker.core``'s Transformer refuses ``TransformJob.TransformOutput.KmsKeyId``
  and ``TransformResources.VolumeKmsKeyId`` from the config (pydantic: "extra inputs
  are not permitted"), so ``secure-sagemaker sagemaker-config`` leaves them out for
  3.x, and the guard fills them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pydantic
import pytest
from sagemaker.core import shapes
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.processing import Processor
from sagemaker.core.transformer import Transformer
from sagemaker.serve import ModelBuilder
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, SourceCode

import secure_sagemaker as ss
from secure_sagemaker import _sdk_defaults
from secure_sagemaker.cli import main
from secure_sagemaker.sdkconfig import write_sagemaker_config
from tests.sdk_v2.support import (
    BUCKET,
    IMAGE,
    KEY,
    POLICY,
    ROLE,
    SG,
    SUBNET,
    Received,
    secure_job_fields,
)

Guard = Callable[[ss.SecurityPolicy], ss.SecurityPolicy]
# what SDK 3.27 takes from the config (the guard fills the rest): ModelTrainer
# resolves VpcConfig, OutputDataConfig and ResourceConfig defaults without its session,
# so finds none; ModelBuilder takes the model's VpcConfig but not EnableNetworkIsolation
HONOURED = {
    "CreateTrainingJob": {"SM202"},
    "CreateProcessingJob": {"SM201", "SM202", "SM203", "SM204", "SM205"},
    "CreateModel": {"SM302"},
}


@pytest.fixture
def source_dir(tmp_path: Path) -> str:
    code = tmp_path / "src"
    code.mkdir()
    (code / "train.py").write_text("print('training')\n")
    return str(code)


def session() -> Session:
    return Session(boto_session=boto3.Session(), default_bucket=BUCKET)


def trainer(sess: Session, **kw: Any) -> ModelTrainer:
    return ModelTrainer(
        training_image=IMAGE,
        role=ROLE,
        compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
        base_job_name="never-broken",
        sagemaker_session=sess,
        **kw,
    )


def train(mt: ModelTrainer) -> None:
    mt.train(
        input_data_config=[InputData(channel_name="train", data_source=f"s3://{BUCKET}/data")],
        wait=False,
        logs=False,
    )


def channels(request: dict[str, Any]) -> set[str]:
    return {c["ChannelName"] for c in request["InputDataConfig"]}


def no_failures(operation: str, request: dict[str, Any]) -> None:
    failures = [f.rule_id for f in ss.evaluate(operation, request, POLICY) if f.status == "fail"]
    assert not failures, (operation, failures)


# --------------------------------------------------------------------------- deliverable 1


@pytest.mark.parametrize("early", [False, True], ids=["session-after", "session-before"])
def test_model_trainer_source_code_runs_isolated_with_its_code_in_channels(
    early: bool, guard: Guard, fresh: Received, source_dir: str
) -> None:
    sess = session() if early else None
    guard(POLICY)
    train(
        trainer(
            sess or session(),
            source_code=SourceCode(source_dir=source_dir, entry_script="train.py"),
        )
    )
    (sent,) = fresh.bodies("CreateTrainingJob")
    assert "code" in channels(sent)
    submit = (sent.get("HyperParameters") or {}).get("sagemaker_submit_directory", "")
    assert not submit.strip('"').startswith("s3://")
    secure_job_fields(sent)
    no_failures("CreateTrainingJob", sent)


def test_install_points_sdk_3_at_the_policy_and_uninstall_undoes_it(fresh: Received) -> None:
    before = os.environ.get(_sdk_defaults.ADMIN_OVERRIDE)
    ss.install(POLICY)
    path = _sdk_defaults.applied_path()
    assert path is not None and os.environ[_sdk_defaults.ADMIN_OVERRIDE] == str(path)
    config = session().sagemaker_config["SageMaker"]
    assert config["TrainingJob"]["EnableNetworkIsolation"] is True
    assert config["Model"]["EnableNetworkIsolation"] is True
    assert "TransformJob" not in config  # only keys 3.x accepts
    ss.uninstall()
    assert os.environ.get(_sdk_defaults.ADMIN_OVERRIDE) == before
    assert not path.exists()
    assert "TrainingJob" not in session().sagemaker_config.get("SageMaker", {})


# --------------------------------------------------------------------------- deliverable 4


def existing_model(name: str) -> None:
    """A model the transform job names (moto needs a VpcConfig to describe it back)."""
    boto3.client("sagemaker").create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE},
        VpcConfig={"Subnets": [SUBNET], "SecurityGroupIds": [SG]},
    )


def transform(sess: Session) -> None:
    Transformer(
        model_name="scorer",
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{BUCKET}/scored",
        sagemaker_session=sess,
    ).transform(f"s3://{BUCKET}/data", wait=False, logs=False)


def test_the_written_config_runs_a_job_of_each_kind(
    fresh: Received, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`secure-sagemaker sagemaker-config` output, loaded by SDK 3.x as the user's
    config (no guard): training, processing, transform and model/endpoint requests
    are built secure by the SDK itself."""
    (tmp_path / "policy.toml").write_text(
        f'subnets = ["{SUBNET}"]\nsecurity-group-ids = ["{SG}"]\nkms-key-id = "{KEY}"\n'
        f'artifact-buckets = ["{BUCKET}"]\n'
    )
    path = tmp_path / "config.yaml"
    assert (
        main(["sagemaker-config", "--policy", str(tmp_path / "policy.toml"), "--output", str(path)])
        == 0
    )
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(path))
    existing_model("scorer")
    sess = session()

    train(
        trainer(
            sess, output_data_config=shapes.OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out")
        )
    )
    Processor(
        role=ROLE,
        image_uri=IMAGE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=sess,
    ).run(
        outputs=[
            shapes.ProcessingOutput(
                output_name="o",
                s3_output=shapes.ProcessingS3Output(
                    s3_uri=f"s3://{BUCKET}/processed",
                    local_path="/opt/ml/processing/o",
                    s3_upload_mode="EndOfJob",
                ),
            )
        ],
        wait=False,
        logs=False,
    )
    transform(sess)
    builder = ModelBuilder(
        image_uri=IMAGE,
        s3_model_data_url=f"s3://{BUCKET}/model.tar.gz",
        role_arn=ROLE,
        sagemaker_session=sess,
        instance_type="ml.m5.large",
    )
    builder.build()
    try:
        builder.deploy(initial_instance_count=2, instance_type="ml.m5.large", wait=False)
    except pydantic.ValidationError as err:  # moto's DescribeEndpoint: see test_sdk_v3.py
        assert {e["loc"][0] for e in err.errors()} == {"data_capture_config"}

    (training,) = fresh.bodies("CreateTrainingJob")
    (processing,) = fresh.bodies("CreateProcessingJob")
    assert processing["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert processing["ProcessingOutputConfig"]["KmsKeyId"] == KEY
    assert fresh.count("CreateTransformJob") == 1
    model = fresh.bodies("CreateModel")[-1]
    assert model["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    (endpoint_config,) = fresh.bodies("CreateEndpointConfig")
    assert endpoint_config["KmsKeyId"] == KEY
    for operation, sent in (
        ("CreateTrainingJob", training),
        ("CreateProcessingJob", processing),
        ("CreateModel", model),
    ):
        failing = {f.rule_id for f in ss.evaluate(operation, sent, POLICY) if f.status == "fail"}
        assert not failing & HONOURED[operation], (operation, failing & HONOURED[operation])


def test_the_2x_transform_keys_would_break_the_3x_transformer(
    fresh: Received, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the 3.x config leaves them out: the same keys written for 2.x fail here."""
    path = write_sagemaker_config(POLICY, tmp_path / "config-2x.yaml", sdk_major=2)
    assert (
        "TransformOutput"
        in json.loads(path.read_text().split("\n", 3)[3])["SageMaker"]["TransformJob"]
    )
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(path))
    existing_model("scorer")
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        transform(session())
    assert fresh.count("CreateTransformJob") == 0
