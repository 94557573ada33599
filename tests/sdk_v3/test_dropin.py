"""Drop-in: public SDK 3.x example scripts with only their import lines swapped.

Each script of tests/sdk_v3/examples (its header names the public example it is
adapted from) runs against the embedded emulator with the guard installed:

(i)   with ``from sagemaker.train[.model_trainer] import ModelTrainer``,
      ``sagemaker.serve[.model_builder]`` and ``sagemaker.core.transformer`` swapped to
      ``secure_sagemaker.sagemaker.train`` / ``.serve`` / ``.transformer`` it
      completes, every SageMaker request the emulator received passes ``ss.evaluate``
      and the ModelTrainer's source code travels in an input channel (SDK 3.x always
      ships it that way, so network isolation cannot break it);
(ii)  unchanged, under ``ss.install(policy)``, it sends the same requests;
(iii) the secure classes refuse an explicit insecure argument at construction,
      naming the argument, never its value, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from sagemaker.core import shapes
from sagemaker.train.configs import Compute, Networking

import secure_sagemaker as ss
from tests.sdk_v2.examples._runner import (
    channels,
    differences,
    insecure,
    normalised,
    run,
    sagemaker_requests,
    seed,
    swapped,
)
from tests.sdk_v2.support import (
    BUCKET,
    IMAGE,
    OTHER_SUBNET,
    PASSWORD,
    POLICY,
    ROLE,
    Received,
    assert_no_values,
    secure_job_fields,
)

Guard = Callable[[ss.SecurityPolicy], ss.SecurityPolicy]
EXAMPLES = Path(__file__).parent / "examples"
S = "secure_sagemaker.sagemaker"
SWAPS = {
    "sagemaker.train": f"{S}.train",
    "sagemaker.train.model_trainer": f"{S}.train",
    "sagemaker.serve": f"{S}.serve",
    "sagemaker.serve.model_builder": f"{S}.serve",
    "sagemaker.core.transformer": f"{S}.transformer",
}
SCRIPTS = sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
MODEL_KEYS = ("demo-transform/xgb-churn-prediction-model.tar.gz",)


def prepared(fresh: Received) -> None:
    seed(*MODEL_KEYS)
    fresh.clear()


def dropin_run(name: str) -> None:
    path = EXAMPLES / f"{name}.py"
    run(path, swapped(path.read_text(encoding="utf-8"), SWAPS))


# --------------------------------------------------------------------------- (i)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_with_swapped_imports_runs_and_sends_only_secure_requests(
    guard: Guard, fresh: Received, name: str
) -> None:
    guard(POLICY)
    prepared(fresh)
    dropin_run(name)
    requests = sagemaker_requests(fresh)
    assert any(op.startswith("Create") for op, _ in requests), "the script sent nothing"
    assert insecure(requests) == []
    for op, body in requests:
        if op == "CreateTrainingJob":
            secure_job_fields(body)


def test_model_trainer_source_code_travels_in_a_channel(guard: Guard, fresh: Received) -> None:
    guard(POLICY)
    prepared(fresh)
    dropin_run("model_trainer_hyperparameters")
    (job,) = [b for op, b in sagemaker_requests(fresh) if op == "CreateTrainingJob"]
    assert "code" in channels(job) and job["EnableNetworkIsolation"] is True


def test_transform_example_sends_a_secure_model_and_transform_job(
    guard: Guard, fresh: Received
) -> None:
    guard(POLICY)
    prepared(fresh)
    dropin_run("transform_job")
    requests = dict(sagemaker_requests(fresh))
    assert requests["CreateModel"]["EnableNetworkIsolation"] is True
    transform = requests["CreateTransformJob"]
    assert transform["TransformOutput"]["KmsKeyId"] == POLICY.kms_key_id
    assert transform["TransformResources"]["VolumeKmsKeyId"] == POLICY.kms_key_id


# --------------------------------------------------------------------------- (ii)


@pytest.mark.parametrize("name", SCRIPTS)
def test_original_example_under_install_sends_the_same_requests(
    guard: Guard, fresh: Received, fresh_aws: Any, name: str
) -> None:
    guard(POLICY)
    prepared(fresh)
    dropin_run(name)
    dropin = normalised(sagemaker_requests(fresh))

    fresh_aws.reset()  # the same names again
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    prepared(fresh)
    run(EXAMPLES / f"{name}.py")
    assert differences(normalised(sagemaker_requests(fresh)), dropin) == []


# --------------------------------------------------------------------------- (iii)


def trainer_kwargs() -> dict[str, Any]:
    return {
        "training_image": IMAGE,
        "role": ROLE,
        "compute": Compute(instance_type="ml.m5.xlarge", instance_count=1),
        "output_data_config": shapes.OutputDataConfig(s3_output_path=f"s3://{BUCKET}/out"),
    }


REFUSED = [
    pytest.param(
        {"networking": Networking(enable_network_isolation=False)},
        "networking.enable_network_isolation",
        id="isolation-off",
    ),
    pytest.param(
        {"networking": Networking(subnets=[OTHER_SUBNET])}, "networking.subnets", id="subnet"
    ),
    pytest.param({"environment": {"DB_PASSWORD": PASSWORD}}, "environment", id="env-password"),
]


@pytest.mark.parametrize(("kwargs", "argument"), REFUSED)
def test_model_trainer_refuses_an_explicit_insecure_argument_naming_it(
    guard: Guard, fresh: Received, kwargs: dict[str, Any], argument: str
) -> None:
    from secure_sagemaker.sagemaker.train import ModelTrainer

    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        ModelTrainer(**{**trainer_kwargs(), **kwargs})
    assert {f.field.split(" ", 1)[0] for f in info.value.findings} == {argument}
    assert_no_values(str(info.value), repr(info.value.findings))
    assert sagemaker_requests(fresh) == []


def test_model_builder_and_transformer_refuse_naming_the_argument(
    guard: Guard, fresh: Received
) -> None:
    from secure_sagemaker.sagemaker.serve import ModelBuilder
    from secure_sagemaker.sagemaker.transformer import Transformer

    guard(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        ModelBuilder(
            image_uri=IMAGE,
            s3_model_data_url=f"s3://{BUCKET}/model.tar.gz",
            role_arn=ROLE,
            network=Networking(enable_network_isolation=False),
        )
    assert {f.field.split(" ", 1)[0] for f in info.value.findings} == {
        "network.enable_network_isolation"
    }
    with pytest.raises(ss.InsecureRequestError) as info:
        Transformer(
            model_name="m",
            instance_count=1,
            instance_type="ml.m5.xlarge",
            output_kms_key="alias/aws/s3",
        )
    assert {f.field.split(" ", 1)[0] for f in info.value.findings} == {"output_kms_key"}
    assert_no_values(str(info.value))
    assert sagemaker_requests(fresh) == []


def test_model_trainer_is_the_sdk_class_with_the_policy_filled(
    guard: Guard, fresh: Received
) -> None:
    import sagemaker.train

    from secure_sagemaker.sagemaker.train import ModelTrainer

    guard(POLICY)
    mt = ModelTrainer(**trainer_kwargs())
    assert isinstance(mt, sagemaker.train.ModelTrainer)
    assert mt.networking.enable_network_isolation is True
    assert mt.networking.subnets == list(POLICY.subnets)
    assert mt.compute.volume_kms_key_id == POLICY.kms_key_id
    assert mt.output_data_config.kms_key_id == POLICY.kms_key_id
