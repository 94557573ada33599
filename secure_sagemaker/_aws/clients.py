"""Sessions and resource names every wrapper shares (boto3 only; no guard here:
guarded clients come from :mod:`secure_sagemaker._wrapper`)."""

from __future__ import annotations

import uuid
from typing import Any

import boto3

from secure_sagemaker._aws.loader import share_models

__all__ = ["resource_name", "session_or_default"]


def session_or_default(session: Any) -> Any:
    """``session``, or a default ``boto3.Session()`` (its service models from the
    process's shared loader)."""
    return session if session is not None else share_models(boto3.Session())


def resource_name(base: str, *, limit: int = 63) -> str:
    """``base`` plus a short random suffix, within SageMaker's name limit."""
    suffix = uuid.uuid4().hex[:8]
    return f"{base[: limit - len(suffix) - 1].rstrip('-')}-{suffix}"
