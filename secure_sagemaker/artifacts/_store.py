"""ArtifactStore: versioned, KMS-encrypted, integrity-checked model and data artifacts.

>>> store = ArtifactStore("ml-artifacts", kms_key_id=KEY_ARN)          # doctest: +SKIP
>>> store.ensure()                   # versioning, SSE-KMS, TLS-only policy, ...
>>> ref = store.put("model.tar.gz", "models/churn/model.tar.gz")
>>> str(ref)                         # s3://ml-artifacts/models/...?versionId=...&sha256=...
>>> store.get(ref, "/tmp/model.tar.gz")       # exact version, SHA-256 verified

Every write is SSE-KMS with the customer key and carries S3's SHA-256 checksum; the
full-object SHA-256 in :class:`ArtifactRef` is computed while the data streams to
S3 (one pass), because S3 only keeps a checksum-of-part-checksums for multipart
objects.  See ``docs/artifacts.md``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import attrs
import botocore.config

from secure_sagemaker._aws.clients import session_or_default
from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker.artifacts._bucket import (
    MFA_DELETE_HELP,
    ArtifactStoreError,
    EnsureReport,
    MFADeleteRequiredError,
    apply_secure_configuration,
    bucket_exists,
    bucket_findings,
    create_bucket,
    read_state,
)
from secure_sagemaker.artifacts._ref import (
    MANIFEST_SUFFIX,
    ArtifactRef,
    ArtifactVersion,
    HashingReader,
    HashingSink,
    Manifest,
    ManifestEntry,
    checksum_to_sha256,
)
from secure_sagemaker.artifacts._transfer import MiB, Transfer, integrity_error
from secure_sagemaker.exceptions import ArgumentTypeError, InvalidArgumentError, PolicyError
from secure_sagemaker.guard import protect
from secure_sagemaker.policy import SecurityPolicy, is_customer_kms_key
from secure_sagemaker.rules import Finding

__all__ = [
    "ArtifactRef",
    "ArtifactStore",
    "ArtifactStoreError",
    "ArtifactVersion",
    "EnsureReport",
    "MFADeleteRequiredError",
    "Manifest",
]

_KIND = "secure-sagemaker-kind"
_COPY_LIMIT = 5 * 1024 * MiB

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


class ArtifactStore:
    """Versioned, SSE-KMS-encrypted, SHA-256-verified artifacts in one S3 bucket.

    ``kms_key_id`` (else the policy's ``s3`` key) must be a customer-managed key;
    ``prefix`` is put before every key; ``policy`` defaults to :meth:`SecurityPolicy.load`;
    ``session`` is a ``boto3.Session`` (default: a new one).  Raises
    :class:`PolicyError` without a customer key.  Thread-safe: one store, many threads.

    >>> store = ArtifactStore("ml-artifacts", kms_key_id=KEY, prefix="team-a/")  # doctest: +SKIP
    """

    def __init__(
        self,
        bucket: str,
        *,
        kms_key_id: str | None = None,
        prefix: str = "",
        policy: SecurityPolicy | None = None,
        session: Any = None,
    ) -> None:
        pol = policy if policy is not None else SecurityPolicy.load()
        key = kms_key_id or pol.kms_key("s3")
        if not key or not is_customer_kms_key(key):
            raise PolicyError(
                "ArtifactStore needs a customer-managed KMS key: pass kms_key_id or set "
                "kms-key-id (or s3-kms-key-id) in the policy",
                key="kms_key_id",
            )
        if not pol.is_artifact_bucket(bucket):
            pol = attrs.evolve(pol, artifact_buckets=(*pol.artifact_buckets, bucket))
        # the store's own clients may remove the versions it wrote in the same call
        # (rollback, a failed integrity check); SM448 refuses that to everyone else
        own = "ArtifactStore removes only versions it wrote in the same call"
        pol = attrs.evolve(pol, allow_deletions={**pol.allow_deletions, bucket: own})
        self.bucket = bucket
        self.kms_key_id = key
        self.prefix = prefix
        self.policy = pol
        self.session = session_or_default(session)
        self.region: str | None = self.session.region_name
        config = botocore.config.Config(max_pool_connections=32)
        # Every request carries SSE-KMS with the store's key itself (asserted in the
        # tests); the guard judges it too, with the store's bucket as an artifact bucket.
        self._s3 = protect(self.session.client("s3", config=config), pol)
        self._transfer = Transfer(self._s3)

    def __repr__(self) -> str:
        return f"ArtifactStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        """Stop the transfer manager's threads (the store can be used again after)."""
        self._transfer.shutdown()

    def __enter__(self) -> ArtifactStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sse(self) -> dict[str, Any]:
        # bucket keys come from the bucket's default (the transfer manager cannot send them)
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}

    # ------------------------------------------------------------ bucket

    def check(self) -> list[Finding]:
        """The bucket's findings (SM403-SM408, SM433), changing nothing.

        Raises botocore's ``ClientError`` (``NoSuchBucket``) if the bucket is missing.

        >>> [f.rule_id for f in store.check() if f.failed]          # doctest: +SKIP
        ['SM404']
        """
        state = read_state(self._s3, self.bucket)
        return bucket_findings(state, self.bucket, self.policy, self.region)

    def ensure(
        self,
        create: bool = True,
        *,
        require_mfa_delete: bool = False,
        access_log_bucket: str | None = None,
        access_log_prefix: str = "",
    ) -> EnsureReport:
        """Create or verify the bucket's secure configuration; never weakens it.

        Sets versioning, default SSE-KMS with the store's key and bucket keys, all
        four public-access-block flags, ``BucketOwnerEnforced``, the TLS-only and
        deny-unencrypted / other-key policy statements (merged into any existing
        policy) and, when ``access_log_bucket`` is given, server access logging.
        Raises :class:`ArtifactStoreError` when the bucket is missing and ``create``
        is false, :class:`MFADeleteRequiredError` (before changing anything) when
        ``require_mfa_delete`` and MFA delete is off.  A bucket it created is deleted
        again if a later step fails.

        >>> report = store.ensure()                                # doctest: +SKIP
        >>> report.changes, report.mfa_delete
        (('created the bucket', 'enabled versioning', ...), 'Disabled')
        """
        changes: list[str] = []
        exists = bucket_exists(self._s3, self.bucket)
        if not exists and not create:
            raise ArtifactStoreError(
                "the artifact bucket does not exist; call ensure(create=True) or create it"
            )
        with UndoStack("ensure artifact bucket") as undo:
            if not exists:
                if require_mfa_delete:
                    raise MFADeleteRequiredError(MFA_DELETE_HELP)
                create_bucket(self._s3, self.bucket, self.region)
                undo.push("bucket", lambda: self._s3.delete_bucket(Bucket=self.bucket))
                changes.append("created the bucket")
            state = read_state(self._s3, self.bucket)
            if require_mfa_delete and state.mfa_delete != "Enabled":
                raise MFADeleteRequiredError(MFA_DELETE_HELP)
            changes += apply_secure_configuration(
                self._s3, self.bucket, self.kms_key_id, state, access_log_bucket, access_log_prefix
            )
        final = read_state(self._s3, self.bucket)
        findings = bucket_findings(final, self.bucket, self.policy, self.region)
        return EnsureReport(
            self.bucket, not exists, tuple(changes), final.mfa_delete, tuple(findings)
        )

    # ------------------------------------------------------------ writing

    def put(self, source: Source, key: str) -> ArtifactRef:
        """Store a file, bytes, a binary file object or a directory under ``key``.

        Returns the :class:`ArtifactRef` of the new version.  A directory becomes
        its files under ``key/`` plus a manifest at ``key.manifest.json`` (per-file
        version and SHA-256); the ref names the manifest.  Raises
        :class:`ArtifactStoreError` when the bucket does not keep versions (run
        :meth:`ensure`), botocore's ``ClientError`` on an S3 error (a directory's
        already-uploaded versions are then deleted again).

        >>> ref = store.put(b"weights", "models/m.bin")            # doctest: +SKIP
        >>> ref = store.put(Path("model_dir"), "models/m")          # doctest: +SKIP
        """
        full = self.prefix + key
        if isinstance(source, (bytes, bytearray, memoryview)):
            return self._put_stream(io.BytesIO(bytes(source)), full)
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            if path.is_dir():
                return self._put_directory(path, full)
            with path.open("rb") as fh:
                return self._put_stream(fh, full)
        if hasattr(source, "read"):
            return self._put_stream(source, full)
        raise ArgumentTypeError("put() takes a path, bytes or a binary file object")

    def _put_stream(
        self, stream: IO[bytes], key: str, metadata: dict[str, str] | None = None
    ) -> ArtifactRef:
        reader = HashingReader(stream)
        extra = {**self._sse(), "ChecksumAlgorithm": "SHA256"}
        response = self._transfer.upload(reader, self.bucket, key, extra, metadata)
        version = response.get("VersionId")
        if not version:
            raise ArtifactStoreError(
                "S3 returned no version ID: the bucket does not keep versions; run "
                "ArtifactStore.ensure() to enable versioning"
            )
        ref = ArtifactRef(self.bucket, key, version, reader.hexdigest())
        server = checksum_to_sha256(str(response.get("ChecksumSHA256", "")))
        if server is not None and server != ref.sha256:  # single-part: S3's own full hash
            self._s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
            raise integrity_error(ref, "the stored object")
        return ref

    def _put_directory(self, root: Path, key: str) -> ArtifactRef:
        files = sorted(p for p in root.rglob("*") if p.is_file())
        if not files:
            raise InvalidArgumentError("put() of an empty directory: there is nothing to store")
        key = key.rstrip("/")
        entries: list[ManifestEntry] = []
        lock = threading.Lock()
        with UndoStack("put directory artifact") as undo:

            def upload(path: Path) -> None:
                rel = path.relative_to(root).as_posix()
                with path.open("rb") as fh:
                    ref = self._put_stream(fh, f"{key}/{rel}")
                with lock:
                    entries.append(
                        ManifestEntry(rel, ref.version_id, ref.sha256, path.stat().st_size)
                    )
                    undo.push(f"object version {len(entries)}", self._deleter(ref))

            with ThreadPoolExecutor(max_workers=4) as pool:
                for done in [pool.submit(upload, p) for p in files]:
                    done.result()
            manifest = Manifest(key, tuple(sorted(entries, key=lambda e: e.path)))
            return self._put_stream(
                io.BytesIO(manifest.to_json()), key + MANIFEST_SUFFIX, {_KIND: "manifest"}
            )

    def _deleter(self, ref: ArtifactRef) -> Any:
        return lambda: self._s3.delete_object(
            Bucket=ref.bucket, Key=ref.key, VersionId=ref.version_id
        )

    # ------------------------------------------------------------ reading

    def get(self, ref: ArtifactRef | str, dest: str | os.PathLike[str]) -> Path:
        """Download the exact version to ``dest`` and verify its SHA-256.

        For a directory manifest ``dest`` is a directory (created if missing);
        otherwise a file path (or an existing directory: the key's base name is
        used).  Returns the path written.  Raises :class:`IntegrityError` on a hash
        mismatch and leaves no partial file behind; botocore's ``ClientError`` when
        the version does not exist.

        >>> store.get("s3://ml-artifacts/m.bin?versionId=...&sha256=...", "m.bin")  # doctest: +SKIP
        """
        ref = ArtifactRef.parse(ref)
        target = Path(dest)
        if ref.is_manifest:
            return self._get_directory(ref, target)
        if target.is_dir():
            target = target / ref.key.rsplit("/", 1)[-1]
        self._download_verified(ref, target)
        return target

    def _download_verified(self, ref: ArtifactRef, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                sink = HashingSink(fh)
                self._transfer.download(ref, sink)
            if sink.hexdigest() != ref.sha256:
                raise integrity_error(ref, "the downloaded content")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def manifest(self, ref: ArtifactRef | str) -> Manifest:
        """The verified :class:`Manifest` of a directory ref.

        Raises :class:`IntegrityError` when the manifest's hash does not match,
        ``ValueError`` when the ref is not a manifest.
        """
        ref = ArtifactRef.parse(ref)
        if not ref.is_manifest:
            raise InvalidArgumentError("the ref does not name a directory manifest")
        buffer = io.BytesIO()
        sink = HashingSink(buffer)
        self._transfer.download(ref, sink)
        if sink.hexdigest() != ref.sha256:
            raise integrity_error(ref, "the manifest")
        return Manifest.from_json(buffer.getvalue())

    def _get_directory(self, ref: ArtifactRef, target: Path) -> Path:
        manifest = self.manifest(ref)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        )
        try:
            pairs = list(zip(manifest.files, manifest.refs(ref.bucket), strict=True))
            with ThreadPoolExecutor(max_workers=4) as pool:
                jobs = [pool.submit(self._download_verified, r, staging / e.path) for e, r in pairs]
                for job in jobs:
                    job.result()
            for entry, _ in pairs:
                final = target / entry.path
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / entry.path, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def verify(self, ref: ArtifactRef | str) -> ArtifactRef:
        """Re-read the exact version from S3 and check its SHA-256 (every file of a
        directory).  Returns the parsed ref; raises :class:`IntegrityError` on a
        mismatch, botocore's ``ClientError`` when the version is gone.

        >>> store.verify(ref)                                       # doctest: +SKIP
        """
        ref = ArtifactRef.parse(ref)
        refs = [ref]
        if ref.is_manifest:
            refs = list(self.manifest(ref).refs(ref.bucket))
        for one in refs:
            sink = HashingSink()
            self._transfer.download(one, sink)
            if sink.hexdigest() != one.sha256:
                raise integrity_error(one, "the stored content")
        return ref

    # ------------------------------------------------------------ history

    def versions(self, key: str) -> list[ArtifactVersion]:
        """Every version and delete marker of ``key``, newest first.

        >>> [v.version_id for v in store.versions("models/m.bin")]   # doctest: +SKIP
        """
        full = self.prefix + key
        out: list[ArtifactVersion] = []
        pages = self._s3.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=full
        )
        for page in pages:
            for kind, items in (
                ("v", page.get("Versions", [])),
                ("d", page.get("DeleteMarkers", [])),
            ):
                for item in items:
                    if item["Key"] != full:
                        continue
                    out.append(
                        ArtifactVersion(
                            key=full,
                            version_id=item["VersionId"],
                            is_latest=bool(item.get("IsLatest")),
                            is_delete_marker=kind == "d",
                            size=int(item.get("Size", 0)),
                            last_modified=item.get("LastModified"),
                        )
                    )
        out.sort(
            key=lambda v: (
                not v.is_latest,
                -(v.last_modified.timestamp() if v.last_modified else 0),
            )
        )
        return out

    def rollback(
        self, key: str, version_id: str, *, expected_sha256: str | None = None
    ) -> ArtifactRef:
        """Make ``version_id`` of ``key`` current again by copying it to a new version.

        History is kept (nothing is deleted).  Returns the new version's ref, its
        SHA-256 computed by S3 over the copied bytes.  With ``expected_sha256`` a
        mismatch deletes the new version again and raises :class:`IntegrityError`.

        >>> old = store.versions("models/m.bin")[1]                 # doctest: +SKIP
        >>> store.rollback("models/m.bin", old.version_id, expected_sha256=known_sha256)
        """
        full = self.prefix + key
        head = self._s3.head_object(Bucket=self.bucket, Key=full, VersionId=version_id)
        source = {"Bucket": self.bucket, "Key": full, "VersionId": version_id}
        extra = {**self._sse(), "ChecksumAlgorithm": "SHA256", "MetadataDirective": "COPY"}
        sha: str | None = None
        if int(head.get("ContentLength", 0)) <= _COPY_LIMIT:
            done = self._s3.copy_object(Bucket=self.bucket, Key=full, CopySource=source, **extra)
            new_version = done["VersionId"]
            sha = checksum_to_sha256(
                str(done.get("CopyObjectResult", {}).get("ChecksumSHA256", ""))
            )
        else:
            done = self._transfer.copy(source, self.bucket, full, extra)
            new_version = done.get("VersionId", "")
        if sha is None:  # a composite checksum: hash the new version's bytes ourselves
            sink = HashingSink()
            self._transfer.download(ArtifactRef(self.bucket, full, new_version, "0" * 64), sink)
            sha = sink.hexdigest()
        ref = ArtifactRef(self.bucket, full, new_version, sha)
        if expected_sha256 is not None and expected_sha256 != sha:
            self._deleter(ref)()
            raise integrity_error(ref, "the rolled-back version")
        return ref

    def delete(self, key: str) -> str:
        """Hide ``key`` behind a delete marker; every version stays (see :meth:`rollback`).

        Returns the delete marker's version ID.

        >>> store.delete("models/m.bin")                            # doctest: +SKIP
        """
        done = self._s3.delete_object(Bucket=self.bucket, Key=self.prefix + key)
        return str(done.get("VersionId", ""))
