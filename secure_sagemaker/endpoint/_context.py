"""What every :class:`~secure_sagemaker.SecureEndpoint` step needs: guarded clients.

Every client comes from :func:`secure_sagemaker.guard.protect`, so the guard fills
the policy's VPC, KMS keys and isolation into each request and refuses an insecure
one before it is sent.  The wrapper never re-implements a rule check.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import attrs

from secure_sagemaker.policy import SecurityPolicy

__all__ = ["AwsContext", "resource_name", "split_s3_uri"]

_S3 = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(?P<key>.*))?$")


@attrs.define
class AwsContext:
    """A boto3 session, the policy, and one guarded client per service."""

    session: Any
    policy: SecurityPolicy
    _clients: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    @classmethod
    def create(cls, session: Any = None, policy: SecurityPolicy | None = None) -> AwsContext:
        """``session`` defaults to ``boto3.Session()``, ``policy`` to
        :meth:`SecurityPolicy.load` (raises :class:`PolicyError` if malformed)."""
        if session is None:
            import boto3

            session = boto3.Session()
        return cls(session, policy if policy is not None else SecurityPolicy.load())

    def client(self, service: str) -> Any:
        """The guarded client for ``service`` (created once)."""
        if service not in self._clients:
            from secure_sagemaker.guard import protect

            self._clients[service] = protect(self.session.client(service), self.policy)
        return self._clients[service]

    @property
    def region(self) -> str:
        return str(self.client("sagemaker").meta.region_name)

    @property
    def partition(self) -> str:
        return str(self.session.get_partition_for_region(self.region))


def resource_name(base: str, *, limit: int = 63) -> str:
    """``base`` plus a short random suffix, within SageMaker's name limit."""
    suffix = uuid.uuid4().hex[:8]
    return f"{base[: limit - len(suffix) - 1].rstrip('-')}-{suffix}"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> ``("bucket", "key")``; raises ``ValueError`` otherwise."""
    match = _S3.match(uri)
    if match is None:
        raise ValueError("must be an s3://bucket/key URI")
    return match["bucket"], match["key"] or ""
