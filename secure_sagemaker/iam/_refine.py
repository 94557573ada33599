"""Refine a role from its usage: CloudTrail Event history + IAM Access Advisor.

Evidence and its limits:

* IAM Access Advisor (``GenerateServiceLastAccessedDetails``, action level) says which
  granted *services* the role used, and for services with action-level tracking which
  actions.  A granted service not used in the window is unused.
* CloudTrail Event history (``LookupEvents``, 90 days, management events of this
  region) says which API actions the role's sessions called.
* Data-plane actions never appear in Event history (S3 object reads/writes,
  ``logs:PutLogEvents``, ``cloudwatch:PutMetricData``, ECR layer downloads): they are
  reported as *unverified* and kept, never removed on the absence of evidence.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import tenacity

from secure_sagemaker._aws.retry import is_transient
from secure_sagemaker.controls._policy_document import (
    action_matches,
    as_list,
    load_document,
    statements,
)
from secure_sagemaker.exceptions import InvalidArgumentError, ResourceFailedError

__all__ = [
    "NOT_IN_EVENT_HISTORY",
    "RefineReport",
    "refine_role",
    "throttled_page",
    "until_job_done",
]

logger = logging.getLogger("secure_sagemaker.iam")

#: Actions CloudTrail Event history never records (data events), so their absence
#: there proves nothing.
NOT_IN_EVENT_HISTORY = (
    "s3:GetObject*",
    "s3:PutObject*",
    "s3:DeleteObject*",
    "s3:AbortMultipartUpload",
    "s3:ListBucket",
    "s3:ListMultipartUploadParts",
    "logs:PutLogEvents",
    "cloudwatch:PutMetricData",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "sagemaker:InvokeEndpoint*",
)
_EVENT_SOURCE_NAMESPACE = {
    "monitoring": "cloudwatch",
    "api.ecr": "ecr",
    "api.sagemaker": "sagemaker",
}


def _is_throttled_or_transient(error: BaseException) -> bool:
    return is_transient(error)


#: Decorator: retry one page of a rate-limited read (LookupEvents allows 2 requests
#: per second per account and region) with jittered exponential backoff, 8 attempts.
throttled_page = tenacity.retry(
    retry=tenacity.retry_if_exception(_is_throttled_or_transient),
    wait=tenacity.wait_exponential_jitter(multiplier=0.25, max=10.0, jitter=0.25),
    stop=tenacity.stop_after_attempt(8),
    reraise=True,
)


class _JobInProgress(Exception):
    """The Access Advisor job has not finished yet."""


#: Decorator: poll an Access Advisor job until it completes (at most 5 minutes).
until_job_done = tenacity.retry(
    retry=tenacity.retry_if_exception_type(_JobInProgress),
    wait=tenacity.wait_exponential(multiplier=0.2, max=5.0),
    stop=tenacity.stop_after_delay(300),
    reraise=True,
)


@attrs.frozen
class RefineReport:
    """What a role was granted and what it used in the last ``days`` days.

    ``unused_services``: granted service namespaces with no use.  ``unused_actions``:
    granted actions with evidence of no use (``action -> "access-advisor"`` or
    ``"cloudtrail"``).  ``unverified_actions``: actions neither source can see.
    ``suggested_policy``: the role's Allow statements without the unused actions.
    """

    role_arn: str
    days: int
    used_services: frozenset[str]
    used_actions: frozenset[str]
    unused_services: frozenset[str]
    unused_actions: Mapping[str, str]
    unverified_actions: frozenset[str]
    suggested_policy: Mapping[str, Any]
    events_read: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "role_arn": self.role_arn,
            "days": self.days,
            "used_services": sorted(self.used_services),
            "used_actions": sorted(self.used_actions),
            "unused_services": sorted(self.unused_services),
            "unused_actions": dict(sorted(self.unused_actions.items())),
            "unverified_actions": sorted(self.unverified_actions),
            "suggested_policy": self.suggested_policy,
            "events_read": self.events_read,
        }


# ------------------------------------------------------------------ evidence


def _namespace(event_source: str) -> str:
    host = event_source.removesuffix(".amazonaws.com")
    return _EVENT_SOURCE_NAMESPACE.get(host, host.split(".")[-1])


def _role_events(
    cloudtrail: Any, role_arn: str, start: dt.datetime, end: dt.datetime
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(action, event)`` for every event of a session of ``role_arn``; paginates
    ``LookupEvents`` and backs off when throttled."""
    lookup = throttled_page(cloudtrail.lookup_events)
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end, "MaxResults": 50}
        if token:
            kwargs["NextToken"] = token
        page = lookup(**kwargs)
        for event in page.get("Events", []):
            try:
                detail = json.loads(event.get("CloudTrailEvent") or "{}")
            except ValueError:
                continue
            identity = detail.get("userIdentity", {})
            issuer = identity.get("sessionContext", {}).get("sessionIssuer", {})
            if issuer.get("arn") != role_arn:
                continue
            source = str(event.get("EventSource") or detail.get("eventSource", ""))
            yield f"{_namespace(source)}:{event.get('EventName')}", event
        token = page.get("NextToken")
        if not token:
            return


def _access_advisor(iam: Any, role_arn: str) -> list[Mapping[str, Any]]:
    """Every ``ServicesLastAccessed`` entry of an action-level Access Advisor report."""
    job = throttled_page(iam.generate_service_last_accessed_details)(
        Arn=role_arn, Granularity="ACTION_LEVEL"
    )["JobId"]
    get = throttled_page(iam.get_service_last_accessed_details)

    @until_job_done
    def first_page() -> Mapping[str, Any]:
        page: Mapping[str, Any] = get(JobId=job, MaxItems=100)
        if page.get("JobStatus") == "IN_PROGRESS":
            raise _JobInProgress
        if page.get("JobStatus") == "FAILED":
            raise ResourceFailedError("IAM Access Advisor report for this role", "FAILED", "")
        return page

    page = first_page()
    out = list(page.get("ServicesLastAccessed", []))
    while page.get("IsTruncated"):
        page = get(JobId=job, MaxItems=100, Marker=page["Marker"])
        out.extend(page.get("ServicesLastAccessed", []))
    return out


def _within(moment: Any, since: dt.datetime) -> bool:
    return isinstance(moment, dt.datetime) and moment >= since


# ------------------------------------------------------------------ the role's grants


def _role_documents(iam: Any, role_name: str) -> list[Mapping[str, Any]]:
    docs: list[Mapping[str, Any]] = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page.get("PolicyNames", []):
            doc = load_document(
                iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
            )
            if doc is not None:
                docs.append(doc)
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for policy in page.get("AttachedPolicies", []):
            meta = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]
            version = iam.get_policy_version(
                PolicyArn=policy["PolicyArn"], VersionId=meta["DefaultVersionId"]
            )["PolicyVersion"]
            doc = load_document(version["Document"])
            if doc is not None:
                docs.append(doc)
    return docs


def _allow_statements(docs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [st for doc in docs for _, st in statements(doc) if st.get("Effect") == "Allow"]


def _service(action: str) -> str:
    return action.split(":", 1)[0].lower()


# ------------------------------------------------------------------ the judgement


@attrs.frozen
class _Evidence:
    since: dt.datetime
    services: frozenset[str]  # used service namespaces
    actions: frozenset[str]  # used actions, lowercase
    tracked: frozenset[str]  # actions Access Advisor tracks, lowercase


def _judge(action: str, ev: _Evidence) -> tuple[str, str]:
    """``("used" | "unused" | "unverified", evidence)`` for one granted action pattern."""
    lower = action.lower()
    if _service(action) not in ev.services:
        return "unused", "access-advisor"
    if any(action_matches(action, used) for used in ev.actions):
        return "used", ""
    if "*" in action or "?" in action:
        return "unverified", ""
    if lower in ev.tracked:
        return "unused", "access-advisor"
    if any(action_matches(p, action) for p in NOT_IN_EVENT_HISTORY):
        return "unverified", ""
    return "unused", "cloudtrail"


def _narrow(allows: list[Mapping[str, Any]], unused: Mapping[str, str]) -> dict[str, Any]:
    kept: list[dict[str, Any]] = []
    for st in allows:
        if "NotAction" in st:
            kept.append(dict(st))  # cannot narrow an exclusion; lint flags it (SM604)
            continue
        actions = [a for a in as_list(st.get("Action")) if str(a) not in unused]
        if actions:
            kept.append({**st, "Action": actions})
    return {"Version": "2012-10-17", "Statement": kept}


def refine_role(
    role_name: str, *, days: int = 90, session: Any = None, now: dt.datetime | None = None
) -> RefineReport:
    """Compare what ``role_name`` is granted with what it used in the last ``days``
    days (CloudTrail Event history in the session's region + IAM Access Advisor) and
    suggest a narrowed policy.  Read-only: nothing is changed.

    Raises botocore ``ClientError`` (``NoSuchEntity`` for a missing role,
    ``AccessDenied`` without ``cloudtrail:LookupEvents``,
    ``iam:GenerateServiceLastAccessedDetails`` or ``iam:GetServiceLastAccessedDetails``)
    after retrying throttled pages; ``RuntimeError`` if the Access Advisor job fails.

    >>> report = refine_role("ml-train", days=90)  # doctest: +SKIP
    >>> sorted(report.unused_services)  # doctest: +SKIP
    ['secretsmanager']
    """
    if days < 1 or days > 90:
        raise InvalidArgumentError(
            "days must be between 1 and 90 (CloudTrail Event history keeps 90)"
        )
    if session is None:
        import boto3

        session = boto3.Session()
    iam, cloudtrail = session.client("iam"), session.client("cloudtrail")
    end = now or dt.datetime.now(dt.timezone.utc)
    if end.tzinfo is None:
        end = end.replace(tzinfo=dt.timezone.utc)
    since = end - dt.timedelta(days=days)
    role_arn = str(iam.get_role(RoleName=role_name)["Role"]["Arn"])
    allows = _allow_statements(_role_documents(iam, role_name))

    used: dict[str, str] = {}  # lowercase -> as reported
    events = 0
    for action, _event in _role_events(cloudtrail, role_arn, since, end):
        events += 1
        used.setdefault(action.lower(), action)
    used_services = {_service(a) for a in used}
    tracked: set[str] = set()
    for entry in _access_advisor(iam, role_arn):
        namespace = str(entry.get("ServiceNamespace", "")).lower()
        if _within(entry.get("LastAuthenticated"), since):
            used_services.add(namespace)
        for item in entry.get("TrackedActionsLastAccessed", []) or []:
            name = f"{namespace}:{item.get('ActionName', '')}"
            tracked.add(name.lower())
            if _within(item.get("LastAccessedTime"), since):
                used.setdefault(name.lower(), name)
    evidence = _Evidence(since, frozenset(used_services), frozenset(used), frozenset(tracked))

    granted = {str(a) for st in allows for a in as_list(st.get("Action"))}
    unused: dict[str, str] = {}
    unverified: set[str] = set()
    for action in sorted(granted):
        if action == "*":
            unverified.add(action)
            continue
        verdict, why = _judge(action, evidence)
        if verdict == "unused":
            unused[action] = why
        elif verdict == "unverified":
            unverified.add(action)
    granted_services = {_service(a) for a in granted if a != "*"}
    logger.info("refined role %s from %d events", role_name, events)
    return RefineReport(
        role_arn=role_arn,
        days=days,
        used_services=frozenset(used_services & granted_services),
        used_actions=frozenset(used.values()),
        unused_services=frozenset(granted_services - used_services),
        unused_actions=unused,
        unverified_actions=frozenset(unverified),
        suggested_policy=_narrow(allows, unused),
        events_read=events,
    )
