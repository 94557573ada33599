"""Access surfaces (issue 14), end to end: with the guard installed against the embedded
emulator, an insecure presigned URL, workforce, MLflow, partner-app or remote-session
request is refused before anything is sent (0 HTTP requests on that client) with its
rule ID, and its secure variant is sent.  moto implements few of these operations: the
secure variant is only asserted *sent*, and moto's error accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, KEY, POLICY, TAGS
from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm1_access import (
    COGNITO,
    REGION_ARN,
    URLS,
    mlflow_app,
    partner_app,
    tracking,
    workforce,
)

pytestmark = pytest.mark.e2e

SPACE_APP = f"{REGION_ARN}:app/d-1/space/JupyterLab/default"
WIDE_OPEN = {"Cidrs": ["0.0.0.0/0"]}


@pytest.fixture
def session(fresh_aws: Any) -> Iterator[Any]:
    yield fresh_aws.session()
    ss.uninstall()


def _client(session: Any, policy: ss.SecurityPolicy = POLICY) -> tuple[Any, Sent]:
    ss.install(policy)
    client = session.client("sagemaker", region_name="us-east-1")
    return client, Sent(client)


def _method(operation: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in operation).lstrip("_")


@pytest.mark.parametrize("operation", sorted(URLS))
def test_a_presigned_url_opens_a_session_no_longer_than_the_policy_allows(
    session: Any, operation: str
) -> None:
    client, sent = _client(session)
    call = getattr(client, _method(operation))
    params = URLS[operation]
    refused(call, sent, "SM119", **params, SessionExpirationDurationInSeconds=43200)
    sent_anyway(call, sent, operation, **params)  # the guard fills 1800
    assert b"SessionExpirationDurationInSeconds" in (sent.bodies[-1] or b"")
    ss.uninstall()
    client, sent = _client(session, attrs.evolve(POLICY, max_presigned_session_seconds=7200))
    call = getattr(client, _method(operation))
    sent_anyway(call, sent, operation, **params, SessionExpirationDurationInSeconds=7200)


def test_a_workforce_is_reachable_only_from_the_policy_s_networks(session: Any) -> None:
    policy = attrs.evolve(POLICY, allowed_workforce_cidrs=["203.0.113.0/24"])
    client, sent = _client(session, policy)
    refused(client.create_workforce, sent, "SM130", **workforce(SourceIpConfig=WIDE_OPEN))
    refused(client.create_workforce, sent, "SM130",
            **workforce(SourceIpConfig={"Cidrs": ["198.51.100.0/24"]}))
    refused(client.create_workforce, sent, "SM131",
            **workforce(WorkforceVpcConfig={"VpcId": "vpc-0123456789abcdef0",
                                            "Subnets": ["subnet-0fffffffffffffff0"],
                                            "SecurityGroupIds": ["sg-0fffffffffffffff0"]}))
    refused(client.update_workforce, sent, "SM130", WorkforceName="labelers",
            SourceIpConfig={"Cidrs": ["::/0"]})
    sent_anyway(client.create_workforce, sent, "CreateWorkforce", **workforce(Tags=TAGS))
    sent_anyway(client.update_workforce, sent, "UpdateWorkforce", WorkforceName="labelers",
                SourceIpConfig={"Cidrs": ["203.0.113.128/25"]})


def test_the_guard_fills_the_workforce_network_from_the_policy(session: Any) -> None:
    policy = attrs.evolve(POLICY, allowed_workforce_cidrs=["203.0.113.0/24"],
                          vpc_id="vpc-0123456789abcdef0")
    client, sent = _client(session, policy)
    sent_anyway(client.create_workforce, sent, "CreateWorkforce",
                WorkforceName="labelers", CognitoConfig=COGNITO, Tags=TAGS)
    body = sent.bodies[-1] or b""
    assert b"203.0.113.0/24" in body and b"vpc-0123456789abcdef0" in body


def test_mlflow_keeps_its_artifacts_and_data_under_the_organisation_s_control(
    session: Any,
) -> None:
    client, sent = _client(session)
    foreign = "s3://someone-elses-bucket/mlflow"
    refused(client.create_mlflow_tracking_server, sent, "SM132",
            **tracking(ArtifactStoreUri=foreign, Tags=TAGS))
    refused(client.update_mlflow_tracking_server, sent, "SM132", TrackingServerName="mlflow",
            ArtifactStoreUri=foreign)
    refused(client.create_mlflow_tracking_server, sent, "SM133",
            **tracking(S3BucketOwnerVerification=False, Tags=TAGS))
    refused(client.create_mlflow_app, sent, "SM132",
            **mlflow_app(ArtifactStoreUri=foreign, Tags=TAGS))
    refused(client.create_mlflow_app, sent, "SM134",
            **mlflow_app(KmsKeyId="alias/aws/s3", Tags=TAGS))
    sent_anyway(client.create_mlflow_tracking_server, sent, "CreateMlflowTrackingServer",
                **tracking(Tags=TAGS))
    sent_anyway(client.update_mlflow_tracking_server, sent, "UpdateMlflowTrackingServer",
                TrackingServerName="mlflow", ArtifactStoreUri=f"s3://{BUCKET}/mlflow-2")
    app = {k: v for k, v in mlflow_app(Tags=TAGS).items() if k != "KmsKeyId"}
    sent_anyway(client.create_mlflow_app, sent, "CreateMlflowApp", **app)  # key filled
    assert KEY.encode() in (sent.bodies[-1] or b"")


def test_a_partner_app_encrypts_with_a_customer_key(session: Any) -> None:
    client, sent = _client(session)
    refused(client.create_partner_app, sent, "SM135",
            **partner_app(KmsKeyId="alias/aws/sagemaker", Tags=TAGS))
    app = {k: v for k, v in partner_app(Tags=TAGS).items() if k != "KmsKeyId"}
    sent_anyway(client.create_partner_app, sent, "CreatePartnerApp", **app)  # key filled
    assert KEY.encode() in (sent.bodies[-1] or b"")


def test_a_remote_ide_session_needs_the_policy_s_remote_access(session: Any) -> None:
    client, sent = _client(session)
    refused(client.start_session, sent, "SM136", ResourceIdentifier=SPACE_APP)
    ss.uninstall()
    client, sent = _client(session, attrs.evolve(POLICY, allow_remote_access=True))
    sent_anyway(client.start_session, sent, "StartSession", ResourceIdentifier=SPACE_APP)
