"""What every wrapper needs from the guard: guarded clients and the guard's own
judgement of a request before it is sent.

Every client comes from :func:`secure_sagemaker.guard.protect`, so the guard fills
the policy's VPC, KMS keys and isolation into each request and refuses an insecure
one before it is sent.  No wrapper re-implements a rule check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from secure_sagemaker._aws.clients import session_or_default
from secure_sagemaker.guard import judge, protect
from secure_sagemaker.policy import SecurityPolicy

__all__ = ["AwsContext", "refuse_insecure"]


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
        return cls(
            session_or_default(session), policy if policy is not None else SecurityPolicy.load()
        )

    def client(self, service: str) -> Any:
        """The guarded client for ``service`` (created once)."""
        if service not in self._clients:
            self._clients[service] = protect(self.session.client(service), self.policy)
        return self._clients[service]

    @property
    def region(self) -> str:
        return str(self.client("sagemaker").meta.region_name)

    @property
    def partition(self) -> str:
        return str(self.session.get_partition_for_region(self.region))


def refuse_insecure(
    operation: str, params: Mapping[str, Any], policy: SecurityPolicy, region: str | None
) -> dict[str, Any]:
    """Fill ``params`` from the policy and judge them exactly as the guard will.

    Returns the filled request.  Raises :class:`~secure_sagemaker.InsecureRequestError`
    (same waiver, severity and mode logic as the guard) when the request would be
    refused - without any AWS call.
    """
    return judge(operation, params, policy, region=region, service="sagemaker")
