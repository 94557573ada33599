"""S3 URIs, parsed in one place: ``s3://bucket/key[?versionId=...&sha256=...]``."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from secure_sagemaker.exceptions import InvalidS3UriError

__all__ = ["SCHEME", "S3Uri", "bucket_of", "s3_uri", "split_s3_uri"]

SCHEME = "s3://"
_STRICT = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?$")


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
