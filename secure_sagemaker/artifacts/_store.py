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
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import attrs
import botocore.config
import botocore.exceptions

from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker.artifacts._bucket import (
    BPA,
    MFA_DELETE_HELP,
    ArtifactStoreError,
    EnsureReport,
    MFADeleteRequiredError,
    bucket_findings,
    merge_policy,
    read_state,
    required_statements,
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
from secure_sagemaker.exceptions import IntegrityError, PolicyError
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

MiB = 1024 * 1024
_TOKEN = "secure-sagemaker-upload-token"  # noqa: S105 - a metadata key, carried in Metadata to the request context only
_CONTEXT = "secure_sagemaker_upload"
_KIND = "secure-sagemaker-kind"
_COPY_LIMIT = 5 * 1024 * MiB

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]


def _integrity_error(ref: ArtifactRef, what: str) -> IntegrityError:
    err = IntegrityError(
        f"{what} does not match the SHA-256 recorded in its ArtifactRef: the stored version "
        "was changed or corrupted after it was written; nothing was written to the "
        "destination. Fix: restore a known-good version with ArtifactStore.rollback() or "
        "upload the artifact again (err.ref names the object).",
        ref=ref,
    )
    return err


class _Responses:
    """Correlates the transfer manager's PutObject / CompleteMultipartUpload responses
    with the put() that started them (the transfer manager returns no response).

    put() sends a one-off token in ``Metadata``; the ``before-parameter-build`` hook
    moves it into the request context (it is never sent) and follows it through the
    UploadId of a multipart upload; ``after-call`` files the response under it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uploads: dict[str, str] = {}
        self._results: dict[str, dict[str, Any]] = {}

    def register(self, events: Any) -> None:
        for op in ("PutObject", "CreateMultipartUpload", "CompleteMultipartUpload"):
            events.register(f"before-parameter-build.s3.{op}", self._before)
            events.register(f"after-call.s3.{op}", self._after)
        # an aborted upload (the transfer manager's cleanup) forgets its token
        events.register("before-parameter-build.s3.AbortMultipartUpload", self._before)

    def _before(self, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        meta = params.get("Metadata")
        token: str | None = None
        if isinstance(meta, dict) and _TOKEN in meta:
            token = meta[_TOKEN]
            rest = {k: v for k, v in meta.items() if k != _TOKEN}
            if rest:
                params["Metadata"] = rest
            else:
                del params["Metadata"]
        elif "UploadId" in params:
            with self._lock:
                token = self._uploads.pop(params["UploadId"], None)
        if token is not None:
            context[_CONTEXT] = token

    def _after(
        self,
        http_response: Any,
        parsed: dict[str, Any],
        model: Any,
        context: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        token = context.get(_CONTEXT)
        if token is None or getattr(http_response, "status_code", 500) >= 300:
            return
        with self._lock:
            if model.name == "CreateMultipartUpload":
                self._uploads[parsed["UploadId"]] = token
            else:
                self._results[token] = dict(parsed)

    def take(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            return self._results.pop(token, None)


class ArtifactStore:
    """Versioned, SSE-KMS-encrypted, SHA-256-verified artifacts in one S3 bucket.

    ``kms_key_id`` (else the policy's ``s3`` key) must be a customer-managed key;
    ``prefix`` is put before every key; ``session`` is a ``boto3.Session`` (default:
    a new one).  Raises :class:`PolicyError` without a customer
    key.  Thread-safe: one store may serve many threads.

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
        import boto3

        pol = policy if policy is not None else SecurityPolicy()
        key = kms_key_id or pol.kms_key("s3")
        if not key or not is_customer_kms_key(key):
            raise PolicyError(
                "ArtifactStore needs a customer-managed KMS key: pass kms_key_id or set "
                "kms-key-id (or s3-kms-key-id) in the policy",
                key="kms_key_id",
            )
        if not pol.is_artifact_bucket(bucket):
            pol = attrs.evolve(pol, artifact_buckets=(*pol.artifact_buckets, bucket))
        self.bucket = bucket
        self.kms_key_id = key
        self.prefix = prefix
        self.policy = pol
        self.session = session if session is not None else boto3.Session()
        self.region: str | None = self.session.region_name
        config = botocore.config.Config(max_pool_connections=32)
        # Every request carries SSE-KMS with the store's key itself (asserted in the
        # tests); the guard judges it too, with the store's bucket as an artifact bucket.
        from secure_sagemaker.guard import protect

        self._s3 = protect(self.session.client("s3", config=config), pol)
        self._responses = _Responses()
        self._responses.register(self._s3.meta.events)
        self._transfer: Any = None
        self._transfer_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ArtifactStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def close(self) -> None:
        """Stop the transfer manager's threads (the store can be used again after)."""
        with self._transfer_lock:
            transfer, self._transfer = self._transfer, None
        if transfer is not None:
            transfer.shutdown()

    def __enter__(self) -> ArtifactStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _manager(self) -> Any:
        with self._transfer_lock:
            if self._transfer is None:
                from boto3.s3.transfer import TransferConfig, create_transfer_manager

                config = TransferConfig(
                    multipart_threshold=8 * MiB,
                    multipart_chunksize=8 * MiB,
                    max_concurrency=10,
                    max_io_queue=1000,
                )
                self._transfer = create_transfer_manager(self._s3, config)
            return self._transfer

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
        exists = self._exists()
        if not exists and not create:
            raise ArtifactStoreError(
                "the artifact bucket does not exist; call ensure(create=True) or create it"
            )
        with UndoStack("ensure artifact bucket") as undo:
            if not exists:
                if require_mfa_delete:
                    raise MFADeleteRequiredError(MFA_DELETE_HELP)
                self._create_bucket()
                undo.push("bucket", lambda: self._s3.delete_bucket(Bucket=self.bucket))
                changes.append("created the bucket")
            state = read_state(self._s3, self.bucket)
            if require_mfa_delete and state.mfa_delete != "Enabled":
                raise MFADeleteRequiredError(MFA_DELETE_HELP)
            changes += self._apply(state, access_log_bucket, access_log_prefix)
        final = read_state(self._s3, self.bucket)
        findings = bucket_findings(final, self.bucket, self.policy, self.region)
        return EnsureReport(
            self.bucket, not exists, tuple(changes), final.mfa_delete, tuple(findings)
        )

    def _exists(self) -> bool:
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except botocore.exceptions.ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
                return False
            raise
        return True

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "ObjectOwnership": "BucketOwnerEnforced"}
        if self.region and self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self._s3.create_bucket(**kwargs)

    def _apply(self, state: Any, log_bucket: str | None, log_prefix: str) -> list[str]:
        s3, bucket, changes = self._s3, self.bucket, []
        if any(state.public_access_block.get(k) is not True for k in BPA):
            s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict(BPA))
            changes.append("blocked all public access")
        if state.ownership != "BucketOwnerEnforced":
            s3.put_bucket_ownership_controls(
                Bucket=bucket,
                OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            )
            changes.append("set object ownership to BucketOwnerEnforced (ACLs off)")
        rule = {
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": self.kms_key_id,
            },
            "BucketKeyEnabled": True,
        }
        if list(state.encryption.get("Rules", [])) != [rule]:
            s3.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]}
            )
            changes.append("set default encryption to SSE-KMS with the store's key")
        if state.versioning != "Enabled":
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            changes.append("enabled versioning")
        document, added = merge_policy(state.policy, required_statements(bucket, self.kms_key_id))
        if added:
            s3.put_bucket_policy(Bucket=bucket, Policy=document)
            changes.append("added bucket policy statements " + ", ".join(added))
        if log_bucket is not None:
            target = {"TargetBucket": log_bucket, "TargetPrefix": log_prefix}
            current = state.logging or {}
            if {k: current.get(k) for k in target} != target:
                s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": target})
                changes.append("enabled server access logging")
        return changes

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
        raise TypeError("put() takes a path, bytes or a binary file object")

    def _put_stream(
        self, stream: IO[bytes], key: str, metadata: dict[str, str] | None = None
    ) -> ArtifactRef:
        reader = HashingReader(stream)
        token = uuid.uuid4().hex
        extra = {
            **self._sse(),
            "ChecksumAlgorithm": "SHA256",
            "Metadata": {**(metadata or {}), _TOKEN: token},
        }
        future = self._manager.upload(reader, self.bucket, key, extra_args=extra)
        future.result()
        response = self._responses.take(token) or {}
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
            raise _integrity_error(ref, "the stored object")
        return ref

    def _put_directory(self, root: Path, key: str) -> ArtifactRef:
        files = sorted(p for p in root.rglob("*") if p.is_file())
        if not files:
            raise ValueError("put() of an empty directory: there is nothing to store")
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

    def _download(self, ref: ArtifactRef, sink: HashingSink) -> None:
        extra = {"VersionId": ref.version_id}
        try:
            self._manager.download(ref.bucket, ref.key, sink, extra_args=extra).result()
        except botocore.exceptions.FlexibleChecksumError:  # S3's own checksum disagrees
            raise _integrity_error(ref, "the downloaded content") from None

    def _download_verified(self, ref: ArtifactRef, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                sink = HashingSink(fh)
                self._download(ref, sink)
            if sink.hexdigest() != ref.sha256:
                raise _integrity_error(ref, "the downloaded content")
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
            raise ValueError("the ref does not name a directory manifest")
        buffer = io.BytesIO()
        sink = HashingSink(buffer)
        self._download(ref, sink)
        if sink.hexdigest() != ref.sha256:
            raise _integrity_error(ref, "the manifest")
        return Manifest.from_json(buffer.getvalue())

    def _file_refs(self, ref: ArtifactRef, manifest: Manifest) -> Iterator[ArtifactRef]:
        for entry in manifest.files:
            yield ArtifactRef(ref.bucket, manifest.key_of(entry), entry.version_id, entry.sha256)

    def _get_directory(self, ref: ArtifactRef, target: Path) -> Path:
        manifest = self.manifest(ref)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        )
        try:
            pairs = list(zip(manifest.files, self._file_refs(ref, manifest), strict=True))
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
            refs = list(self._file_refs(ref, self.manifest(ref)))
        for one in refs:
            sink = HashingSink()
            self._download(one, sink)
            if sink.hexdigest() != one.sha256:
                raise _integrity_error(one, "the stored content")
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
            token = uuid.uuid4().hex
            self._manager.copy(
                source, self.bucket, full, extra_args={**extra, "Metadata": {_TOKEN: token}}
            ).result()
            new_version = (self._responses.take(token) or {}).get("VersionId", "")
        if sha is None:  # a composite checksum: hash the new version's bytes ourselves
            sink = HashingSink()
            self._download(ArtifactRef(self.bucket, full, new_version, "0" * 64), sink)
            sha = sink.hexdigest()
        ref = ArtifactRef(self.bucket, full, new_version, sha)
        if expected_sha256 is not None and expected_sha256 != sha:
            self._deleter(ref)()
            raise _integrity_error(ref, "the rolled-back version")
        return ref

    def delete(self, key: str) -> str:
        """Hide ``key`` behind a delete marker; every version stays (see :meth:`rollback`).

        Returns the delete marker's version ID.

        >>> store.delete("models/m.bin")                            # doctest: +SKIP
        """
        done = self._s3.delete_object(Bucket=self.bucket, Key=self.prefix + key)
        return str(done.get("VersionId", ""))
