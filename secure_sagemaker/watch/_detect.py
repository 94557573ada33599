"""Describe the resource an event names with the audit's own tasks, and judge it with
the audit's engine: one resource, the same verdicts an audit would give it.

The audit turns AWS errors into ``error`` findings so one failing call never stops
it; the detector instead raises :class:`DescribeError` for them (Lambda retries the
event), except "not found anymore": a resource deleted before it was judged leaves
nothing to report.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

import attrs
import botocore.exceptions

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit import _related as related
from secure_sagemaker.audit._engine import (
    Clients,
    Outcome,
    Scope,
    assess_resource,
    cause,
    endpoint_context,
)
from secure_sagemaker.audit._regions import partition_of
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding
from secure_sagemaker.watch._errors import DescribeError
from secure_sagemaker.watch._events import Target

__all__ = ["Detector", "Verdict", "counts"]

_GONE = "not found anymore"
_INVALID = "request failed (ValidationException)"
#: SageMaker answers Describe of a missing resource with a ValidationException (400).
_NO_RECORD = re.compile(r"could not find|not found|does not exist|RecordNotFound", re.IGNORECASE)


def _missing(scope: Scope, target: Target) -> bool:
    """Whether SageMaker says the resource does not exist (asked once more, to read
    the error message the audit's finding does not keep)."""
    kind = target.kind
    if kind is None:
        return False
    try:
        fetch.call(
            scope.clients("sagemaker"), kind.describe_method, **kind.describe_params(target.item)
        )
    except botocore.exceptions.ClientError as err:
        message = str(err.response.get("Error", {}).get("Message", ""))
        return error_code(err) == "ValidationException" and bool(_NO_RECORD.search(message))
    return False


@attrs.frozen
class Verdict:
    """The findings on one resource; ``gone``: it was deleted before it was judged."""

    findings: tuple[Finding, ...]
    gone: bool = False
    resource: str = ""


class Detector:
    """Describes and judges resources, one :class:`Clients` per region kept across
    events (a warm Lambda reuses its connections)."""

    def __init__(
        self,
        policy: SecurityPolicy,
        *,
        session: Any = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.policy = policy
        self._session = session
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._clients: dict[str, Clients] = {}

    def clients(self, region: str) -> Clients:
        """The shared clients of ``region`` (made on first use)."""
        with self._lock:
            if self._session is None:
                import boto3

                self._session = boto3.Session()
            made = self._clients.get(region)
            if made is None:
                made = Clients(
                    self._session, region, threading.Lock(), endpoint_url=self._endpoint_url
                )
                self._clients[region] = made
            return made

    def judge(self, target: Target, account: str, region: str) -> Verdict:
        """Describe ``target`` in ``account``/``region`` and judge it.

        Raises :class:`DescribeError` (naming the error codes) when AWS failed or
        refused a call the verdict needs; a resource that no longer exists gives a
        ``gone`` verdict instead.
        """
        partition = partition_of(region) or "aws"
        scope = Scope(account, region, self.clients(region), self.policy, None, partition)
        outcome = self._assess(scope, target)
        return outcome if isinstance(outcome, Verdict) else _settle(outcome)

    def _assess(self, scope: Scope, target: Target) -> Outcome | Verdict:
        if target.what == "sagemaker" and target.kind is not None:
            kind = target.kind
            context = endpoint_context(scope) if kind.name == "endpoint" else None
            outcome = assess_resource(scope, kind, target.item, context)
            if any(cause(f) == _INVALID for f in outcome.findings) and _missing(scope, target):
                return Verdict((), gone=True, resource=str(target.item.get(kind.arn_field, "")))
            return outcome
        if target.what == "bucket":
            return related.assess_bucket(scope, str(target.item["Bucket"]))
        if target.what == "key":
            return related.assess_key(scope, target.item)
        if target.what == "secret":
            secret_id = str(target.item["SecretId"])
            try:
                described = fetch.call(
                    scope.clients("secretsmanager"), "describe_secret", SecretId=secret_id
                )
            except Exception as err:
                why = fetch.reason(err)
                if why.startswith(_GONE):
                    return Verdict((), gone=True, resource=secret_id)
                raise DescribeError("could not describe the secret", [why]) from None
            listed = {k: v for k, v in described.items() if k != "ResponseMetadata"}
            return related.assess_secret(scope, listed)
        raise DescribeError("unknown target", [target.what])  # pragma: no cover - table bug


def _settle(outcome: Outcome) -> Verdict:
    """The verdict, or :class:`DescribeError` when any rule could not be judged for a
    reason other than the resource being gone."""
    errors = [f for f in outcome.findings if f.status == "error"]
    resource = next((f.resource for f in outcome.findings if f.resource), "")
    if errors:
        causes = {cause(f) for f in errors}
        if all(c.startswith(_GONE) for c in causes):
            return Verdict((), gone=True, resource=resource)
        raise DescribeError("could not judge the resource", causes)
    return Verdict(tuple(outcome.findings), resource=resource)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"pass": n, "fail": n, "waived": n}`` of ``findings``."""
    out = dict.fromkeys(("pass", "fail", "waived"), 0)
    for f in findings:
        if f.status in out:
            out[f.status] += 1
    return out
