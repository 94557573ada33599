"""Values of the artifact store: :class:`ArtifactRef`, :class:`ArtifactVersion`,
:class:`Manifest`, and the one-pass hashing stream wrappers."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import quote

import attrs

from secure_sagemaker._aws.s3uri import S3Uri, is_bucket_name, s3_uri
from secure_sagemaker.exceptions import (
    ArgumentTypeError,
    InvalidArgumentError,
    InvalidS3UriError,
    ManifestFormatError,
)

__all__ = [
    "MANIFEST_SUFFIX",
    "ArtifactRef",
    "ArtifactVersion",
    "HashingReader",
    "HashingSink",
    "Manifest",
]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
MANIFEST_FORMAT = "secure-sagemaker/manifest/1"
MANIFEST_SUFFIX = ".manifest.json"  # a directory artifact's manifest: <prefix>.manifest.json


def _sha256(instance: Any, attribute: Any, value: str) -> None:
    if not _HEX64.match(value):
        raise InvalidArgumentError(f"{attribute.name} must be 64 lowercase hex digits (a SHA-256)")


def _non_empty(instance: Any, attribute: Any, value: str) -> None:
    if not value:
        raise InvalidArgumentError(f"{attribute.name} must not be empty")


def _bucket(instance: Any, attribute: Any, value: str) -> None:
    if not is_bucket_name(value):
        raise InvalidArgumentError(
            "bucket must be an S3 bucket name (3-63 lowercase letters, digits, . -)"
        )


def sha256_to_checksum(hexdigest: str) -> str:
    """Hex SHA-256 -> S3's ``ChecksumSHA256`` (base64 of the digest)."""
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


def checksum_to_sha256(checksum: str) -> str | None:
    """S3's full-object ``ChecksumSHA256`` -> hex; ``None`` for a composite one (``...-N``)."""
    if not checksum or "-" in checksum:
        return None
    try:
        raw = base64.b64decode(checksum, validate=True)
    except ValueError:
        return None
    return raw.hex() if len(raw) == 32 else None


@attrs.frozen
class ArtifactRef:
    """One exact stored artifact: bucket, key, version and content SHA-256 (hex).

    ``str(ref)`` is an ``s3://`` URI that pins the version and carries the hash;
    :meth:`parse` reads it back.  ``ref.uri`` is the plain ``s3://bucket/key`` that
    SageMaker accepts (it cannot pin a version, so verify the ref before use).
    Raises ``ValueError`` when a field is malformed.

    >>> ref = ArtifactRef("models-bucket", "m/model.tar.gz", "v1", "ab" * 32)
    >>> ArtifactRef.parse(str(ref)) == ref
    True
    """

    bucket: str = attrs.field(validator=_bucket)
    key: str = attrs.field(validator=_non_empty)
    version_id: str = attrs.field(validator=_non_empty)
    sha256: str = attrs.field(validator=_sha256)

    def __str__(self) -> str:
        query = f"versionId={quote(self.version_id, safe='')}&sha256={self.sha256}"
        return f"{s3_uri(self.bucket, quote(self.key, safe='/'))}?{query}"

    @property
    def uri(self) -> str:
        """``s3://bucket/key`` without version or hash (what SageMaker's S3Uri takes)."""
        return s3_uri(self.bucket, self.key)

    @property
    def is_manifest(self) -> bool:
        """True when the ref names a directory manifest (see :class:`Manifest`)."""
        return self.key.endswith(MANIFEST_SUFFIX)

    @property
    def prefix_uri(self) -> str:
        """For a manifest ref, ``s3://bucket/<dir>/``: the prefix holding its files."""
        if not self.is_manifest:
            raise InvalidArgumentError("prefix_uri is only defined for a directory manifest ref")
        return s3_uri(self.bucket, f"{self.key.removesuffix(MANIFEST_SUFFIX)}/")

    @classmethod
    def parse(cls, text: str | ArtifactRef) -> ArtifactRef:
        """Read ``s3://bucket/key?versionId=...&sha256=<hex>`` (as ``str(ref)`` writes it).

        Raises ``ValueError`` (the message names what is missing, not the text).

        >>> ArtifactRef.parse("s3://models-bucket/m.tar.gz?versionId=v1&sha256=" + "0" * 64).key
        'm.tar.gz'
        """
        if isinstance(text, ArtifactRef):
            return text
        if not isinstance(text, str):
            raise ArgumentTypeError("an artifact ref is an ArtifactRef or its s3:// URI string")
        uri = S3Uri.parse(text)
        if uri.scheme != "s3" or not uri.bucket or not uri.path:
            raise InvalidS3UriError(
                "an artifact URI looks like s3://bucket/key?versionId=...&sha256=..."
            )
        versions, hashes = uri.values("versionId"), uri.values("sha256")
        if len(versions) != 1 or len(hashes) != 1:
            raise InvalidS3UriError(
                "an artifact URI must carry exactly one versionId and one sha256"
            )
        return cls(uri.bucket, uri.key, versions[0], hashes[0])


@attrs.frozen
class ArtifactVersion:
    """One entry of an artifact's history (newest first in ``ArtifactStore.versions``)."""

    key: str
    version_id: str
    is_latest: bool
    is_delete_marker: bool
    size: int
    last_modified: datetime.datetime | None


def _safe_path(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ManifestFormatError("a manifest path must be a non-empty string")
    norm = posixpath.normpath(value)
    if norm != value or value.startswith("/") or norm == ".." or norm.startswith("../"):
        raise ManifestFormatError("a manifest path must be relative and normalised (no .., no /)")
    if "\\" in value or "\x00" in value:
        raise ManifestFormatError("a manifest path must not contain backslashes or NUL")
    return value


@attrs.frozen
class ManifestEntry:
    """One file of a directory artifact: relative path, version, SHA-256 and size."""

    path: str = attrs.field(converter=_safe_path)
    version_id: str = attrs.field(validator=_non_empty)
    sha256: str = attrs.field(validator=_sha256)
    size: int


@attrs.frozen
class Manifest:
    """A directory artifact: the files below ``prefix`` with their versions and hashes.

    Stored as JSON at ``<prefix>.manifest.json``; the files at ``<prefix>/<path>``.
    Raises ``ValueError`` on a malformed document (unsafe paths included).
    """

    prefix: str
    files: tuple[ManifestEntry, ...]

    def key_of(self, entry: ManifestEntry) -> str:
        return f"{self.prefix}/{entry.path}"

    def refs(self, bucket: str) -> Iterator[ArtifactRef]:
        """The :class:`ArtifactRef` of each file, in manifest order."""
        for entry in self.files:
            yield ArtifactRef(bucket, self.key_of(entry), entry.version_id, entry.sha256)

    def to_json(self) -> bytes:
        doc = {
            "format": MANIFEST_FORMAT,
            "prefix": self.prefix,
            "files": [attrs.asdict(e) for e in sorted(self.files, key=lambda e: e.path)],
        }
        return json.dumps(doc, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            doc = json.loads(data)
        except ValueError:
            raise ManifestFormatError("the manifest is not JSON") from None
        if not isinstance(doc, Mapping) or doc.get("format") != MANIFEST_FORMAT:
            raise ManifestFormatError(f"the manifest is not a {MANIFEST_FORMAT} document")
        files = doc.get("files")
        if not isinstance(files, list) or not isinstance(doc.get("prefix"), str):
            raise ManifestFormatError("the manifest lacks its prefix or files")
        entries = tuple(
            ManifestEntry(f["path"], f["version_id"], f["sha256"], int(f["size"]))
            for f in files
            if isinstance(f, Mapping)
        )
        if len(entries) != len(files) or len({e.path for e in entries}) != len(entries):
            raise ManifestFormatError("the manifest has malformed or duplicate file entries")
        return cls(doc["prefix"], entries)


class HashingReader:
    """A read-only, non-seekable view of a stream that hashes what is read, in order.

    Non-seekable on purpose: boto3's transfer manager then reads it exactly once,
    sequentially, so the SHA-256 costs no extra pass over the data.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, amount: int = -1) -> bytes:
        data = self._stream.read(amount)
        self._hash.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class HashingSink:
    """A write-only, non-seekable stream that hashes (and optionally stores) writes.

    Non-seekable on purpose: the transfer manager then writes ranges in order.
    """

    def __init__(self, target: IO[bytes] | None = None) -> None:
        self._target = target
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        if self._target is not None:
            self._target.write(data)
        return len(data)

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
