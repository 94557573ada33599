"""SM22x examples: AutoML jobs that deploy endpoints, transform job data capture,
algorithms of other accounts.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm2_job_sources.py``); tests/test_catalog.py checks
every catalog rule has one."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, KEY, POLICY, ROLE, VPC, drop, training, transform, tuning
from tests.controls._check import check_example

OWN = "123456789012"
FOREIGN = "999988887777"
TRUSTING = attrs.evolve(POLICY, trusted_accounts=[OWN])


def algorithm(account: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{account}:algorithm/xgb-tuned"


def by_algorithm(name: str) -> dict[str, Any]:
    spec = {"AlgorithmName": name, "TrainingInputMode": "File"}
    return training(AlgorithmSpecification=spec)


def automl(**kw: Any) -> dict[str, Any]:
    return {
        "AutoMLJobName": "automl-1",
        "AutoMLJobInputDataConfig": [
            {
                "ChannelType": "training",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/in/"}
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/automl/", "KmsKeyId": KEY},
        "AutoMLProblemTypeConfig": {"TabularJobConfig": {"TargetAttributeName": "churn"}},
        "RoleArn": ROLE,
        "SecurityConfig": {
            "VolumeKmsKeyId": KEY,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": dict(VPC),
        },
        **kw,
    }


def capture(**kw: Any) -> dict[str, Any]:
    return transform(
        DataCaptureConfig={"DestinationS3Uri": f"s3://{BUCKET}/xf-capture/", "KmsKeyId": KEY, **kw}
    )


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM220": (
        "CreateAutoMLJobV2",
        automl(ModelDeployConfig={"AutoGenerateEndpointName": False}),
        automl(ModelDeployConfig={"AutoGenerateEndpointName": True}),
    ),
    "SM221": (
        "CreateTransformJob",
        capture(),
        capture(DestinationS3Uri="s3://someone-elses-bucket/capture/"),
    ),
    "SM222": ("CreateTransformJob", capture(), capture(KmsKeyId="alias/aws/sagemaker")),
    "SM223": ("CreateTrainingJob", by_algorithm("xgb-tuned"), by_algorithm(algorithm(FOREIGN))),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _findings(
    rule_id: str, op: str, params: dict[str, Any], policy: ss.SecurityPolicy
) -> list[ss.Finding]:
    return [f for f in ss.evaluate(op, params, policy) if f.rule_id == rule_id]


def _status(
    rule_id: str, op: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY
) -> list[str]:
    return [f.status for f in _findings(rule_id, op, params, policy)]


def test_an_automl_job_naming_its_endpoint_is_refused_and_one_without_deployment_passes() -> None:
    named = automl(ModelDeployConfig={"EndpointName": "churn"})
    (finding,) = _findings("SM220", "CreateAutoMLJobV2", named, POLICY)
    assert finding.failed and finding.field == "ModelDeployConfig.EndpointName"
    assert "churn" not in finding.message
    assert _status("SM220", "CreateAutoMLJobV2", automl()) == []


def test_transform_capture_key_is_filled_from_the_policy() -> None:
    bare = drop(capture(), "DataCaptureConfig", "KmsKeyId")
    filled, done = ss.secure_request("CreateTransformJob", bare, POLICY)
    assert filled["DataCaptureConfig"]["KmsKeyId"] == KEY
    assert ("SM222", "DataCaptureConfig.KmsKeyId") in done
    assert _status("SM222", "CreateTransformJob", filled) == ["pass"]
    assert _status("SM222", "CreateTransformJob", transform()) == []  # no capture, nothing to key


def test_algorithms_of_trusted_accounts_pass_and_others_fail() -> None:
    own = by_algorithm(algorithm(OWN))
    assert _status("SM223", "CreateTrainingJob", own, TRUSTING) == ["pass"]
    assert _status("SM223", "CreateTrainingJob", by_algorithm(algorithm(FOREIGN)), TRUSTING) == [
        "fail"
    ]
    # outside the guard nobody filled in the caller's account: an ARN cannot be verified
    (unverified,) = _findings("SM223", "CreateTrainingJob", own, POLICY)
    assert unverified.failed and "trusted accounts" in unverified.message
    assert "trusted-accounts" in unverified.remediation
    marketplace = by_algorithm("arn:aws:sagemaker:us-east-1:aws-marketplace:algorithm/x")
    assert _status("SM223", "CreateTrainingJob", marketplace, TRUSTING) == ["fail"]


def test_tuning_and_model_package_algorithms_are_judged_too() -> None:
    spec = {"AlgorithmName": algorithm(FOREIGN), "TrainingInputMode": "File"}
    assert _status(
        "SM223", "CreateHyperParameterTuningJob", tuning(AlgorithmSpecification=spec), TRUSTING
    ) == ["fail"]
    package = {
        "ModelPackageName": "pkg",
        "SourceAlgorithmSpecification": {
            "SourceAlgorithms": [{"AlgorithmName": algorithm(FOREIGN)}]
        },
    }
    assert _status("SM223", "CreateModelPackage", package, TRUSTING) == ["fail"]
