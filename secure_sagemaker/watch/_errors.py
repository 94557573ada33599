"""The detector's errors: raised after one log line, so Lambda retries the event and,
once its retries are spent, sends it to the dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterable

from secure_sagemaker.exceptions import SecureSageMakerError

__all__ = ["DescribeError", "RemediationError", "ReportError", "WatchError"]


class WatchError(SecureSageMakerError, RuntimeError):
    """An event could not be fully handled.  ``reasons``: the causes (error codes and
    phrases, never a resource's values)."""

    def __init__(self, what: str, reasons: Iterable[str]) -> None:
        self.what = what
        self.reasons = tuple(sorted(set(reasons)))
        super().__init__(what, self.reasons)

    def __str__(self) -> str:
        return f"{self.what}: {'; '.join(self.reasons) or 'unknown cause'}"

    def __reduce__(self) -> tuple[type[WatchError], tuple[str, tuple[str, ...]]]:
        return (type(self), (self.what, self.reasons))


class DescribeError(WatchError):
    """AWS failed or refused a call needed to judge the resource (access denied,
    throttled after retries, unreachable)."""


class ReportError(WatchError):
    """A sink (Security Hub, SNS) did not take the findings."""


class RemediationError(WatchError):
    """An opted-in remediation call failed."""
