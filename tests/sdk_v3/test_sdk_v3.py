"""The guard under the real SageMaker Python SDK 3.x, against moto over HTTPS.

Entry points: ``ModelTrainer.train``, ``sagemaker.core.resources.TrainingJob.create``,
``ModelBuilder.build``/``deploy`` and a ``sagemaker.mlops`` pipeline upsert with a
training step.  Each is refused when insecure (nothing reaches the emulator; the
refusal names rules and fields, never a value), sent with the policy's secure
fields when nothing insecure is passed, and sent as asked after ``uninstall()``.
"Sent" is judged by what the emulator received (moto's request recorder).

SDK 3.x facts these tests pin down:

* the SDK re-raises the guard's ``InsecureRequestError`` itself, unwrapped (its
  telemetry decorator catches and re-raises the same object);
* unlike 2.x it sends ``EnableNetworkIsolation=false`` when asked, so the guard
  refuses it;
* ``TrainingJob.create`` uses ``SageMakerClient``, a per-session cache of clients
  created on first use - after ``install()`` - and still guarded;
* ``ModelBuilder.deploy`` cannot complete against moto 5.2: after CreateModel,
  CreateEndpointConfig and CreateEndpoint are sent, it reads the endpoint back with
  ``DescribeEndpoint``, where moto returns the endpoint config's ``DataCaptureConfig``
  (or ``{}``) instead of a ``DataCaptureConfigSummary``; sagemaker-core's pydantic
  ``Endpoint`` requires ``CaptureStatus``, ``CurrentSamplingPercentage`` and
  ``DestinationS3Uri`` there and raises ``ValidationError``.  The deploy test
  tolerates exactly that error and judges the three requests moto received.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pydantic
import pytest
from sagemaker.core import shapes
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.resources import TrainingJob
from sagemaker.core.workflow.pipeline_context import PipelineSession
from sagemaker.mlops.workflow.pipeline import Pipeline
from sagemaker.mlops.workflow.steps import TrainingStep
from sagemaker.serve import ModelBuilder
from sagemaker.train import ModelTrainer
from sagemaker.train.configs import Compute, InputData, Networking

import secure_sagemaker as ss
from tests.sdk_v2.support import (
    BUCKET,
    IMAGE,
    KEY,
    OTHER_SUBNET,
    PASSWORD,
    POLICY,
    ROLE,
    SG,
    SUBNET,
    Received,
    assert_no_values,
    assert_refusal_quiet,
    reached_unchanged,
    rule_ids,
    secure_job_fields,
)

Guard = Callable[[ss.SecurityPolicy], ss.SecurityPolicy]
PIPELINE_OPS = ("CreatePipeline", "UpdatePipeline")

INSECURE_TRAINING = [
    pytest.param(
        {"networking": Networking(enable_network_isolation=False)}, "SM202", id="isolation-off"
    ),
    pytest.param(
        {"networking": Networking(subnets=[OTHER_SUBNET], security_group_ids=[SG])},
        "SM201",
        id="subnet",
    ),
    pytest.param({"environment": {"DB_PASSWORD": PASSWORD}}, "SM510", id="env-password"),
    pytest.param({"hyperparameters": {"db_password": PASSWORD}}, "SM510", id="hp-password"),
]


def session(**kwargs: Any) -> Session:
    return Session(boto_session=boto3.Session(), default_bucket=BUCKET, **kwargs)


def trainer(sess: Session, **kwargs: Any) -> ModelTrainer:
    return ModelTrainer(
        training_image=IMAGE,
        role=ROLE,
        compute=Compute(instance_type="ml.m5.xlarge", instance_count=1),
        output_data_config=shapes.OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"),
        base_job_name="sdk-v3",
        sagemaker_session=sess,
        **kwargs,
    )


def train(mt: ModelTrainer) -> Any:
    data = [InputData(channel_name="train", data_source=f"s3://{BUCKET}/data")]
    return mt.train(input_data_config=data, wait=False, logs=False)


def core_training_job(name: str, **kwargs: Any) -> TrainingJob:
    return TrainingJob.create(
        training_job_name=name,
        role_arn=ROLE,
        algorithm_specification=shapes.AlgorithmSpecification(
            training_image=IMAGE, training_input_mode="File"
        ),
        output_data_config=shapes.OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"),
        resource_config=shapes.ResourceConfig(
            instance_type="ml.m5.xlarge", instance_count=1, volume_size_in_gb=30
        ),
        stopping_condition=shapes.StoppingCondition(max_runtime_in_seconds=3600),
        session=boto3.Session(),
        region="us-east-1",
        **kwargs,
    )


def builder(**kwargs: Any) -> ModelBuilder:
    return ModelBuilder(
        image_uri=IMAGE,
        s3_model_data_url=f"s3://{BUCKET}/model.tar.gz",
        role_arn=ROLE,
        sagemaker_session=session(),
        instance_type="ml.m5.large",
        **kwargs,
    )


def build_and_deploy(mb: ModelBuilder) -> None:
    mb.build()
    try:
        mb.deploy(initial_instance_count=2, instance_type="ml.m5.large", wait=False)
    except pydantic.ValidationError as err:  # moto's DescribeEndpoint: see the module doc
        assert {e["loc"][0] for e in err.errors()} == {"data_capture_config"}


def training_pipeline(**kwargs: Any) -> Pipeline:
    sess = PipelineSession(boto_session=boto3.Session(), default_bucket=BUCKET)
    step = TrainingStep(name="Train", step_args=train(trainer(sess, **kwargs)))
    return Pipeline(name="sdk-v3-pipeline", steps=[step], sagemaker_session=sess)


# --------------------------------------------------------------------------- ModelTrainer


@pytest.mark.parametrize(("kwargs", "rule_id"), INSECURE_TRAINING)
def test_model_trainer_refused_with_nothing_sent_and_no_values_in_the_refusal(
    guard: Guard,
    fresh: Received,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    rule_id: str,
) -> None:
    mt = trainer(session(), **kwargs)
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        train(mt)
    assert type(info.value) is ss.InsecureRequestError  # the SDK does not wrap it
    assert info.value.operation == "CreateTrainingJob"
    assert rule_ids(info.value) == {rule_id}
    assert fresh.count("CreateTrainingJob") == 0
    assert_refusal_quiet(info.value, caplog)


def test_model_trainer_secure_sends_the_policys_fields(guard: Guard, fresh: Received) -> None:
    guard(POLICY)
    mt = trainer(session())
    train(mt)
    (sent,) = fresh.bodies("CreateTrainingJob")
    secure_job_fields(sent)
    job = boto3.client("sagemaker").describe_training_job(TrainingJobName=sent["TrainingJobName"])
    assert job["EnableNetworkIsolation"] is True


def test_after_uninstall_the_insecure_train_is_sent(guard: Guard, fresh: Received) -> None:
    mt = trainer(
        session(),
        networking=Networking(enable_network_isolation=False),
        environment={"DB_PASSWORD": PASSWORD},
    )
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        train(mt)
    assert rule_ids(info.value) == {"SM202", "SM510"}
    ss.uninstall()
    train(mt)
    (sent,) = fresh.bodies("CreateTrainingJob")
    isolation = sent["EnableNetworkIsolation"]  # (an assertion on sent would print it)
    assert isolation is False
    reached_unchanged(sent["Environment"], {"DB_PASSWORD": PASSWORD})


# --------------------------------------------------------------------------- sagemaker.core


def test_core_training_job_create_refused_then_secure_then_unguarded(
    guard: Guard, fresh: Received, caplog: pytest.LogCaptureFixture
) -> None:
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        core_training_job(
            "core-insecure",
            vpc_config=shapes.VpcConfig(subnets=[OTHER_SUBNET], security_group_ids=[SG]),
        )
    assert rule_ids(info.value) == {"SM201"}
    assert fresh.count("CreateTrainingJob") == 0
    assert_refusal_quiet(info.value, caplog)

    job = core_training_job("core-secure")
    (sent,) = fresh.bodies("CreateTrainingJob")
    secure_job_fields(sent)
    assert job.vpc_config.subnets == [SUBNET] and job.enable_network_isolation is True

    ss.uninstall()
    core_training_job("core-unguarded", enable_network_isolation=False)
    assert fresh.bodies("CreateTrainingJob")[-1]["EnableNetworkIsolation"] is False


# --------------------------------------------------------------------------- ModelBuilder


@pytest.mark.parametrize(
    ("kwargs", "rule_id"),
    [
        pytest.param(
            {"network": Networking(subnets=[OTHER_SUBNET], security_group_ids=[SG])},
            "SM302",
            id="subnet",
        ),
        pytest.param({"env_vars": {"DB_PASSWORD": PASSWORD}}, "SM510", id="env-password"),
    ],
)
def test_model_builder_refused_with_nothing_sent(
    guard: Guard,
    fresh: Received,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    rule_id: str,
) -> None:
    mb = builder(**kwargs)
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        build_and_deploy(mb)
    assert info.value.operation == "CreateModel" and rule_ids(info.value) == {rule_id}
    assert fresh.count("CreateModel", "CreateEndpointConfig", "CreateEndpoint") == 0
    assert_refusal_quiet(info.value, caplog)


def test_model_builder_deploy_secure_sends_the_policys_fields(
    guard: Guard, fresh: Received
) -> None:
    guard(POLICY)
    build_and_deploy(builder())
    (created,) = fresh.bodies("CreateModel")
    assert created["EnableNetworkIsolation"] is True
    assert created["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    (config,) = fresh.bodies("CreateEndpointConfig")
    assert config["KmsKeyId"] == KEY
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True and capture["KmsKeyId"] == KEY
    assert capture["DestinationS3Uri"].startswith(f"s3://{BUCKET}/")
    assert fresh.count("CreateEndpoint") == 1


def test_after_uninstall_the_insecure_build_is_sent(guard: Guard, fresh: Received) -> None:
    # a VpcConfig is passed: moto's DescribeModel returns ``VpcConfig: {}`` for a model
    # without one, which sagemaker-core's pydantic ``Model`` rejects after the send
    outside = Networking(subnets=[OTHER_SUBNET], security_group_ids=[SG])
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        builder(network=outside).build()
    ss.uninstall()
    builder(network=outside).build()
    (created,) = fresh.bodies("CreateModel")
    assert created["VpcConfig"]["Subnets"] == [OTHER_SUBNET]


# --------------------------------------------------------------------------- Pipeline.upsert


@pytest.mark.parametrize(("kwargs", "rule_id"), INSECURE_TRAINING[:3])
def test_pipeline_upsert_refused_with_nothing_sent(
    guard: Guard,
    fresh: Received,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    rule_id: str,
) -> None:
    pipeline = training_pipeline(**kwargs)
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        pipeline.upsert(role_arn=ROLE)
    assert info.value.operation == "CreatePipeline" and rule_ids(info.value) == {rule_id}
    assert all(f.field.startswith("PipelineDefinition.Steps[Train].") for f in info.value.findings)
    assert fresh.count(*PIPELINE_OPS) == 0
    assert_refusal_quiet(info.value, caplog)


def test_pipeline_upsert_secure_sends_the_policys_fields_in_the_step(
    guard: Guard, fresh: Received
) -> None:
    guard(POLICY)
    training_pipeline().upsert(role_arn=ROLE)
    (sent,) = fresh.bodies("CreatePipeline")
    assert "PipelineDefinitionS3Location" not in sent  # judged inline, not via S3
    (step,) = json.loads(sent["PipelineDefinition"])["Steps"]
    secure_job_fields(step["Arguments"])


def test_after_uninstall_the_insecure_upsert_is_sent(guard: Guard, fresh: Received) -> None:
    pipeline = training_pipeline(networking=Networking(enable_network_isolation=False))
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        pipeline.upsert(role_arn=ROLE)
    ss.uninstall()
    pipeline.upsert(role_arn=ROLE)
    (sent,) = fresh.bodies("CreatePipeline")
    (step,) = json.loads(sent["PipelineDefinition"])["Steps"]
    assert step["Arguments"]["EnableNetworkIsolation"] is False


# --------------------------------------------------------------------------- telemetry


def test_telemetry_is_opted_out_by_the_test_config(
    guard: Guard, fresh: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sagemaker.core.telemetry.telemetry_logging as telemetry

    events: list[tuple[Any, ...]] = []
    monkeypatch.setattr(telemetry, "_send_telemetry_request", lambda *a, **k: events.append(a))
    guard(POLICY)
    sess = session()
    with pytest.raises(ss.InsecureRequestError):
        train(trainer(sess, environment={"DB_PASSWORD": PASSWORD}))
    train(trainer(sess))
    assert events == []


def test_a_refusal_reaching_the_sdks_telemetry_carries_no_values(
    guard: Guard, fresh: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With telemetry on, the SDK sends ``str(error)`` as the failure reason."""
    import sagemaker.core.telemetry.telemetry_logging as telemetry

    reasons: list[str] = []

    def record(
        status: int, features: Any, sess: Any, reason: str | None = None, *rest: Any
    ) -> None:
        reasons.append(str(reason))

    monkeypatch.setattr(telemetry, "_send_telemetry_request", record)
    config = {
        "SchemaVersion": "1.0",
        "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": False}}},
    }
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        train(trainer(session(sagemaker_config=config), environment={"DB_PASSWORD": PASSWORD}))
    assert reasons and all("SM510" in r for r in reasons)
    assert_no_values(*reasons)
