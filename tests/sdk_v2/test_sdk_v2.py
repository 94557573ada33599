"""The guard under the real SageMaker Python SDK 2.x, against moto over HTTPS.

Each entry point - ``Estimator.fit``, ``Model.deploy``, ``Pipeline.upsert`` with a
training step - is refused when insecure (nothing reaches the emulator, and the
refusal names rules and fields but no value), sent with the policy's secure
fields when nothing insecure is passed, and sent as asked after ``uninstall()``.
"Sent" is judged by what the emulator received (moto's request recorder).

SDK 2.x facts these tests pin down:

* the SDK raises the guard's ``InsecureRequestError`` itself, unwrapped;
* ``enable_network_isolation=False`` / ``encrypt_inter_container_traffic=False`` are
  *dropped* by the SDK (it sends the field only when true), so the guard fills
  ``true``: the job runs more isolated than asked, never less;
* ``Model.deploy`` is three requests; a refusal of the second leaves the first's
  model behind (the SDK's behaviour; the guard refuses before each send).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import boto3
import pytest
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.model import Model
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.steps import TrainingStep

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
DEPLOY_OPS = ("CreateModel", "CreateEndpointConfig", "CreateEndpoint")
PIPELINE_OPS = ("CreatePipeline", "UpdatePipeline")

INSECURE_TRAINING = [
    pytest.param({"subnets": [OTHER_SUBNET], "security_group_ids": [SG]}, "SM201", id="subnet"),
    pytest.param({"environment": {"DB_PASSWORD": PASSWORD}}, "SM510", id="env-password"),
    pytest.param({"hyperparameters": {"db_password": PASSWORD}}, "SM510", id="hp-password"),
    pytest.param({"output_kms_key": "alias/aws/s3"}, "SM205", id="aws-managed-key"),
]


def session(**kwargs: Any) -> sagemaker.Session:
    return sagemaker.Session(boto_session=boto3.Session(), default_bucket=BUCKET, **kwargs)


def estimator(sess: sagemaker.Session, **kwargs: Any) -> Estimator:
    return Estimator(
        image_uri=IMAGE,
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{BUCKET}/out",
        sagemaker_session=sess,
        **kwargs,
    )


def fit(est: Estimator) -> Any:
    return est.fit({"train": f"s3://{BUCKET}/data"}, wait=False, logs=False)


def model(sess: sagemaker.Session, **kwargs: Any) -> Model:
    return Model(
        image_uri=IMAGE,
        model_data=f"s3://{BUCKET}/model.tar.gz",
        role=ROLE,
        sagemaker_session=sess,
        **kwargs,
    )


def deploy(m: Model) -> Any:
    return m.deploy(initial_instance_count=2, instance_type="ml.m5.large", wait=False)


def training_pipeline(**kwargs: Any) -> Pipeline:
    sess = PipelineSession(boto_session=boto3.Session(), default_bucket=BUCKET)
    step = TrainingStep(name="Train", step_args=fit(estimator(sess, **kwargs)))
    return Pipeline(name="sdk-v2-pipeline", steps=[step], sagemaker_session=sess)


# --------------------------------------------------------------------------- Estimator.fit


@pytest.mark.parametrize(("kwargs", "rule_id"), INSECURE_TRAINING)
def test_estimator_fit_refused_with_nothing_sent_and_no_values_in_the_refusal(
    guard: Guard,
    fresh: Received,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    rule_id: str,
) -> None:
    est = estimator(session(), **kwargs)
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        fit(est)
    assert type(info.value) is ss.InsecureRequestError  # the SDK does not wrap it
    assert info.value.operation == "CreateTrainingJob"
    assert rule_ids(info.value) == {rule_id}
    assert fresh.count("CreateTrainingJob") == 0
    assert_refusal_quiet(info.value, caplog)


def test_estimator_fit_secure_sends_the_policys_fields(guard: Guard, fresh: Received) -> None:
    guard(POLICY)
    est = estimator(session())
    fit(est)
    (sent,) = fresh.bodies("CreateTrainingJob")
    secure_job_fields(sent)
    job = boto3.client("sagemaker").describe_training_job(
        TrainingJobName=est.latest_training_job.name
    )
    assert job["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}


def test_estimator_insecure_flags_are_dropped_by_the_sdk_so_the_guard_fills_true(
    guard: Guard, fresh: Received
) -> None:
    guard(POLICY)
    fit(estimator(session(), enable_network_isolation=False, encrypt_inter_container_traffic=False))
    (sent,) = fresh.bodies("CreateTrainingJob")
    secure_job_fields(sent)


def test_guard_installed_after_the_sdk_session_covers_its_clients(
    guard: Guard, fresh: Received
) -> None:
    sess = session()  # its clients exist before install(); the guard finds them
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        sess.sagemaker_client.create_training_job(
            TrainingJobName="direct",
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            RoleArn=ROLE,
            OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/out"},
            ResourceConfig={
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 60},
            EnableNetworkIsolation=False,
        )
    fit(estimator(sess, environment={"LOG_LEVEL": "info"}))
    assert fresh.count("CreateTrainingJob") == 1


def test_after_uninstall_the_insecure_fit_is_sent(guard: Guard, fresh: Received) -> None:
    est = estimator(session(), environment={"DB_PASSWORD": PASSWORD})
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        fit(est)
    ss.uninstall()
    fit(est)
    (sent,) = fresh.bodies("CreateTrainingJob")
    reached_unchanged(sent["Environment"], {"DB_PASSWORD": PASSWORD})
    assert not {"VpcConfig", "EnableNetworkIsolation"} & set(sent)


# --------------------------------------------------------------------------- Model.deploy


@pytest.mark.parametrize(
    ("kwargs", "rule_id"),
    [
        pytest.param(
            {"vpc_config": {"Subnets": [OTHER_SUBNET], "SecurityGroupIds": [SG]}},
            "SM302",
            id="subnet",
        ),
        pytest.param({"env": {"DB_PASSWORD": PASSWORD}}, "SM510", id="env-password"),
    ],
)
def test_model_deploy_refused_with_nothing_sent(
    guard: Guard,
    fresh: Received,
    caplog: pytest.LogCaptureFixture,
    kwargs: dict[str, Any],
    rule_id: str,
) -> None:
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        deploy(model(session(), **kwargs))
    assert info.value.operation == "CreateModel" and rule_ids(info.value) == {rule_id}
    assert fresh.count(*DEPLOY_OPS) == 0
    assert_refusal_quiet(info.value, caplog)


def test_model_deploy_without_data_capture_in_reach_is_refused_at_the_endpoint_config(
    guard: Guard, fresh: Received
) -> None:
    guard(attrs.evolve(POLICY, artifact_buckets=()))  # nowhere to capture to
    with pytest.raises(ss.InsecureRequestError) as info:
        deploy(model(session()))
    assert info.value.operation == "CreateEndpointConfig" and rule_ids(info.value) == {"SM311"}
    assert fresh.operations().count("CreateModel") == 1  # the SDK's first step, secure
    assert fresh.count("CreateEndpointConfig", "CreateEndpoint") == 0


def test_model_deploy_secure_sends_the_policys_fields(guard: Guard, fresh: Received) -> None:
    guard(POLICY)
    deploy(model(session(), enable_network_isolation=False))  # dropped by the SDK, filled true
    (created,) = fresh.bodies("CreateModel")
    assert created["EnableNetworkIsolation"] is True
    assert created["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    (config,) = fresh.bodies("CreateEndpointConfig")
    assert config["KmsKeyId"] == KEY
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True and capture["KmsKeyId"] == KEY
    assert capture["DestinationS3Uri"].startswith(f"s3://{BUCKET}/")
    assert fresh.count("CreateEndpoint") == 1


def test_after_uninstall_the_insecure_deploy_is_sent(guard: Guard, fresh: Received) -> None:
    m = model(session(), vpc_config={"Subnets": [OTHER_SUBNET], "SecurityGroupIds": [SG]})
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        deploy(m)
    ss.uninstall()
    deploy(m)
    (created,) = fresh.bodies("CreateModel")
    assert created["VpcConfig"]["Subnets"] == [OTHER_SUBNET]
    assert fresh.count(*DEPLOY_OPS) == 3


# --------------------------------------------------------------------------- Pipeline.upsert


@pytest.mark.parametrize(("kwargs", "rule_id"), INSECURE_TRAINING[:2])
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
    pipeline = training_pipeline(environment={"DB_PASSWORD": PASSWORD})
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        pipeline.upsert(role_arn=ROLE)
    ss.uninstall()
    pipeline.upsert(role_arn=ROLE)
    (sent,) = fresh.bodies("CreatePipeline")
    (step,) = json.loads(sent["PipelineDefinition"])["Steps"]
    reached_unchanged(step["Arguments"]["Environment"], {"DB_PASSWORD": PASSWORD})


# --------------------------------------------------------------------------- telemetry


def test_telemetry_is_opted_out_by_the_test_config(
    guard: Guard, fresh: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sagemaker.telemetry.telemetry_logging as telemetry

    events: list[tuple[Any, ...]] = []
    monkeypatch.setattr(telemetry, "_send_telemetry_request", lambda *a, **k: events.append(a))
    guard(POLICY)
    sess = session()
    with pytest.raises(ss.InsecureRequestError):
        fit(estimator(sess, environment={"DB_PASSWORD": PASSWORD}))
    fit(estimator(sess))
    assert events == []


def test_a_refusal_reaching_the_sdks_telemetry_carries_no_values(
    guard: Guard, fresh: Received, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With telemetry on, the SDK sends ``str(error)`` as the failure reason."""
    import sagemaker.telemetry.telemetry_logging as telemetry

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
        fit(estimator(session(sagemaker_config=config), environment={"DB_PASSWORD": PASSWORD}))
    assert reasons and all("SM510" in r for r in reasons)
    assert_no_values(*reasons)
