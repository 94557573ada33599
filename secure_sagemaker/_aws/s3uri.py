"""S3 URIs, parsed in one place: ``s3://bucket/key[?versionId=...&sha256=...]``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from secure_sagemaker.exceptions import InvalidS3UriError

__all__ = [
    "BUCKET_NAME",
    "SCHEME",
    "S3Uri",
    "bucket_in",
    "bucket_of",
    "is_bucket_name",
    "s3_uri",
    "split_s3_uri",
]

SCHEME = "s3://"
_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
BUCKET_NAME = re.compile(rf"^{_NAME}$")
"""An S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."""
_STRICT = re.compile(rf"^s3://(?P<bucket>{_NAME})(?:/(?P<key>.*))?$")


def is_bucket_name(value: object) -> bool:
    """True for a well-formed S3 bucket name."""
    return isinstance(value, str) and BUCKET_NAME.match(value) is not None


def bucket_in(value: str) -> str | None:
    """The bucket of a well-formed ``s3://bucket[/key]`` URI, else ``None``.

    >>> bucket_in("s3://ml-data/train.csv"), bucket_in("https://example.com/x")
    ('ml-data', None)
    """
    match = _STRICT.match(value)
    return match["bucket"] if match else None


def s3_uri(bucket: str, key: str = "") -> str:
    """``s3://bucket/key``."""
    return f"{SCHEME}{bucket}/{key}"


def bucket_of(value: str) -> str:
    """The bucket of ``s3://bucket/...`` or of a bare ``bucket[/prefix]`` (no check).

    >>> bucket_of("s3://ml-artifacts/team-a/"), bucket_of("ml-artifacts")
    ('ml-artifacts', 'ml-artifacts')
    """
    return value.removeprefix(SCHEME).partition("/")[0]


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")`` (the key as written).

    Raises :class:`~secure_sagemaker.exceptions.InvalidS3UriError` for anything else.
    """
    match = _STRICT.match(uri)
    if match is None:
        raise InvalidS3UriError("must be an s3://bucket/key URI")
    return match["bucket"], match["key"] or ""


@attrs.frozen
class S3Uri:
    """A URI split into scheme, bucket, key and query parameters, checking nothing.

    ``path`` is the key as written (percent-encoded); :attr:`key` is it decoded.

    >>> uri = S3Uri.parse("s3://ml-data/a%20b.csv?versionId=v1")
    >>> uri.bucket, uri.key, uri.first("versionId"), uri.first("sha256")
    ('ml-data', 'a b.csv', 'v1', None)
    """

    scheme: str
    bucket: str
    path: str
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def parse(cls, text: str) -> S3Uri:
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        params = tuple((k, tuple(v)) for k, v in query.items())
        return cls(parts.scheme, parts.netloc, parts.path[1:], params)

    @property
    def key(self) -> str:
        return unquote(self.path)

    @property
    def without_query(self) -> str:
        """``scheme://bucket/path`` as written, without the query."""
        return f"{self.scheme}://{self.bucket}/{self.path}"

    def values(self, name: str) -> tuple[str, ...]:
        """Every value of query parameter ``name`` (blank values dropped)."""
        return dict(self.params).get(name, ())

    def first(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or ``None``."""
        found = self.values(name)
        return found[0] if found else None
