"""The event-driven detector: a Lambda handler that judges, within seconds, what the
console, the AWS CLI, CloudFormation or Terraform created - with the catalog's rules.

EventBridge delivers each CloudTrail management event (``AWS API Call via
CloudTrail``) for an operation the catalog judges; :func:`handler` describes the
resource it created or changed with the audit's own fetch code, judges it with the
audit's engine, and reports failures (a JSON log line; Security Hub; SNS), with
opt-in remediation per rule.  Configuration is read from the environment once per
cold start (see :mod:`secure_sagemaker.watch._watch`).

Errors: :class:`WatchError` (and its :class:`DescribeError`, :class:`ReportError`,
:class:`RemediationError`) when AWS failed a call - raised after an ``error`` log
line, so Lambda retries the event and then sends it to the dead-letter queue.
Malformed, unrelated and read-only events, failed calls and the detector's own
calls are ignored with one log line.

Importing this package is cheap: the engine, the catalog and boto3 load on the
first event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secure_sagemaker.watch._errors import DescribeError, RemediationError, ReportError, WatchError

if TYPE_CHECKING:
    from secure_sagemaker.watch._watch import Settings, Watcher

__all__ = [
    "DescribeError",
    "RemediationError",
    "ReportError",
    "Settings",
    "WatchError",
    "Watcher",
    "handler",
    "watched_events",
]

_WATCHER: Watcher | None = None


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (``secure_sagemaker.watch.handler``): one EventBridge
    event -> a JSON-ready summary.  The :class:`Watcher` (policy, settings, clients) is
    made on the first event and kept while the Lambda is warm.

    Raises :class:`WatchError` subclasses when AWS failed (see the module docstring),
    and :class:`~secure_sagemaker.exceptions.PolicyError` /
    :class:`~secure_sagemaker.exceptions.InvalidArgumentError` on a broken
    configuration.
    """
    global _WATCHER
    if _WATCHER is None:
        import logging

        from secure_sagemaker.watch._watch import Watcher

        logger = logging.getLogger("secure_sagemaker.watch")
        if logger.level == logging.NOTSET:  # Lambda's root logger says WARNING: show all
            logger.setLevel(logging.INFO)
        _WATCHER = Watcher()
    return _WATCHER.handle(event)


def reset() -> None:
    """Forget the cached :class:`Watcher` (the next event reads the configuration
    again, as a cold start does)."""
    global _WATCHER
    _WATCHER = None


def watched_events() -> dict[str, list[str]]:
    """``{eventSource: [eventName, ...]}`` the detector judges (an EventBridge
    pattern's lists)."""
    from secure_sagemaker.watch._events import watched_events as events

    return events()


def __getattr__(name: str) -> Any:
    if name in ("Settings", "Watcher"):
        from secure_sagemaker.watch import _watch

        return getattr(_watch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
