"""Waiting for SageMaker resources with botocore's waiters, and surfacing why they failed.

:class:`Waiting` is how long and how often to poll (tests use a tiny delay);
:func:`wait` runs a named botocore waiter and turns its :class:`WaiterError` into
:class:`ResourceFailedError` (the resource reached a failure state; the error carries
the service's ``FailureReason``) or :class:`WaitTimeoutError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs
from botocore.exceptions import WaiterError

from secure_sagemaker.exceptions import ResourceFailedError, WaitTimeoutError
from secure_sagemaker.scan import scan_text

__all__ = ["ResourceFailedError", "WaitTimeoutError", "Waiting", "wait"]

_MAX_REASON = 800


@attrs.frozen
class Waiting:
    """How to poll: ``delay`` seconds between ``max_attempts`` Describe calls.

    >>> Waiting(delay=30, max_attempts=60)          # half an hour
    Waiting(delay=30, max_attempts=60)
    >>> Waiting.lasting(3600, delay=60).max_attempts
    61
    """

    delay: float = 30.0
    max_attempts: int = 120

    @classmethod
    def lasting(cls, seconds: float, *, delay: float = 30.0) -> Waiting:
        """Poll every ``delay`` seconds for at least ``seconds`` (one extra attempt)."""
        return cls(delay, max(1, math.ceil(seconds / delay)) + 1 if delay > 0 else 1)

    def config(self) -> dict[str, float | int]:
        """The ``WaiterConfig`` botocore's ``waiter.wait()`` takes."""
        return {"Delay": self.delay, "MaxAttempts": self.max_attempts}


def failure_reason(response: Mapping[str, Any] | None) -> str:
    """The ``FailureReason`` of a Describe response, trimmed, and withheld when it
    contains something that looks like a credential (it may echo a job's output)."""
    reason = (response or {}).get("FailureReason")
    if not isinstance(reason, str) or not reason.strip():
        return ""
    kinds = scan_text(reason)
    if kinds:
        return f"(failure reason withheld: it contains a {kinds[0]})"
    reason = reason.strip()
    return reason if len(reason) <= _MAX_REASON else reason[:_MAX_REASON] + "..."


def wait(
    client: Any,
    waiter_name: str,
    waiting: Waiting,
    *,
    resource: str,
    status_key: str,
    **params: Any,
) -> None:
    """Run botocore's ``waiter_name`` waiter on ``client`` with ``params``.

    Raises :class:`ResourceFailedError` (with the failure reason) when the resource
    reaches a failure state, :class:`WaitTimeoutError` when attempts run out, and
    the service's own error when a Describe call fails.

    >>> wait(sm, "notebook_instance_in_service", Waiting(), resource="nb",
    ...      status_key="NotebookInstanceStatus", NotebookInstanceName="nb")  # doctest: +SKIP
    """
    try:
        client.get_waiter(waiter_name).wait(WaiterConfig=waiting.config(), **params)
    except WaiterError as err:
        last = err.last_response if isinstance(err.last_response, Mapping) else {}
        why = str(err.kwargs.get("reason", ""))
        if "Max attempts exceeded" in why:
            status = str(last.get(status_key, "unknown"))
            raise WaitTimeoutError(
                f"{resource} is still {status} after {waiting.max_attempts} checks "
                f"{waiting.delay:g} s apart"
            ) from None
        if "terminal failure" not in why:
            raise
        error = last.get("Error")
        if isinstance(error, Mapping):
            raise ResourceFailedError(resource, "unavailable", str(error.get("Code", ""))) from None
        status = str(last.get(status_key, "unknown"))
        raise ResourceFailedError(resource, status, failure_reason(last)) from None
