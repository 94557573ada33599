"""refine_role against the embedded moto server, with exactly the two APIs moto lacks
(CloudTrail LookupEvents, IAM service-last-accessed) stubbed at the botocore layer:
realistic, paginated responses, with throttling."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import botocore.exceptions
import pytest

from secure_sagemaker.iam import refine_role
from secure_sagemaker.testing import EmbeddedAWS

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.timezone.utc)
JOB_ID = "examplef-1305-c245-eba4-71fe298bcda7"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ml-job"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteBucket"],
            "Resource": ["arn:aws:s3:::ml-artifacts", "arn:aws:s3:::ml-artifacts/team/*"],
        },
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt"],
            "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012",
        },
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-??????",
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:*",
        },
        {
            "Effect": "Allow",
            "Action": "ecr:BatchGet*",
            "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/train",
        },
    ],
}


def event(name: str, source: str, role_arn: str = ROLE_ARN, days_ago: int = 3) -> dict[str, Any]:
    when = NOW - dt.timedelta(days=days_ago)
    detail = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:SageMaker",
            "arn": role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
            + "/SageMaker",
            "accountId": ACCOUNT,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "arn": role_arn,
                    "accountId": ACCOUNT,
                    "userName": role_arn.rsplit("/", 1)[1],
                },
            },
            "invokedBy": "sagemaker.amazonaws.com",
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
    }
    return {
        "EventId": f"{name}-{days_ago}",
        "EventName": name,
        "ReadOnly": "false",
        "EventTime": when,
        "EventSource": source,
        "Username": "SageMaker",
        "Resources": [],
        "CloudTrailEvent": json.dumps(detail),
    }


EVENT_PAGES = [
    [
        event("Decrypt", "kms.amazonaws.com"),
        event("CreateLogStream", "logs.amazonaws.com"),
        event(
            "ListRoles", "iam.amazonaws.com", role_arn=f"arn:aws:iam::{ACCOUNT}:role/someone-else"
        ),
    ],
    [event("Decrypt", "kms.amazonaws.com", days_ago=40)],
]
AA_PAGES = [
    {
        "JobStatus": "COMPLETED",
        "JobType": "ACTION_LEVEL",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "ServicesLastAccessed": [
            {
                "ServiceName": "Amazon S3",
                "ServiceNamespace": "s3",
                "LastAuthenticated": NOW - dt.timedelta(days=1),
                "TotalAuthenticatedEntities": 1,
                "TrackedActionsLastAccessed": [
                    {"ActionName": "DeleteBucket"},
                    {"ActionName": "CreateBucket"},
                ],
            },
            {
                "ServiceName": "AWS Key Management Service",
                "ServiceNamespace": "kms",
                "LastAuthenticated": NOW - dt.timedelta(days=3),
                "TotalAuthenticatedEntities": 1,
            },
        ],
        "IsTruncated": True,
        "Marker": "page-2",
    },
    {
        "JobStatus": "COMPLETED",
        "JobType": "ACTION_LEVEL",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "ServicesLastAccessed": [
            {
                "ServiceName": "AWS Secrets Manager",
                "ServiceNamespace": "secretsmanager",
                "LastAuthenticated": NOW - dt.timedelta(days=200),
                "TotalAuthenticatedEntities": 1,
            },
            {
                "ServiceName": "Amazon CloudWatch Logs",
                "ServiceNamespace": "logs",
                "LastAuthenticated": NOW - dt.timedelta(days=2),
                "TotalAuthenticatedEntities": 1,
            },
            {
                "ServiceName": "Amazon Elastic Container Registry",
                "ServiceNamespace": "ecr",
                "LastAuthenticated": NOW - dt.timedelta(days=2),
                "TotalAuthenticatedEntities": 1,
            },
        ],
        "IsTruncated": False,
    },
]


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def error(code: str) -> tuple[_Http, dict[str, Any]]:
    return _Http(400), {
        "Error": {"Code": code, "Message": "Rate exceeded"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }


def ok(body: dict[str, Any]) -> tuple[_Http, dict[str, Any]]:
    return _Http(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


class Stubs:
    """``before-call`` handlers for exactly LookupEvents and the two Access Advisor
    calls: every other call still goes to moto.  Records the requests it answered."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.throttle = {"LookupEvents": 1, "GenerateServiceLastAccessedDetails": 1}
        self.in_progress = 2

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        body = params.get("body")
        if isinstance(body, bytes | str) and body:
            return dict(json.loads(body))
        return dict(body) if isinstance(body, dict) else {}

    def _throttled(self, operation: str) -> bool:
        if self.throttle.get(operation, 0) > 0:
            self.throttle[operation] -= 1
            return True
        return False

    def lookup_events(self, params: dict[str, Any], **kwargs: Any) -> Any:
        request = self._params(params)
        self.calls.append(("LookupEvents", request))
        if self._throttled("LookupEvents"):
            return error("ThrottlingException")
        index = int(request.get("NextToken", "0"))
        start = dt.datetime.fromtimestamp(float(request["StartTime"]), dt.timezone.utc)
        end = dt.datetime.fromtimestamp(float(request["EndTime"]), dt.timezone.utc)
        page = [e for e in EVENT_PAGES[index] if start <= e["EventTime"] <= end]
        body: dict[str, Any] = {"Events": page}
        if index + 1 < len(EVENT_PAGES):
            body["NextToken"] = str(index + 1)
        return ok(body)

    def generate(self, params: dict[str, Any], **kwargs: Any) -> Any:
        request = self._params(params)
        self.calls.append(("GenerateServiceLastAccessedDetails", request))
        if self._throttled("GenerateServiceLastAccessedDetails"):
            return error("Throttling")
        assert request["Arn"] == ROLE_ARN and request["Granularity"] == "ACTION_LEVEL"
        return ok({"JobId": JOB_ID})

    def details(self, params: dict[str, Any], **kwargs: Any) -> Any:
        request = self._params(params)
        self.calls.append(("GetServiceLastAccessedDetails", request))
        if self.in_progress:
            self.in_progress -= 1
            return ok(
                {"JobStatus": "IN_PROGRESS", "JobCreationDate": NOW, "ServicesLastAccessed": []}
            )
        return ok(AA_PAGES[1] if request.get("Marker") == "page-2" else AA_PAGES[0])

    def install(self, session: Any) -> None:
        events = session._session.get_component("event_emitter")
        handlers: dict[str, Callable[..., Any]] = {
            "before-call.cloudtrail.LookupEvents": self.lookup_events,
            "before-call.iam.GenerateServiceLastAccessedDetails": self.generate,
            "before-call.iam.GetServiceLastAccessedDetails": self.details,
        }
        for name, handler in handlers.items():
            events.register(name, handler)

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)


@pytest.fixture
def session(fresh_aws: EmbeddedAWS) -> Any:
    session = fresh_aws.session()
    iam = session.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }
    iam.create_role(RoleName="ml-job", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="ml-job", PolicyName="job", PolicyDocument=json.dumps(POLICY))
    return session


def test_refine_reports_unused_grants_and_narrows_the_policy(session: Any) -> None:
    stubs = Stubs()
    stubs.install(session)
    report = refine_role("ml-job", days=90, session=session, now=NOW)

    assert report.role_arn == ROLE_ARN
    assert report.unused_services == {"secretsmanager"}
    assert dict(report.unused_actions) == {
        "secretsmanager:GetSecretValue": "access-advisor",
        "s3:DeleteBucket": "access-advisor",
        "kms:Encrypt": "cloudtrail",
    }
    assert {
        "s3:GetObject",
        "s3:PutObject",
        "logs:PutLogEvents",
        "ecr:BatchGet*",
    } <= report.unverified_actions
    assert {"kms:Decrypt", "logs:CreateLogStream"} <= report.used_actions
    assert report.events_read == 3  # the other role's event is not counted
    kept = [
        a
        for st in report.suggested_policy["Statement"]
        for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    ]
    assert "kms:Decrypt" in kept and "s3:GetObject" in kept and "ecr:BatchGet*" in kept
    assert not {"kms:Encrypt", "s3:DeleteBucket", "secretsmanager:GetSecretValue"} & set(kept)
    assert len(report.suggested_policy["Statement"]) == 4  # the secrets statement is gone
    json.dumps(report.to_dict(), default=str)

    # paginated and backed off: LookupEvents = 1 throttled + 2 pages, the second with
    # the token; Access Advisor = 1 throttled + 1 job, 2 polls in progress + 2 pages
    lookups = [p for op, p in stubs.calls if op == "LookupEvents"]
    assert len(lookups) == 3 and lookups[2].get("NextToken") == "1"
    assert all(p["MaxResults"] == 50 for p in lookups)
    assert stubs.count("GenerateServiceLastAccessedDetails") == 2
    markers = [p.get("Marker") for op, p in stubs.calls if op == "GetServiceLastAccessedDetails"]
    assert markers == [None, None, None, "page-2"]


def test_a_shorter_window_turns_old_use_into_non_use(session: Any) -> None:
    stubs = Stubs()
    stubs.install(session)
    report = refine_role("ml-job", days=2, session=session, now=NOW)
    # kms was last authenticated 3 days ago and its CloudTrail events are older too
    assert "kms" in report.unused_services
    assert report.unused_actions["kms:Decrypt"] == "access-advisor"


def test_a_denied_lookup_is_raised_at_once(session: Any) -> None:
    stubs = Stubs()

    def denied(params: dict[str, Any], **kwargs: Any) -> Any:
        stubs.calls.append(("LookupEvents", {}))
        return error("AccessDeniedException")

    session._session.get_component("event_emitter").register(
        "before-call.cloudtrail.LookupEvents", denied
    )
    with pytest.raises(botocore.exceptions.ClientError) as err:
        refine_role("ml-job", session=session, now=NOW)
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert stubs.count("LookupEvents") == 1


@pytest.mark.parametrize("days", [0, 91])
def test_window_must_fit_event_history(days: int) -> None:
    with pytest.raises(ValueError, match="90"):
        refine_role("ml-job", days=days, session=object())
