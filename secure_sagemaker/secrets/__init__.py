"""Secrets Manager, the secure way (:class:`SecretClient`), and run-time references
(:class:`SecretRef`)."""

from __future__ import annotations

from secure_sagemaker.secrets._client import (
    SecretClient,
    SecretMapping,
    SecretRef,
    SecretValue,
    resolve_environment,
)

__all__ = [
    "SecretClient",
    "SecretMapping",
    "SecretRef",
    "SecretValue",
    "resolve_environment",
]
