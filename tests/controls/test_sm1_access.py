"""Examples for sm1_access (SM13x): one secure and one insecure request per rule; then
the presigned URLs SM119 judges beside notebooks and Studio, and the workforce CIDRs
against the policy's allowed-workforce-cidrs."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, KEY, POLICY, ROLE, SG, SUBNET
from tests.controls._check import check_example

REGION_ARN = "arn:aws:sagemaker:us-east-1:123456789012"
CIDRS = {"Cidrs": ["203.0.113.0/24"]}
WORKFORCE_VPC = {"VpcId": "vpc-0123456789abcdef0", "Subnets": [SUBNET], "SecurityGroupIds": [SG]}
COGNITO = {"UserPool": "us-east-1_abcdefghi", "ClientId": "client"}


def workforce(**kw: Any) -> dict[str, Any]:
    return {"WorkforceName": "labelers", "CognitoConfig": COGNITO, "SourceIpConfig": CIDRS,
            "WorkforceVpcConfig": WORKFORCE_VPC, **kw}


def tracking(**kw: Any) -> dict[str, Any]:
    return {"TrackingServerName": "mlflow", "ArtifactStoreUri": f"s3://{BUCKET}/mlflow",
            "RoleArn": ROLE, **kw}


def mlflow_app(**kw: Any) -> dict[str, Any]:
    return {"Name": "mlflow", "ArtifactStoreUri": f"s3://{BUCKET}/mlflow", "RoleArn": ROLE,
            "KmsKeyId": KEY, **kw}


def partner_app(**kw: Any) -> dict[str, Any]:
    return {"Name": "comet", "Type": "comet", "ExecutionRoleArn": ROLE, "Tier": "small",
            "AuthType": "IAM", "KmsKeyId": KEY, **kw}


def without(params: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != key}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM130": ("CreateWorkforce", workforce(),
              workforce(SourceIpConfig={"Cidrs": ["203.0.113.0/24", "0.0.0.0/0"]})),
    "SM131": ("CreateWorkforce", workforce(), without(workforce(), "WorkforceVpcConfig")),
    "SM132": ("CreateMlflowTrackingServer", tracking(),
              tracking(ArtifactStoreUri="s3://someone-elses-bucket/mlflow")),
    "SM133": ("CreateMlflowTrackingServer", tracking(S3BucketOwnerVerification=True),
              tracking(S3BucketOwnerVerification=False)),
    "SM134": ("CreateMlflowApp", mlflow_app(), mlflow_app(KmsKeyId="alias/aws/s3")),
    "SM135": ("CreatePartnerApp", partner_app(), partner_app(KmsKeyId="alias/aws/sagemaker")),
    # the example policy does not allow remote access: no secure request exists under it
    "SM136": ("StartSession", None,
              {"ResourceIdentifier": f"{REGION_ARN}:app/d-1/space/JupyterLab/default"}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _failed(rule_id: str, operation: str, params: dict[str, Any],
            policy: ss.SecurityPolicy = POLICY) -> list[str]:
    found = ss.evaluate(operation, params, policy, region="us-east-1")
    return [f.field for f in found if f.rule_id == rule_id and f.failed]


URLS = {
    "CreatePresignedNotebookInstanceUrl": {"NotebookInstanceName": "nb"},
    "CreatePresignedDomainUrl": {"DomainId": "d-1", "UserProfileName": "u"},
    "CreatePresignedMlflowTrackingServerUrl": {"TrackingServerName": "mlflow"},
    "CreatePresignedMlflowAppUrl": {"Arn": f"{REGION_ARN}:mlflow-app/app-1"},
    "CreatePartnerAppPresignedUrl": {"Arn": f"{REGION_ARN}:partner-app/app-1"},
}


@pytest.mark.parametrize("operation", sorted(URLS))
def test_every_presigned_url_session_is_bounded_by_the_policy(operation: str) -> None:
    params = URLS[operation]
    assert not _failed("SM119", operation, {**params, "SessionExpirationDurationInSeconds": 3600})
    assert _failed("SM119", operation, {**params, "SessionExpirationDurationInSeconds": 3601})
    assert _failed("SM119", operation, params)  # absent: 12 hours
    longer = attrs.evolve(POLICY, max_presigned_session_seconds=7200)
    long_session = {**params, "SessionExpirationDurationInSeconds": 7200}
    assert not _failed("SM119", operation, long_session, longer)
    shorter = attrs.evolve(POLICY, max_presigned_session_seconds=1800)
    assert _failed("SM119", operation, {**params, "SessionExpirationDurationInSeconds": 3600},
                   shorter)


@pytest.mark.parametrize(
    ("cidrs", "ok"),
    [
        (["203.0.113.0/24"], True),
        (["203.0.113.128/25", "2001:db8::/48"], True),
        (["198.51.100.0/24"], False),  # outside the allowed ranges
        (["203.0.112.0/23"], False),  # wider than the allowed range
        (["::/0"], False),
        (["0.0.0.0/0"], False),
        (["not-a-cidr"], False),
        ([], False),
    ],
)
def test_workforce_cidrs_stay_inside_the_policy_s(cidrs: list[str], ok: bool) -> None:
    policy = attrs.evolve(POLICY, allowed_workforce_cidrs=["203.0.113.0/24", "2001:db8::/32"])
    failed = _failed("SM130", "UpdateWorkforce",
                     {"WorkforceName": "w", "SourceIpConfig": {"Cidrs": cidrs}}, policy)
    assert not failed if ok else failed == ["SourceIpConfig.Cidrs"]


def test_the_guard_fills_workforce_cidrs_and_vpc_from_the_policy() -> None:
    policy = attrs.evolve(POLICY, allowed_workforce_cidrs=["203.0.113.0/24"],
                          vpc_id="vpc-0123456789abcdef0")
    bare = {"WorkforceName": "labelers", "CognitoConfig": COGNITO}
    params, filled = ss.secure_request("CreateWorkforce", bare, policy)
    assert {rule for rule, _ in filled} >= {"SM130", "SM131"}
    assert params["SourceIpConfig"] == {"Cidrs": ["203.0.113.0/24"]}
    found = ss.evaluate("CreateWorkforce", params, policy, region="us-east-1")
    assert {f.rule_id for f in found if f.failed} & {"SM130", "SM131"} == set()


def test_an_update_that_leaves_the_workforce_network_alone_passes() -> None:
    update = {"WorkforceName": "labelers"}
    assert not _failed("SM130", "UpdateWorkforce", update)
    assert not _failed("SM131", "UpdateWorkforce", update)
    wrong_vpc = {**update, "WorkforceVpcConfig": {**WORKFORCE_VPC, "Subnets": ["subnet-1"]}}
    assert _failed("SM131", "UpdateWorkforce", wrong_vpc)


def test_the_policy_s_remote_access_allows_a_session() -> None:
    params = EXAMPLES["SM136"][2]
    assert _failed("SM136", "StartSession", params)
    assert not _failed("SM136", "StartSession", params, attrs.evolve(POLICY, allow_remote_access=True))
