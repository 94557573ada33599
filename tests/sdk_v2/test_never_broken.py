"""Securing never breaks a job (issue 15, deliverable 1), under the real SDK 2.x.

Script mode (``entry_point`` + ``source_dir``) ships the code through
``sagemaker_submit_directory=s3://...`` unless the SDK knows isolation is on; then it
adds a ``code`` channel (training) and repacks the model (``/opt/ml/model/code``).
``install()`` makes the policy the SDK's own defaults, so for every framework
estimator the request the emulator receives under the guard is the one the SDK builds
with ``enable_network_isolation=True`` passed explicitly.  A ``Session`` created
before ``install()`` has loaded its config already: its script-mode request is
refused by SM240 / SM380 with nothing sent, instead of a job that cannot start.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.huggingface import HuggingFace
from sagemaker.model import Model
from sagemaker.pytorch import PyTorch, PyTorchModel
from sagemaker.sklearn import SKLearn, SKLearnModel
from sagemaker.tensorflow import TensorFlow
from sagemaker.xgboost import XGBoost, XGBoostModel

import secure_sagemaker as ss
from secure_sagemaker import _sdk_defaults
from tests.sdk_v2.support import (
    BUCKET,
    IMAGE,
    POLICY,
    ROLE,
    Received,
    rule_ids,
    secure_job_fields,
)

Guard = Callable[[ss.SecurityPolicy], ss.SecurityPolicy]
SERVE_OPS = ("CreateModel", "CreateEndpointConfig", "CreateEndpoint")
MODEL_DATA = f"s3://{BUCKET}/trained/model.tar.gz"
IN_CHANNEL = "/opt/ml/input/data/code/sourcedir.tar.gz"
RELEVANT = (
    "AlgorithmSpecification",
    "HyperParameters",
    "InputDataConfig",
    "EnableNetworkIsolation",
    "RoleArn",
)

ESTIMATORS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "Estimator": (Estimator, {"image_uri": IMAGE}),
    "PyTorch": (PyTorch, {"framework_version": "2.1", "py_version": "py310"}),
    "TensorFlow": (TensorFlow, {"framework_version": "2.13", "py_version": "py310"}),
    "XGBoost": (XGBoost, {"framework_version": "1.7-1"}),
    "SKLearn": (SKLearn, {"framework_version": "1.2-1", "py_version": "py3"}),
    "HuggingFace": (
        HuggingFace,
        {
            "transformers_version": "4.28",
            "pytorch_version": "2.0",
            "py_version": "py310",
            "instance_type": "ml.g5.xlarge",
        },
    ),
}

MODELS: dict[str, tuple[type[Any], dict[str, Any]]] = {
    "Model": (Model, {"image_uri": IMAGE}),
    "PyTorchModel": (PyTorchModel, {"framework_version": "2.1", "py_version": "py310"}),
    "SKLearnModel": (SKLearnModel, {"framework_version": "1.2-1", "py_version": "py3"}),
    "XGBoostModel": (XGBoostModel, {"framework_version": "1.7-1"}),
}


@pytest.fixture
def source_dir(tmp_path: Path) -> str:
    (tmp_path / "train.py").write_text("print('training')\n")
    (tmp_path / "inference.py").write_text("def model_fn(model_dir):\n    return None\n")
    return str(tmp_path)


@pytest.fixture
def model_data(fresh: Received) -> str:
    """A model artifact in the emulator (put before the guard is installed)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("model.bin")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"model"))
    boto3.client("s3").put_object(Bucket=BUCKET, Key="trained/model.tar.gz", Body=buffer.getvalue())
    return MODEL_DATA


def session() -> sagemaker.Session:
    return sagemaker.Session(boto_session=boto3.Session(), default_bucket=BUCKET)


def estimator(kind: str, source: str, sess: sagemaker.Session, **kw: Any) -> Any:
    cls, args = ESTIMATORS[kind]
    args = {"instance_type": "ml.m5.xlarge", **args, **kw}
    return cls(
        entry_point="train.py",
        source_dir=source,
        role=ROLE,
        instance_count=1,
        output_path=f"s3://{BUCKET}/out",
        sagemaker_session=sess,
        **args,
    )


def fit(est: Any, job: str) -> None:
    est.fit({"train": f"s3://{BUCKET}/data"}, wait=False, logs=False, job_name=job)


def relevant(request: dict[str, Any], job: str) -> Any:
    """The fields script mode shapes, with the job name (in the code's S3 key and a
    hyperparameter) made neutral so two jobs compare."""
    text = json.dumps({k: request.get(k) for k in RELEVANT}, sort_keys=True)
    return json.loads(text.replace(job, "JOB"))


def channels(request: dict[str, Any]) -> dict[str, str]:
    return {
        c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]
        for c in request["InputDataConfig"]
    }


# --------------------------------------------------------------------------- training


@pytest.mark.parametrize("kind", sorted(ESTIMATORS))
def test_under_install_the_sdk_builds_the_isolated_request_itself(
    kind: str, guard: Guard, fresh: Received, source_dir: str
) -> None:
    fit(estimator(kind, source_dir, session(), enable_network_isolation=True), "explicit-job")
    (explicit,) = fresh.bodies("CreateTrainingJob")
    fresh.clear()

    guard(POLICY)
    fit(estimator(kind, source_dir, session()), "guarded-job")
    (guarded,) = fresh.bodies("CreateTrainingJob")

    assert relevant(guarded, "guarded-job") == relevant(explicit, "explicit-job")
    assert channels(guarded)["code"].endswith("/guarded-job/source/sourcedir.tar.gz")
    assert json.loads(guarded["HyperParameters"]["sagemaker_submit_directory"]) == IN_CHANNEL
    secure_job_fields(guarded)
    failures = [f for f in ss.evaluate("CreateTrainingJob", guarded, POLICY) if f.status == "fail"]
    assert not failures, [f.rule_id for f in failures]


@pytest.mark.parametrize("kind", ["PyTorch", "Estimator"])
def test_a_session_made_before_install_is_refused_with_the_argument_to_pass(
    kind: str, guard: Guard, fresh: Received, source_dir: str
) -> None:
    sess = session()  # loaded its config without the policy
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        fit(estimator(kind, source_dir, sess), "early-job")
    assert rule_ids(info.value) == {"SM240"}
    assert "enable_network_isolation=True" in str(info.value)
    assert fresh.count("CreateTrainingJob") == 0

    fresh.clear()  # the same early session works when told what the fix says
    fit(estimator(kind, source_dir, sess, enable_network_isolation=True), "fixed-job")
    (sent,) = fresh.bodies("CreateTrainingJob")
    assert "code" in channels(sent)


def test_a_tuner_under_install_gets_the_code_channel(
    guard: Guard, fresh: Received, source_dir: str
) -> None:
    from sagemaker.tuner import ContinuousParameter, HyperparameterTuner

    guard(POLICY)
    tuner = HyperparameterTuner(
        estimator("PyTorch", source_dir, session()),
        objective_metric_name="loss",
        objective_type="Minimize",
        metric_definitions=[{"Name": "loss", "Regex": "loss=(.*)"}],
        hyperparameter_ranges={"lr": ContinuousParameter(0.001, 0.1)},
        max_jobs=2,
        max_parallel_jobs=1,
    )
    tuner.fit({"train": f"s3://{BUCKET}/data"}, job_name="tune-1", wait=False)
    (sent,) = fresh.bodies("CreateHyperParameterTuningJob")
    definition = sent["TrainingJobDefinition"]
    assert definition["EnableNetworkIsolation"] is True
    assert "code" in channels(definition)
    static = definition["StaticHyperParameters"]
    assert json.loads(static["sagemaker_submit_directory"]) == IN_CHANNEL


# --------------------------------------------------------------------------- models


def serve(kind: str, source: str, data: str, sess: sagemaker.Session, **kw: Any) -> Any:
    cls, args = MODELS[kind]
    m = cls(
        model_data=data,
        entry_point="inference.py",
        source_dir=source,
        role=ROLE,
        sagemaker_session=sess,
        **args,
        **kw,
    )
    m.deploy(initial_instance_count=2, instance_type="ml.m5.large", wait=False)
    return m


def container(request: dict[str, Any]) -> dict[str, Any]:
    primary: dict[str, Any] = request["PrimaryContainer"]
    return primary


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_model_deploy_under_install_gets_the_repacked_model(
    kind: str, guard: Guard, fresh: Received, source_dir: str, model_data: str
) -> None:
    serve(kind, source_dir, model_data, session(), enable_network_isolation=True)
    (explicit,) = fresh.bodies("CreateModel")
    fresh.clear()

    guard(POLICY)
    serve(kind, source_dir, model_data, session())
    (guarded,) = fresh.bodies("CreateModel")
    assert fresh.count(*SERVE_OPS) == 3

    sent = container(guarded)
    assert sent["Environment"] == container(explicit)["Environment"]
    assert sent["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == "/opt/ml/model/code"
    assert sent["ModelDataUrl"] != model_data  # the repacked artifact, code inside
    key = sent["ModelDataUrl"].removeprefix(f"s3://{BUCKET}/")
    with tarfile.open(
        fileobj=io.BytesIO(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
    ) as tar:
        assert "code/inference.py" in tar.getnames()
    assert guarded["EnableNetworkIsolation"] is True
    failures = [f for f in ss.evaluate("CreateModel", guarded, POLICY) if f.status == "fail"]
    assert not failures, [f.rule_id for f in failures]


def test_a_model_with_a_session_made_before_install_is_refused(
    guard: Guard, fresh: Received, source_dir: str, model_data: str
) -> None:
    sess = session()
    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        serve("SKLearnModel", source_dir, model_data, sess)
    assert rule_ids(info.value) == {"SM380"}
    assert fresh.count(*SERVE_OPS) == 0


# --------------------------------------------------------------------------- the defaults


def test_install_points_the_sdk_at_the_policy_and_uninstall_undoes_it(
    fresh: Received,
) -> None:
    before = os.environ.get(_sdk_defaults.ADMIN_OVERRIDE)
    ss.install(POLICY)
    path = _sdk_defaults.applied_path()
    assert path is not None and os.environ[_sdk_defaults.ADMIN_OVERRIDE] == str(path)
    config = session().sagemaker_config
    assert config["SageMaker"]["TrainingJob"]["EnableNetworkIsolation"] is True
    # the suite's own user config (telemetry) still applies, layered over ours
    assert config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
    ss.uninstall()
    assert os.environ.get(_sdk_defaults.ADMIN_OVERRIDE) == before
    assert not path.exists()
    assert "TrainingJob" not in session().sagemaker_config.get("SageMaker", {})


# --------------------------------------------------------------------------- deliverable 4


def test_the_written_config_runs_a_job_of_each_kind(
    fresh: Received, model_data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`secure-sagemaker sagemaker-config` output, loaded by SDK 2.x as the user's
    config (no guard): training, processing, transform and model/endpoint requests are
    built secure by the SDK itself."""
    from sagemaker.processing import ProcessingOutput, Processor
    from sagemaker.transformer import Transformer

    from secure_sagemaker.cli import main

    path = tmp_path / "config.yaml"
    (tmp_path / "policy.toml").write_text(
        f'subnets = ["{POLICY.subnets[0]}"]\nsecurity-group-ids = ["{POLICY.security_group_ids[0]}"]\n'
        f'kms-key-id = "{POLICY.kms_key_id}"\nartifact-buckets = ["{BUCKET}"]\n'
    )
    assert (
        main(["sagemaker-config", "--policy", str(tmp_path / "policy.toml"), "--output", str(path)])
        == 0
    )
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(path))
    sess = session()

    Estimator(
        image_uri=IMAGE,
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{BUCKET}/out",
        sagemaker_session=sess,
    ).fit({"train": f"s3://{BUCKET}/data"}, wait=False, logs=False)
    Processor(
        role=ROLE,
        image_uri=IMAGE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        sagemaker_session=sess,
    ).run(
        outputs=[
            ProcessingOutput(
                source="/opt/ml/processing/out", destination=f"s3://{BUCKET}/processed"
            )
        ],
        wait=False,
        logs=False,
    )
    Model(
        image_uri=IMAGE,
        model_data=model_data,
        role=ROLE,
        name="config-model",
        sagemaker_session=sess,
    ).deploy(initial_instance_count=2, instance_type="ml.m5.large", wait=False)
    Transformer(
        model_name="config-model",
        instance_count=1,
        instance_type="ml.m5.xlarge",
        output_path=f"s3://{BUCKET}/scored",
        sagemaker_session=sess,
    ).transform(f"s3://{BUCKET}/data", wait=False, logs=False)

    (training,) = fresh.bodies("CreateTrainingJob")
    secure_job_fields(training)
    (processing,) = fresh.bodies("CreateProcessingJob")
    assert processing["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert processing["ProcessingOutputConfig"]["KmsKeyId"] == POLICY.kms_key_id
    (transform,) = fresh.bodies("CreateTransformJob")
    assert transform["TransformResources"]["VolumeKmsKeyId"] == POLICY.kms_key_id
    assert transform["TransformOutput"]["KmsKeyId"] == POLICY.kms_key_id  # 2.x accepts it
    (created,) = fresh.bodies("CreateModel")
    assert created["EnableNetworkIsolation"] is True and created["VpcConfig"]
    (endpoint_config,) = fresh.bodies("CreateEndpointConfig")
    assert endpoint_config["KmsKeyId"] == POLICY.kms_key_id
    for operation in (
        "CreateTrainingJob",
        "CreateProcessingJob",
        "CreateModel",
        "CreateEndpointConfig",
    ):
        (sent,) = fresh.bodies(operation)
        covered = {"SM201", "SM202", "SM203", "SM204", "SM205", "SM301", "SM302"}
        failing = {f.rule_id for f in ss.evaluate(operation, sent, POLICY) if f.status == "fail"}
        assert not failing & covered, (operation, failing & covered)
