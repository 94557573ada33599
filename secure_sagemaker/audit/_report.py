"""What an audit found: :class:`AuditReport`, and the order its findings are kept in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from secure_sagemaker.audit._engine import cause
from secure_sagemaker.rules import Finding, Severity

__all__ = ["AuditReport", "ordered"]


@attrs.frozen
class AuditReport:
    """What :func:`audit` found.

    ``findings``: one per resource and applicable rule, each with ``resource`` (ARN
    or name), ``resource_type``, ``account`` and ``region``.  ``listed`` and
    ``assessed`` count resources; they are equal unless something was lost.
    ``inventories``: list calls AWS answered (even with no items).  A streamed
    audit (``audit(..., sink=...)``) holds no findings: ``tally`` and ``causes``
    then carry :meth:`counts` and :meth:`not_assessed`.
    """

    findings: tuple[Finding, ...]
    listed: int
    assessed: int
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    inventories: int = 0
    tally: Mapping[str, int] | None = None
    causes: Mapping[str, int] | None = None

    @property
    def complete(self) -> bool:
        """Every listed resource was assessed (possibly with ``error`` verdicts)."""
        return self.listed == self.assessed

    def failures(self, at_least: Severity | str = Severity.LOW) -> list[Finding]:
        """Failing findings at or above a severity, most severe first.

        >>> AuditReport((), 0, 0).failures("high")
        []
        """
        floor = Severity.parse(at_least)
        found = [f for f in self.findings if f.status == "fail" and f.severity >= floor]
        return sorted(found, key=lambda f: (-f.severity, f.rule_id, f.resource))

    def not_assessed(self) -> dict[str, int]:
        """The ``error`` verdicts (a rule that could not be judged on a resource)
        counted by cause, most frequent first; empty when every rule got a verdict.

        >>> AuditReport((), 0, 0).not_assessed()
        {}
        """
        if self.causes is not None:
            causes = Counter(self.causes)
        else:
            causes = Counter(cause(f) for f in self.findings if f.status == "error")
        return dict(sorted(causes.items(), key=lambda item: (-item[1], item[0])))

    @property
    def nothing_assessed(self) -> bool:
        """Nothing could be assessed: every verdict is ``error`` and no inventory
        was answered (no permissions, credentials refused, no endpoint there).  An
        account with nothing to audit is not this: it has no ``error`` either."""
        if self.tally is not None:
            total = sum(self.tally.values())
            return self.inventories == 0 and total > 0 and self.tally.get("error", 0) == total
        return (
            self.inventories == 0
            and bool(self.findings)
            and all(f.status == "error" for f in self.findings)
        )

    def counts(self) -> dict[str, int]:
        """``{"pass": n, "fail": n, "waived": n, "error": n}``."""
        out = dict.fromkeys(("pass", "fail", "waived", "error"), 0)
        if self.tally is not None:
            out.update(self.tally)
            return out
        for f in self.findings:
            out[f.status] += 1
        return out

    def exit_code(self, fail_on: str, *, allow_errors: bool = False) -> int:
        """What ``secure-sagemaker audit`` exits with: 2 when nothing could be
        assessed; 1 when something fails at or above ``fail_on``, or when a resource
        or rule could not be assessed and not ``allow_errors``; else 0."""
        if self.nothing_assessed:
            return 2
        if self.failures(fail_on):
            return 1
        if (self.not_assessed() or not self.complete) and not allow_errors:
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "listed": self.listed,
            "assessed": self.assessed,
            "inventories": self.inventories,
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "counts": self.counts(),
            "not_assessed": self.not_assessed(),
            "nothing_assessed": self.nothing_assessed,
            "findings": [f.to_dict() for f in self.findings],
        }


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` in the report's order: account, region, resource type, resource,
    rule, field."""
    return tuple(sorted(findings, key=_order))


def _order(f: Finding) -> tuple[Any, ...]:
    return (f.account, f.region, f.resource_type, f.resource, f.rule_id, f.field)
