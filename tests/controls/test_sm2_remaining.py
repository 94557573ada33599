"""SM29x examples: hubs, model cards, device fleets, inference experiments and
routers, training sessions, AI jobs, image versions, model package and app image
config updates.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm2_remaining.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, IMAGE, KEY, POLICY, ROLE, VPC, drop
from tests.controls._check import check_example

OUT = f"s3://{BUCKET}/models/"
PUBLIC_IMAGE = "docker.io/library/python:3"
SECRET_CARD = '{"model_overview": {"model_description": "key AKIAIOSFODNN7EXAMPLE"}}'


def hub(**kw: Any) -> dict[str, Any]:
    return {
        "HubName": "hub-1",
        "HubDescription": "curated models",
        "S3StorageConfig": {"S3OutputPath": OUT + "hub/"},
        **kw,
    }


def model_card(**kw: Any) -> dict[str, Any]:
    return {
        "ModelCardName": "card-1",
        "Content": '{"model_overview": {"model_description": "churn model"}}',
        "ModelCardStatus": "Draft",
        "SecurityConfig": {"KmsKeyId": KEY},
        **kw,
    }


def experiment(**kw: Any) -> dict[str, Any]:
    return {
        "Name": "experiment-1",
        "DataStorageConfig": {"Destination": OUT + "capture/", "KmsKey": KEY},
        **kw,
    }


def session(**kw: Any) -> dict[str, Any]:
    return {
        "TrainingSessionName": "session-1",
        "LoraConfig": {"Rank": 8, "Alpha": 16},
        "RoleArn": ROLE,
        "VpcConfig": dict(VPC),
        "ModelConfig": {"BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/m"},
        "OutputConfig": {"S3Location": {"Path": OUT + "session/", "KmsKeyArn": KEY}},
        **kw,
    }


def package_update(environment: dict[str, str], image: str = IMAGE) -> dict[str, Any]:
    return {
        "ModelPackageArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/p/1",
        "AdditionalInferenceSpecificationsToAdd": [
            {"Name": "cpu", "Containers": [{"Image": image, "Environment": environment}]}
        ],
    }


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM290": (
        "CreateHub",
        hub(),
        hub(S3StorageConfig={"S3OutputPath": "s3://someone-elses-bucket/hub/"}),
    ),
    "SM291": (
        "UpdateInferenceExperiment",
        experiment(),
        experiment(DataStorageConfig={"Destination": OUT, "KmsKey": "alias/aws/s3"}),
    ),
    "SM292": ("CreateModelCard", model_card(), model_card(Content=SECRET_CARD)),
    "SM293": (
        "CreateImageVersion",
        {"BaseImage": IMAGE, "ClientToken": "token-1", "ImageName": "image-1"},
        {"BaseImage": PUBLIC_IMAGE, "ClientToken": "token-1", "ImageName": "image-1"},
    ),
    "SM294": (
        "UpdateModelPackage",
        package_update({"LOG_LEVEL": "info"}),
        package_update({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}),
    ),
    "SM296": (
        "CreateWorkteam",
        {
            "WorkteamName": "team-1",
            "Description": "labelers",
            "MemberDefinitions": [
                {"OidcMemberDefinition": {"Groups": ["labelers"]}},
            ],
            "WorkerAccessConfiguration": {
                "S3Presign": {"IamPolicyConstraints": {"SourceIp": "Enabled"}}
            },
        },
        {
            "WorkteamName": "team-1",
            "Description": "labelers",
            "MemberDefinitions": [{"OidcMemberDefinition": {"Groups": ["labelers"]}}],
            "WorkerAccessConfiguration": {
                "S3Presign": {"IamPolicyConstraints": {"SourceIp": "Disabled"}}
            },
        },
    ),
    "SM295": ("CreateTrainingSession", session(), drop(session(), "VpcConfig")),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _failing(rule_id: str, operation: str, params: dict[str, Any]) -> ss.Finding:
    found = [f for f in ss.evaluate(operation, params, POLICY) if f.rule_id == rule_id]
    return next(f for f in found if f.status == "fail")


def test_keys_and_vpc_are_filled_from_the_policy() -> None:
    filled, done = ss.secure_request(
        "CreateModelCard", drop(model_card(), "SecurityConfig"), POLICY
    )
    assert filled["SecurityConfig"]["KmsKeyId"] == KEY
    bare = drop(drop(session(), "VpcConfig"), "OutputConfig")
    bare["OutputConfig"] = {"S3Location": {"Path": OUT}}
    filled, done = ss.secure_request("CreateTrainingSession", bare, POLICY)
    assert filled["VpcConfig"] == VPC
    assert filled["OutputConfig"]["S3Location"]["KmsKeyArn"] == KEY
    assert {"SM291", "SM295"} <= {rule for rule, _ in done}


def test_a_hub_without_a_storage_path_and_a_public_package_image_are_refused() -> None:
    _failing("SM290", "CreateHub", drop(hub(), "S3StorageConfig"))
    _failing("SM293", "UpdateModelPackage", package_update({}, PUBLIC_IMAGE))
    # an update that adds no container names no image and no environment
    approve = {"ModelPackageArn": "arn:aws:sagemaker:us-east-1:1:model-package/p/1"}
    found = ss.evaluate("UpdateModelPackage", approve, POLICY)
    assert all(f.status == "pass" for f in found if f.rule_id in {"SM293", "SM294"})


def test_a_secret_in_a_model_card_is_not_quoted() -> None:
    finding = _failing("SM292", "UpdateModelCard", {"ModelCardName": "c", "Content": SECRET_CARD})
    assert "AKIA" not in finding.message
