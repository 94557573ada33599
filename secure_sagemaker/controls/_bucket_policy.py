"""Bucket-policy checks: a policy that denies plain HTTP, and one that denies uploads
not encrypted with SSE-KMS (the two statements ``ArtifactStore.ensure()`` merges).

A deny counts only when it covers *this* bucket: every principal (``"*"``, no
``NotPrincipal``), the actions, and - read as IAM reads ``Resource`` (case-sensitive
globs) or ``NotResource`` - the bucket ``arn:aws:s3:::bucket`` and every object
``arn:aws:s3:::bucket/*`` (the TLS deny), or every object (the upload deny); and no
other condition narrows it (conditions are ANDed: an extra one denies less).  A deny
of another bucket, or of one prefix, or of the objects only (for TLS), does not count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from secure_sagemaker.controls._policy_document import action_matches, as_list, glob_matches
from secure_sagemaker.controls._principals import load, normalize_action
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Verdict, fail

__all__ = [
    "bucket_policy",
    "denies_insecure_transport",
    "denies_unencrypted_uploads",
    "partition_of",
]

_SSE_KEY = "s3:x-amz-server-side-encryption"
_SSE_KEY_ID = "s3:x-amz-server-side-encryption-aws-kms-key-id"
_SSE_VALUES = ("aws:kms", ["aws:kms"], ["aws:kms", "aws:kms:dsse"])
_PARTITIONS = (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"))


def partition_of(region: str | None) -> str:
    """The ARN partition of a region (``aws`` when unknown)."""
    if isinstance(region, str):
        for prefix, partition in _PARTITIONS:
            if region.startswith(prefix):
                return partition
        if region.startswith("us-iso-"):
            return "aws-iso"
    return "aws"


def _statements(document: Any) -> list[Mapping[str, Any]]:
    doc = load(document)
    if doc is None:
        return []
    st = doc.get("Statement", [])
    st = [st] if isinstance(st, Mapping) else st
    return [s for s in st if isinstance(s, Mapping)] if isinstance(st, list) else []


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))


def _denies_everyone(s: Mapping[str, Any]) -> bool:
    effect = s.get("Effect")
    return (
        isinstance(effect, str)
        and effect.lower() == "deny"
        and "NotPrincipal" not in s
        and _everyone(s.get("Principal"))
        and "NotAction" not in s
    )


# ----------------------------------------------------------------- resources


def _every_object(pattern: str, objects: str) -> bool:
    """``pattern`` matches ``objects`` + any key: it ends with ``*`` and matches the
    bare prefix (the final ``*`` then absorbs every key)."""
    return pattern.endswith("*") and glob_matches(pattern, objects)


def _may_touch_objects(pattern: str, objects: str) -> bool:
    """``pattern`` may match some key under ``objects`` (conservative)."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=-1)
    if cut < 0:
        return pattern.startswith(objects)
    literal = pattern[:cut]
    return literal.startswith(objects) or objects.startswith(literal)


def _patterns(value: Any) -> list[str] | None:
    items = as_list(value)
    return items if items and all(isinstance(p, str) for p in items) else None


def _covers(s: Mapping[str, Any], bucket_arn: str, *, bucket: bool) -> bool:
    """The statement's Resource/NotResource covers every object of the bucket and,
    with ``bucket``, the bucket itself."""
    objects = bucket_arn + "/"
    if "NotResource" in s:
        excluded = _patterns(s["NotResource"])
        if excluded is None or "Resource" in s:
            return False
        if bucket and any(glob_matches(p, bucket_arn) for p in excluded):
            return False
        return not any(_may_touch_objects(p, objects) for p in excluded)
    resources = _patterns(s.get("Resource"))
    if resources is None:
        return False
    if bucket and not any(glob_matches(p, bucket_arn) for p in resources):
        return False
    return any(_every_object(p, objects) for p in resources)


def _bucket_arn(bucket: str | None, partition: str) -> str | None:
    return f"arn:{partition}:s3:::{bucket}" if bucket else None


# ----------------------------------------------------------------- conditions


def _only(condition: Any, operators: tuple[str, ...], keys: tuple[str, ...]) -> list[Any] | None:
    """The values of the condition when every block is one of ``operators`` and every
    key one of ``keys`` (case-insensitive), else ``None``: another condition narrows it."""
    if not isinstance(condition, Mapping) or not condition:
        return None
    values: list[Any] = []
    for op, block in condition.items():
        if not (isinstance(op, str) and op.lower() in operators and isinstance(block, Mapping)):
            return None
        for key, value in block.items():
            if not (isinstance(key, str) and key.lower() in keys):
                return None
            values.append((op.lower(), key.lower(), value))
    return values


def _insecure_transport_only(condition: Any) -> bool:
    found = _only(condition, ("bool", "boolifexists"), ("aws:securetransport",))
    if not found:
        return False
    for _op, _key, value in found:
        items = as_list(value)
        if len(items) != 1 or str(items[0]).lower() != "false":
            return False
    return True


def _unencrypted_only(condition: Any) -> bool:
    ops = ("stringnotequals", "stringnotequalsifexists")
    found = _only(condition, ops, (_SSE_KEY, _SSE_KEY_ID))
    if not found:
        return False
    return any(key == _SSE_KEY_ID or value in _SSE_VALUES for _op, key, value in found)


# ----------------------------------------------------------------- requirements


def denies_insecure_transport(
    document: Any, bucket: str | None = None, partition: str = "aws"
) -> bool:
    """The bucket policy denies every principal every S3 action without TLS, on the
    bucket and all its objects.  Without ``bucket``: on any resource (the store's
    merge of an existing policy; a rule always names the bucket)."""
    arn = _bucket_arn(bucket, partition)
    for s in _statements(document):
        if not _denies_everyone(s):
            continue
        if not any(
            normalize_action(a) in ("s3:*", "*")
            for a in as_list(s.get("Action"))
            if isinstance(a, str)
        ):
            continue
        if not _insecure_transport_only(s.get("Condition")):
            continue
        if arn is None or _covers(s, arn, bucket=True):
            return True
    return False


def denies_unencrypted_uploads(
    document: Any, bucket: str | None = None, partition: str = "aws"
) -> bool:
    """The bucket policy denies ``s3:PutObject`` of every object of the bucket unless
    it is SSE-KMS (or with another key).  Without ``bucket``: on any resource."""
    arn = _bucket_arn(bucket, partition)
    for s in _statements(document):
        if not _denies_everyone(s):
            continue
        actions = [a for a in as_list(s.get("Action")) if isinstance(a, str)]
        if not any(action_matches(a, "s3:PutObject") for a in actions):
            continue
        if not _unencrypted_only(s.get("Condition")):
            continue
        if arn is None or _covers(s, arn, bucket=False):
            return True
    return False


Requirement = Callable[[Any, str | None, str], bool]


def bucket_policy(requirement: Requirement, what: str) -> Check:
    """A check of ``Policy`` for the request's ``Bucket`` (in the client's partition)."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING or not isinstance(value, str):
            return fail("is absent or not a JSON policy document")
        bucket = ctx.params.get("Bucket")
        if not isinstance(bucket, str) or not bucket or "/" in bucket or ":" in bucket:
            return fail("cannot be judged: the request names no bucket by its name")
        if requirement(value, bucket, partition_of(ctx.region)):
            return PASS
        return fail(f"lacks a statement that {what}, on this bucket and all its objects")

    return check
