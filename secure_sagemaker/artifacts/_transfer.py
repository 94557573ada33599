"""The artifact store's transfers: boto3's transfer manager over the guarded S3
client, the responses it does not return, and the integrity error every transfer
raises."""

from __future__ import annotations

import threading
import uuid
from typing import IO, Any

import botocore.exceptions
from boto3.s3.transfer import TransferConfig, create_transfer_manager

from secure_sagemaker.artifacts._ref import ArtifactRef, HashingReader, HashingSink
from secure_sagemaker.exceptions import IntegrityError

__all__ = ["MiB", "Responses", "Transfer", "integrity_error"]

MiB = 1024 * 1024
_TOKEN = "secure-sagemaker-upload-token"  # noqa: S105 - a metadata key, carried in Metadata to the request context only
_CONTEXT = "secure_sagemaker_upload"


def integrity_error(ref: ArtifactRef, what: str) -> IntegrityError:
    err = IntegrityError(
        f"{what} does not match the SHA-256 recorded in its ArtifactRef: the stored version "
        "was changed or corrupted after it was written; nothing was written to the "
        "destination. Fix: restore a known-good version with ArtifactStore.rollback() or "
        "upload the artifact again (err.ref names the object).",
        ref=ref,
    )
    return err


class Responses:
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


class Transfer:
    """The transfer manager over one S3 client (created on first use, thread-safe),
    with each upload's or copy's final response."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self._responses = Responses()
        self._responses.register(s3.meta.events)
        self._transfer: Any = None
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        """Stop the transfer manager's threads (a later transfer starts a new one)."""
        with self._lock:
            transfer, self._transfer = self._transfer, None
        if transfer is not None:
            transfer.shutdown()

    @property
    def _manager(self) -> Any:
        with self._lock:
            if self._transfer is None:
                config = TransferConfig(
                    multipart_threshold=8 * MiB,
                    multipart_chunksize=8 * MiB,
                    max_concurrency=10,
                    max_io_queue=1000,
                )
                self._transfer = create_transfer_manager(self._s3, config)
            return self._transfer

    def upload(
        self,
        reader: HashingReader,
        bucket: str,
        key: str,
        extra: dict[str, Any],
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Upload ``reader``; the PutObject / CompleteMultipartUpload response."""
        token = uuid.uuid4().hex
        extra = {**extra, "Metadata": {**(metadata or {}), _TOKEN: token}}
        self._manager.upload(reader, bucket, key, extra_args=extra).result()
        return self._responses.take(token) or {}

    def copy(
        self, source: dict[str, str], bucket: str, key: str, extra: dict[str, Any]
    ) -> dict[str, Any]:
        """Copy ``source`` (multipart); the CompleteMultipartUpload response."""
        token = uuid.uuid4().hex
        extra = {**extra, "Metadata": {_TOKEN: token}}
        self._manager.copy(source, bucket, key, extra_args=extra).result()
        return self._responses.take(token) or {}

    def download(self, ref: ArtifactRef, sink: HashingSink | IO[bytes]) -> None:
        """Download ``ref``'s exact version into ``sink``; :class:`IntegrityError` when
        S3's own checksum disagrees."""
        extra = {"VersionId": ref.version_id}
        try:
            self._manager.download(ref.bucket, ref.key, sink, extra_args=extra).result()
        except botocore.exceptions.FlexibleChecksumError:  # S3's own checksum disagrees
            raise integrity_error(ref, "the downloaded content") from None
