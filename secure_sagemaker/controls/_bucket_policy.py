"""Bucket-policy checks: a policy that denies plain HTTP, and one that denies uploads
not encrypted with SSE-KMS (the two statements ``ArtifactStore.ensure()`` merges)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from secure_sagemaker.rules import MISSING, PASS, Check, Context, Verdict, fail

__all__ = ["bucket_policy", "denies_insecure_transport", "denies_unencrypted_uploads"]


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            return []
    if not isinstance(document, Mapping):
        return []
    st = document.get("Statement", [])
    st = [st] if isinstance(st, Mapping) else st
    return [s for s in st if isinstance(s, Mapping)] if isinstance(st, list) else []


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _as_list(principal.get("AWS"))


def denies_insecure_transport(document: Any) -> bool:
    """The bucket policy denies every principal all S3 actions without TLS."""
    for s in _statements(document):
        cond = s.get("Condition", {})
        if s.get("Effect") != "Deny" or not _everyone(s.get("Principal")):
            continue
        actions = _as_list(s.get("Action"))
        if not any(a in ("s3:*", "*") for a in actions):
            continue
        bool_cond = cond.get("Bool", {}) if isinstance(cond, Mapping) else {}
        if str(bool_cond.get("aws:SecureTransport", "")).lower() == "false":
            return True
    return False


def denies_unencrypted_uploads(document: Any) -> bool:
    """The bucket policy denies ``s3:PutObject`` unless it is SSE-KMS."""
    for s in _statements(document):
        if s.get("Effect") != "Deny" or not _everyone(s.get("Principal")):
            continue
        if not any(a in ("s3:PutObject", "s3:*", "*") for a in _as_list(s.get("Action"))):
            continue
        cond = s.get("Condition", {})
        if not isinstance(cond, Mapping):
            continue
        for op in ("StringNotEquals", "StringNotEqualsIfExists"):
            block = cond.get(op, {})
            if isinstance(block, Mapping) and block.get("s3:x-amz-server-side-encryption") in (
                "aws:kms",
                ["aws:kms"],
                ["aws:kms", "aws:kms:dsse"],
            ):
                return True
            if (
                isinstance(block, Mapping)
                and "s3:x-amz-server-side-encryption-aws-kms-key-id" in block
            ):
                return True
    return False


def bucket_policy(requirement: Callable[[Any], bool], what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING or not isinstance(value, str):
            return fail("is absent or not a JSON policy document")
        return PASS if requirement(value) else fail(f"lacks a statement that {what}")

    return check
