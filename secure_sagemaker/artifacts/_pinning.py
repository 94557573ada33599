"""Pinned inputs: an S3 object (or directory artifact) pinned to one version, and the
checks that it is still that version right before a job reads it.

A training channel cannot name an S3 object *version*, so right before a job is
created each pinned input is checked to still be the pinned version (and checksum),
and no other object shares its key prefix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from secure_sagemaker._aws.s3uri import SCHEME, S3Uri, s3_uri
from secure_sagemaker.artifacts._ref import MANIFEST_SUFFIX, ArtifactRef, sha256_to_checksum
from secure_sagemaker.artifacts._store import ArtifactStore
from secure_sagemaker.exceptions import IntegrityError
from secure_sagemaker.policy import SecurityPolicy

__all__ = ["PinnedInput", "verify_pinned", "verify_pinned_directory", "verify_pinned_input"]


@attrs.frozen
class PinnedInput:
    """An S3 object pinned to one version (and optionally its SHA-256, hex).

    Anything with ``bucket``, ``key`` and ``version_id`` attributes (an
    ``ArtifactRef``) is accepted as a pinned input, as is an
    ``s3://bucket/key?versionId=...`` URI.
    """

    bucket: str
    key: str
    version_id: str
    sha256: str | None = None

    @classmethod
    def of(cls, value: Any) -> PinnedInput | None:
        """The pinned input ``value`` denotes, or ``None`` for a plain S3 URI."""
        if all(hasattr(value, a) for a in ("bucket", "key", "version_id")):
            sha = getattr(value, "sha256", None)
            return cls(str(value.bucket), str(value.key), str(value.version_id), sha)
        if isinstance(value, str) and value.startswith(SCHEME) and "versionId=" in value:
            uri = S3Uri.parse(value)
            version = uri.first("versionId")
            if version:
                return cls(uri.bucket, uri.key, version, uri.first("sha256"))
        return None

    @property
    def is_manifest(self) -> bool:
        """True for a directory artifact: the manifest ``ArtifactStore`` wrote for it."""
        return self.key.endswith(MANIFEST_SUFFIX)

    @property
    def prefix(self) -> str:
        """A directory artifact's key prefix (its files are at ``<prefix>/<path>``)."""
        return self.key.removesuffix(MANIFEST_SUFFIX)

    @property
    def uri(self) -> str:
        """What the training channel reads: ``s3://bucket/key``, or the directory
        ``s3://bucket/<prefix>/`` of a manifest (channels cannot take a version)."""
        if self.is_manifest:
            return s3_uri(self.bucket, f"{self.prefix}/")
        return s3_uri(self.bucket, self.key)


def verify_pinned_input(s3: Any, ref: PinnedInput) -> None:
    """Check that ``ref``'s object is still the pinned version, that its SHA-256 (when
    S3 stores a full-object SHA-256 checksum) matches, and that no other object
    shares its key prefix (a training channel reads every object under it).

    Raises :class:`~secure_sagemaker.IntegrityError` saying what differs (``err.ref``
    is ``ref``; the message names no bucket or key); botocore errors when the object
    cannot be read.

    >>> ref = PinnedInput("ml-data", "train.csv", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY")
    >>> verify_pinned_input(boto3.client("s3"), ref)              # doctest: +SKIP
    """
    where = "a pinned training input"
    head = s3.head_object(Bucket=ref.bucket, Key=ref.key, ChecksumMode="ENABLED")
    if head.get("VersionId") != ref.version_id:
        raise IntegrityError(
            f"{where} was overwritten: its current version is not the pinned one, so the "
            "job would train on different data; pin the new version after reviewing it",
            ref=ref,
        )
    stored = head.get("ChecksumSHA256")
    full_object = isinstance(stored, str) and "-" not in stored
    if ref.sha256 and full_object and stored != sha256_to_checksum(ref.sha256):
        raise IntegrityError(
            f"{where}: the pinned version's SHA-256 is not the recorded one", ref=ref
        )
    listing = s3.list_objects_v2(Bucket=ref.bucket, Prefix=ref.key, MaxKeys=2)
    if any(o.get("Key") != ref.key for o in listing.get("Contents", ())):
        raise IntegrityError(
            f"{where}: other objects share this key prefix and the training channel would "
            "read them too; move them or pin an object whose key is no other key's prefix",
            ref=ref,
        )


def verify_pinned_directory(s3: Any, bucket: str, prefix: str, files: Mapping[str, str]) -> None:
    """Check that the objects under ``prefix/`` are exactly ``files`` (key -> pinned
    version ID), each still at its pinned version: one paginated
    ``ListObjectVersions``, not one call per file.

    Raises :class:`~secure_sagemaker.IntegrityError` saying how many files were
    overwritten or deleted and how many unrecorded objects were added (never the
    bucket or prefix).

    >>> verify_pinned_directory(s3, "ml-data", "train", {"train/a.csv": "v1"})  # doctest: +SKIP
    """
    latest: dict[str, str | None] = {}
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=f"{prefix}/")
    for page in pages:
        for version in page.get("Versions", ()):
            if version.get("IsLatest"):
                latest[version["Key"]] = version.get("VersionId")
        for marker in page.get("DeleteMarkers", ()):
            if marker.get("IsLatest"):
                latest[marker["Key"]] = None
    changed = [k for k, v in files.items() if latest.get(k) != v]
    added = [k for k, v in latest.items() if k not in files and v is not None]
    if changed or added:
        raise IntegrityError(
            f"a pinned input directory no longer holds the pinned files: {len(changed)} "
            f"overwritten or deleted, {len(added)} added; the training channel reads every "
            "object under the prefix - pin a new manifest after reviewing the data"
        )


def verify_pinned(s3: Any, ref: PinnedInput, *, policy: SecurityPolicy, session: Any) -> None:
    """Verify one pinned input: :func:`verify_pinned_input` for an object; for a
    directory artifact its manifest's hash (read with ``ArtifactStore``), then every
    file's current version (:func:`verify_pinned_directory`)."""
    if not ref.is_manifest:
        verify_pinned_input(s3, ref)
        return
    if not ref.sha256:
        raise IntegrityError("a directory input needs its manifest's SHA-256", ref=ref)
    artifact = ArtifactRef(ref.bucket, ref.key, ref.version_id, ref.sha256)
    with ArtifactStore(ref.bucket, policy=policy, session=session) as store:
        manifest = store.manifest(artifact)
    if manifest.prefix != ref.prefix:
        raise IntegrityError("the manifest describes another prefix", ref=ref)
    files = {manifest.key_of(entry): entry.version_id for entry in manifest.files}
    verify_pinned_directory(s3, ref.bucket, ref.prefix, files)
