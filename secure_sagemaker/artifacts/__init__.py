"""Versioned, KMS-encrypted, integrity-checked model and data artifacts (:class:`ArtifactStore`)."""

from __future__ import annotations

from secure_sagemaker.artifacts._store import (
    ArtifactRef,
    ArtifactStore,
    ArtifactVersion,
    EnsureReport,
    Manifest,
)

__all__ = [
    "ArtifactRef",
    "ArtifactStore",
    "ArtifactVersion",
    "EnsureReport",
    "Manifest",
]
