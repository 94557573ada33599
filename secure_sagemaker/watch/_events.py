"""A CloudTrail record -> the resource to describe, or why the event is ignored.

Plain tables per ``eventSource``: which ``eventName`` creates or changes which
resource, and where the record names it.  SageMaker events map onto the audit's
:data:`~secure_sagemaker.audit._kinds.KINDS` (``Create<Noun>``/``Update<Noun>`` ->
the kind judged as ``Create<Noun>``); S3, KMS and Secrets Manager events name a
bucket, a key or a secret.  An event is kept only when the catalog judges its
operation (or it creates the resource a view judges: ``CreateBucket``,
``CreateKey``, ``CreateEndpoint``); every KMS and Secrets Manager event listed
changes what the ``@KmsKey`` / ``@Secret`` views or CreateSecret judge.

CloudTrail writes request and response fields in lower camel case
(``notebookInstanceName``, ``bucketName``; Secrets Manager's ARN as ``aRN``); the
lookups accept the API's own spelling too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from secure_sagemaker.audit._kinds import KINDS, Kind
from secure_sagemaker.controls import CATALOG

__all__ = ["SOURCES", "Ignore", "Target", "target", "watched_events"]

#: CloudTrail ``eventSource`` -> the botocore service name the catalog uses.
SOURCES: Mapping[str, str] = {
    "sagemaker.amazonaws.com": "sagemaker",
    "s3.amazonaws.com": "s3",
    "kms.amazonaws.com": "kms",
    "secretsmanager.amazonaws.com": "secretsmanager",
}

#: S3 bucket-level events (CloudTrail names; PutPublicAccessBlock is logged as
#: PutBucketPublicAccessBlock) -> the operation the catalog judges.  Object-level
#: events (PutObject ...) are data events: they name no bucket setting to describe.
S3_EVENTS: Mapping[str, str] = {
    "CreateBucket": "CreateBucket",
    "PutBucketPolicy": "PutBucketPolicy",
    "DeleteBucketPolicy": "DeleteBucketPolicy",
    "PutBucketVersioning": "PutBucketVersioning",
    "PutBucketEncryption": "PutBucketEncryption",
    "DeleteBucketEncryption": "DeleteBucketEncryption",
    "PutBucketPublicAccessBlock": "PutPublicAccessBlock",
    "DeleteBucketPublicAccessBlock": "DeletePublicAccessBlock",
    "PutBucketAcl": "PutBucketAcl",
    "PutBucketOwnershipControls": "PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "PutBucketReplication": "PutBucketReplication",
    "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
    "PutBucketLogging": "PutBucketLogging",
}

#: KMS events that change what the ``@KmsKey`` view judges (policy, rotation, state).
KMS_EVENTS = (
    "CreateKey",
    "PutKeyPolicy",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "DisableKey",
    "EnableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
)

#: Secrets Manager events that change what CreateSecret/RotateSecret/``@Secret`` judge.
SECRET_EVENTS = (
    "CreateSecret",
    "UpdateSecret",
    "PutResourcePolicy",
    "DeleteResourcePolicy",
    "RotateSecret",
    "CancelRotateSecret",
)

#: Views whose resource is created by an event the catalog does not judge as a request.
_VIEW_CREATIONS = frozenset({"CreateBucket", "CreateKey", "CreateEndpoint", "UpdateEndpoint"})


def _sagemaker_events() -> dict[str, Kind]:
    """``{eventName: kind}``: ``Create<Noun>`` and ``Update<Noun>`` of every audited kind."""
    out: dict[str, Kind] = {}
    for kind in KINDS:
        op = kind.operation
        noun = op[len("Create") :] if op.startswith("Create") else op.lstrip("@")
        noun = noun.removesuffix("V2") if kind.name == "automl-job" else noun
        for verb in ("Create", "Update"):
            out[f"{verb}{noun}"] = kind
        if kind.name == "automl-job":
            out["CreateAutoMLJobV2"] = out["UpdateAutoMLJobV2"] = kind
    return out


_SAGEMAKER = _sagemaker_events()


@attrs.frozen
class Target:
    """What to describe: ``what`` is ``"sagemaker"`` (with ``kind`` and its List-item
    ``item``), ``"bucket"``, ``"key"`` or ``"secret"`` (``item`` holds the name/ID)."""

    what: str
    operation: str
    item: Mapping[str, Any]
    kind: Kind | None = None


@attrs.frozen
class Ignore:
    """Why an event is not judged (a short phrase, never a value from the event)."""

    reason: str


def _judged(service: str, operation: str) -> bool:
    return operation in _VIEW_CREATIONS or operation in CATALOG.judged_by_service().get(service, ())


def watched_events() -> dict[str, list[str]]:
    """``{eventSource: [eventName, ...]}`` this detector judges (for an EventBridge
    rule's pattern)."""
    sagemaker = [n for n in _SAGEMAKER if _judged("sagemaker", n)]
    s3 = [n for n, op in S3_EVENTS.items() if _judged("s3", op)]
    return {
        "sagemaker.amazonaws.com": sorted(sagemaker),
        "s3.amazonaws.com": sorted(s3),
        "kms.amazonaws.com": sorted(KMS_EVENTS),
        "secretsmanager.amazonaws.com": sorted(SECRET_EVENTS),
    }


def field(node: Any, name: str) -> Any:
    """``node[name]`` in CloudTrail's lower camel case or the API's spelling; ``None``
    when absent or ``node`` is no mapping."""
    if not isinstance(node, Mapping):
        return None
    for key in (name[:1].lower() + name[1:], name, name.lower()):
        if key in node:
            return node[key]
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _sagemaker_item(kind: Kind, request: Any, response: Any) -> dict[str, Any] | Ignore:
    """The List-item fields ``kind.describe_params`` needs, from the record."""
    item: dict[str, Any] = {}
    for param, name in kind.ids.items():
        value = _text(field(request, name)) or _text(field(response, name))
        domain_arn = _text(field(response, "DomainArn")) or ""
        if value is None and param == "DomainId" and "/" in domain_arn:
            value = domain_arn.rsplit("/", 1)[-1]  # CreateDomain answers only the ARN
        if value is not None:
            item[name] = value
    if not any(param in kind.describe_params(item) for param in kind.ids if param != "AppType"):
        return Ignore(f"the record names no {kind.name}")
    if arn := _text(field(response, kind.arn_field)):
        item[kind.arn_field] = arn
    return item


def target(detail: Any) -> Target | Ignore:
    """The resource a CloudTrail record (an EventBridge event's ``detail``) created
    or changed, or why it is not judged.  Never raises."""
    if not isinstance(detail, Mapping):
        return Ignore("malformed event: no CloudTrail record")
    source, name = detail.get("eventSource"), detail.get("eventName")
    if not isinstance(source, str) or not isinstance(name, str):
        return Ignore("malformed event: no eventSource/eventName")
    service = SOURCES.get(source)
    if service is None:
        return Ignore("event source not watched")
    if detail.get("errorCode") or detail.get("errorMessage"):
        return Ignore("the call failed (errorCode set)")
    if detail.get("readOnly") is True or name.startswith(("Describe", "List", "Get")):
        return Ignore("read-only event")
    request, response = detail.get("requestParameters"), detail.get("responseElements")
    if service == "sagemaker":
        kind = _SAGEMAKER.get(name)
        if not _judged(service, name):
            return Ignore("operation not judged by the catalog")
        if kind is None:  # presigned URLs, sessions ...: nothing left to describe
            return Ignore("judged operation with no resource to describe")
        item = _sagemaker_item(kind, request, response)
        return item if isinstance(item, Ignore) else Target("sagemaker", name, item, kind)
    if service == "s3":
        operation = S3_EVENTS.get(name)
        if operation is None or not _judged(service, operation):
            return Ignore("operation not judged by the catalog")
        bucket = _text(field(request, "bucketName"))
        if bucket is None:
            return Ignore("the record names no bucket")
        return Target("bucket", operation, {"Bucket": bucket})
    if service == "kms":
        if name not in KMS_EVENTS:
            return Ignore("operation not judged by the catalog")
        meta = field(response, "keyMetadata")
        key = _text(field(request, "keyId")) or _text(field(meta, "arn"))
        key = key or _text(field(meta, "keyId"))
        if key is None:
            return Ignore("the record names no key")
        arn = _text(field(meta, "arn")) or (key if key.startswith("arn:") else None)
        return Target("key", name, {"KeyId": key, **({"KeyArn": arn} if arn else {})})
    if name not in SECRET_EVENTS:
        return Ignore("operation not judged by the catalog")
    secret = _text(field(response, "ARN")) or _text(field(request, "secretId"))
    secret = secret or _text(field(request, "name"))
    if secret is None:
        return Ignore("the record names no secret")
    return Target("secret", name, {"SecretId": secret})
