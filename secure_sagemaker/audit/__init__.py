"""Audit an AWS account with the guard's rules: :func:`audit` returns an :class:`AuditReport`."""

from __future__ import annotations

from secure_sagemaker.audit._audit import (
    SERVICES,
    AuditReport,
    audit,
)
from secure_sagemaker.audit._task import handler as task_handler

__all__ = [
    "SERVICES",
    "AuditReport",
    "audit",
    "task_handler",
]
