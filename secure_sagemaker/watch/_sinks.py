"""Where the detector's verdicts go: a structured log line (always), Security Hub
(ASFF through :mod:`secure_sagemaker.audit._asff`) and SNS.

Nothing here writes a parameter value: a log line or message carries rule IDs,
severities, field paths, resources (ARNs or names), the rules' messages (which name
no values by design) and error codes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._asff import import_findings, merge, to_asff
from secure_sagemaker.rules import Finding
from secure_sagemaker.watch._errors import ReportError

__all__ = ["LOGGER", "SINKS", "log", "publish_sns", "to_security_hub"]

#: The sinks ``SECURE_SAGEMAKER_WATCH_SINKS`` may name (``log`` is always on).
SINKS = ("log", "securityhub", "sns")
LOGGER = logging.getLogger("secure_sagemaker.watch")


def log(level: int, event: str, **fields: Any) -> None:
    """One JSON line: ``{"event": ..., **fields}`` (keys sorted)."""
    LOGGER.log(level, json.dumps({"event": event, **fields}, sort_keys=True, default=str))


def brief(f: Finding) -> dict[str, str]:
    """What a log line or message says about one finding."""
    return {
        "rule": f.rule_id,
        "severity": str(f.severity),
        "status": f.status,
        "field": f.field,
        "message": f.message,
        "remediation": f.remediation,
    }


def to_security_hub(client: Any, findings: Iterable[Finding], *, account: str, region: str) -> int:
    """Import ``findings`` (passes too: a later pass resolves an earlier failure) as
    ASFF; returns how many landed.  Raises :class:`ReportError` naming the error
    codes when any did not."""
    asff = [to_asff(f, account=account, region=region) for f in merge(findings)]
    if not asff:
        return 0
    result = import_findings(client, asff)
    if not result.ok:
        raise ReportError(
            f"Security Hub did not take {result.failed} of {len(asff)} findings", result.errors
        )
    return result.success


def publish_sns(
    client: Any,
    topic: str,
    *,
    operation: str,
    resource: str,
    failing: Sequence[Finding],
    caller: str,
) -> None:
    """Publish one message for a resource with failing findings.  Raises
    :class:`ReportError` with the cause when SNS refuses it."""
    worst = max(failing, key=lambda f: f.severity)
    subject = f"secure-sagemaker: {len(failing)} failing on {resource.rsplit('/', 1)[-1]}"
    message: Mapping[str, Any] = {
        "operation": operation,
        "resource": resource,
        "caller": caller,
        "severity": str(worst.severity),
        "failing": [brief(f) for f in failing],
    }
    try:
        fetch.call(
            client,
            "publish",
            TopicArn=topic,
            Subject=subject[:100],
            Message=json.dumps(message, indent=1, sort_keys=True),
        )
    except Exception as err:
        raise ReportError("SNS did not take the message", [fetch.reason(err)]) from None
