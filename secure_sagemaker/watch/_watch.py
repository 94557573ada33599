"""One event, end to end: filter, describe and judge, report, remediate.

Configuration (environment, read once per cold start by :meth:`Settings.from_env`):

* ``SECURE_SAGEMAKER_POLICY``: the policy TOML (:meth:`SecurityPolicy.load`);
* ``SECURE_SAGEMAKER_WATCH_SINKS``: comma list of ``log`` (always on),
  ``securityhub``, ``sns``;
* ``SECURE_SAGEMAKER_WATCH_SNS_TOPIC``: the topic ARN for ``sns``;
* ``SECURE_SAGEMAKER_WATCH_REMEDIATE``: comma list of rule IDs whose remediation runs;
* ``SECURE_SAGEMAKER_WATCH_SELF``: the detector's own role ARN; events it caused
  (its remediation calls) are ignored.

Every event ends in exactly one log line: ``ignored`` (with the reason), ``gone``,
or ``judged`` (counts and the failing findings), plus one line per remediation.
AWS errors end in an ``error`` line and an exception (:class:`WatchError`), so
Lambda retries the event and then sends it to the dead-letter queue.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import attrs

from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.watch import _remediate, _sinks
from secure_sagemaker.watch._detect import Detector, counts
from secure_sagemaker.watch._errors import RemediationError, WatchError
from secure_sagemaker.watch._events import Ignore, target

__all__ = ["DETAIL_TYPE", "Settings", "Watcher"]

DETAIL_TYPE = "AWS API Call via CloudTrail"


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(w.strip() for w in (text or "").split(",") if w.strip())


@attrs.frozen
class Settings:
    """The detector's switches (see the module docstring for the variables)."""

    sinks: tuple[str, ...] = ("log",)
    sns_topic: str | None = None
    remediate: tuple[str, ...] = ()
    self_arn: str | None = None

    def __attrs_post_init__(self) -> None:
        unknown = sorted(set(self.sinks) - set(_sinks.SINKS))
        if unknown:
            raise InvalidArgumentError(
                f"unknown sink(s) {', '.join(unknown)}; choose from {', '.join(_sinks.SINKS)}"
            )
        if "sns" in self.sinks and not self.sns_topic:
            raise InvalidArgumentError("the sns sink needs SECURE_SAGEMAKER_WATCH_SNS_TOPIC")
        bad = sorted(r for r in self.remediate if r.upper() not in _remediate.REMEDIATIONS)
        if bad:
            raise InvalidArgumentError(
                f"no remediation for rule(s) {', '.join(bad)}; available: "
                f"{', '.join(sorted(_remediate.REMEDIATIONS))}"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``SECURE_SAGEMAKER_WATCH_*`` variables.  Raises
        :class:`~secure_sagemaker.exceptions.InvalidArgumentError` for an unknown
        sink or rule ID, or ``sns`` without a topic."""
        env = os.environ if env is None else env
        return cls(
            sinks=tuple(dict.fromkeys(("log", *_words(env.get("SECURE_SAGEMAKER_WATCH_SINKS"))))),
            sns_topic=env.get("SECURE_SAGEMAKER_WATCH_SNS_TOPIC") or None,
            remediate=tuple(r.upper() for r in _words(env.get("SECURE_SAGEMAKER_WATCH_REMEDIATE"))),
            self_arn=env.get("SECURE_SAGEMAKER_WATCH_SELF") or None,
        )


def _get(node: Any, *path: str) -> str:
    """The string at ``path`` under ``node``; ``""`` when absent or not a string."""
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) else ""


def _caller(detail: Mapping[str, Any]) -> tuple[str, str]:
    """``(caller ARN, session issuer ARN)`` of a record (``""`` when absent)."""
    who = ("userIdentity",)
    return _get(detail, *who, "arn"), _get(detail, *who, "sessionContext", "sessionIssuer", "arn")


class Watcher:
    """The detector: :meth:`handle` one EventBridge event at a time.

    ``policy`` defaults to :meth:`SecurityPolicy.load`, ``settings`` to
    :meth:`Settings.from_env`; ``session`` (a boto3 session) and ``endpoint_url``
    steer the AWS clients (an emulator in tests).
    """

    def __init__(
        self,
        policy: SecurityPolicy | None = None,
        *,
        settings: Settings | None = None,
        session: Any = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.policy = policy if policy is not None else SecurityPolicy.load()
        self.settings = settings if settings is not None else Settings.from_env()
        self.detector = Detector(self.policy, session=session, endpoint_url=endpoint_url)

    def handle(self, event: Any) -> dict[str, Any]:
        """Judge the resource the event's CloudTrail record created or changed.

        Returns a JSON-ready summary (``{"status": "ignored", "reason": ...}``,
        ``{"status": "gone", ...}`` or ``{"status": "judged", "counts": ...}``).
        Raises :class:`DescribeError` when AWS failed a call the verdict needs,
        :class:`ReportError` when a sink refused the findings and
        :class:`RemediationError` when a remediation failed - each after an
        ``error`` log line - so Lambda retries the event (then dead-letters it).
        """
        detail, why = self._detail(event)
        if why:
            return self._ignore(why, detail)
        what = target(detail)
        if isinstance(what, Ignore):
            return self._ignore(what.reason, detail)
        account = _get(detail, "recipientAccountId") or _get(detail, "userIdentity", "accountId")
        region = _get(detail, "awsRegion")
        if not account or not region:
            return self._ignore("malformed event: no account or region", detail)
        where = {"operation": what.operation, "account": account, "region": region}
        try:
            verdict = self.detector.judge(what, account, region)
        except WatchError as err:
            _sinks.log(logging.ERROR, "error", stage="describe", reasons=err.reasons, **where)
            raise
        if verdict.gone:
            _sinks.log(logging.INFO, "gone", resource=verdict.resource, **where)
            return {"status": "gone", "resource": verdict.resource}
        failing = [f for f in verdict.findings if f.failed]
        summary = counts(verdict.findings)
        _sinks.log(
            logging.WARNING if failing else logging.INFO,
            "judged",
            resource=verdict.resource,
            counts=summary,
            failing=[_sinks.brief(f) for f in failing],
            **where,
        )
        try:
            self._report(verdict.findings, failing, verdict.resource, detail, where)
            remediated = self._remediate(verdict.findings, region)
        except WatchError as err:
            stage = "remediate" if isinstance(err, RemediationError) else "report"
            _sinks.log(logging.ERROR, "error", stage=stage, reasons=err.reasons, **where)
            raise
        return {
            "status": "judged",
            "resource": verdict.resource,
            "counts": summary,
            "failing": sorted({f.rule_id for f in failing}),
            "remediated": remediated,
        }

    # ------------------------------------------------------------------ steps

    def _detail(self, event: Any) -> tuple[Mapping[str, Any], str]:
        if not isinstance(event, Mapping):
            return {}, "malformed event: not a JSON object"
        kind = event.get("detail-type")
        if kind is not None and kind != DETAIL_TYPE:
            return {}, "not a CloudTrail API call event"
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            return {}, "malformed event: no CloudTrail record"
        me = self.settings.self_arn
        if me and me in _caller(detail):
            return detail, "the detector's own call"
        return detail, ""

    def _ignore(self, reason: str, detail: Mapping[str, Any]) -> dict[str, Any]:
        fields = {}
        for key in ("eventSource", "eventName"):
            value = detail.get(key)
            if isinstance(value, str) and len(value) <= 64 and value.replace(".", "").isalnum():
                fields[key] = value
        _sinks.log(logging.INFO, "ignored", reason=reason, **fields)
        return {"status": "ignored", "reason": reason}

    def _report(
        self,
        findings: Any,
        failing: list[Any],
        resource: str,
        detail: Mapping[str, Any],
        where: Mapping[str, str],
    ) -> None:
        clients = self.detector.clients(where["region"])
        if "securityhub" in self.settings.sinks:
            _sinks.to_security_hub(
                clients("securityhub"),
                findings,
                account=where["account"],
                region=where["region"],
            )
        if "sns" in self.settings.sinks and failing and self.settings.sns_topic:
            _sinks.publish_sns(
                clients("sns"),
                self.settings.sns_topic,
                operation=where["operation"],
                resource=resource,
                failing=failing,
                caller=_caller(detail)[0],
            )

    def _remediate(self, findings: Any, region: str) -> list[dict[str, str]]:
        if not self.settings.remediate:
            return []
        done = []
        clients = self.detector.clients(region)
        for planned in _remediate.plan(findings, self.settings.remediate, self.policy):
            fields = {
                "action": planned.action.name,
                "resource": planned.resource,
                "rules": list(planned.rules),
            }
            if planned.refused:
                _sinks.log(logging.WARNING, "remediation-refused", reason=planned.refused, **fields)
                continue
            try:
                _remediate.run(planned, clients)
            except Exception as err:
                from secure_sagemaker.audit._fetch import reason

                raise RemediationError(f"{planned.action.name} failed", [reason(err)]) from None
            _sinks.log(logging.WARNING, "remediated", **fields)
            done.append({"action": planned.action.name, "resource": planned.resource})
        return done
