"""Findings streamed to the output as they come, and reports read back and merged.

``audit(..., sink=writer)`` hands each finding to a writer instead of holding it:

- :class:`JsonLinesWriter` - one JSON object per line (``{"type": "finding", ...}``)
  and a last ``{"type": "summary", ...}`` line with the counts;
- :class:`JsonWriter` - the same document as ``--format json``, written
  incrementally (``findings`` first, the counts after them);
- :class:`SarifWriter` - SARIF 2.1.0 with its results written as they come and the
  rules they cite after them;
- :class:`Tally` - counts the verdicts (and keeps the non-passing findings, which
  the exit code and the text and Markdown formats need) and forwards each on.

:func:`read_report` reads a JSON Lines or JSON report back, and :func:`merge`
combines shard reports into one: the same findings and counts as one unsharded run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

import attrs

from secure_sagemaker.audit._engine import cause
from secure_sagemaker.audit._report import AuditReport, ordered
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.rules import Finding, Severity

__all__ = [
    "STREAM_FORMATS",
    "JsonLinesWriter",
    "JsonWriter",
    "SarifWriter",
    "Tally",
    "finding_from_dict",
    "merge",
    "read_report",
    "writer_for",
]

#: Formats written as the findings come (the others are rendered at the end).
STREAM_FORMATS = ("jsonl", "json", "sarif")
_STATUSES = ("pass", "fail", "waived", "error")

Sink = Callable[[Finding], None]


def _summary(report: Any) -> dict[str, Any]:
    return {
        "listed": report.listed,
        "assessed": report.assessed,
        "inventories": report.inventories,
        "accounts": list(report.accounts),
        "regions": list(report.regions),
        "counts": report.counts(),
        "not_assessed": report.not_assessed(),
        "nothing_assessed": report.nothing_assessed,
    }


class Tally:
    """A sink that counts verdicts and causes, keeps findings (``keep``: ``"none"``,
    ``"failing"`` - all but passes - or ``"all"``), and passes every finding on to
    ``forward``."""

    def __init__(self, forward: Sink | None = None, *, keep: str = "none") -> None:
        self.counts = dict.fromkeys(_STATUSES, 0)
        self.causes: Counter[str] = Counter()
        self.kept: list[Finding] = []
        self._forward = forward
        self._keep = keep

    def __call__(self, finding: Finding) -> None:
        self.counts[finding.status] += 1
        if finding.status == "error":
            self.causes[cause(finding)] += 1
        if self._keep == "all" or (self._keep == "failing" and finding.status != "pass"):
            self.kept.append(finding)
        if self._forward is not None:
            self._forward(finding)


class JsonLinesWriter:
    """Writes each finding as one JSON line; :meth:`close` adds the summary line."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def __call__(self, finding: Finding) -> None:
        self._out.write(json.dumps({"type": "finding", **finding.to_dict()}) + "\n")

    def close(self, report: Any) -> None:
        self._out.write(json.dumps({"type": "summary", **_summary(report)}) + "\n")


class JsonWriter:
    """Writes the ``--format json`` document incrementally: findings, then counts."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._first = True
        out.write('{\n  "findings": [')

    def __call__(self, finding: Finding) -> None:
        self._out.write(("\n    " if self._first else ",\n    ") + json.dumps(finding.to_dict()))
        self._first = False

    def close(self, report: Any) -> None:
        self._out.write("\n  ],\n")
        tail = json.dumps(_summary(report), indent=2)[1:]  # without its opening brace
        self._out.write(tail + "\n")


class SarifWriter:
    """SARIF 2.1.0: each non-passing finding is written as a result as it comes; the
    rules (numbered in the order first seen) and the run's counts follow them."""

    def __init__(self, out: TextIO) -> None:
        from secure_sagemaker.audit._render import SARIF_SCHEMA

        self._out = out
        self._index: dict[str, int] = {}
        self._first = True
        head = {"$schema": SARIF_SCHEMA, "version": "2.1.0"}
        out.write(json.dumps(head, indent=2)[:-2] + ',\n  "runs": [\n    {\n      "results": [')

    def __call__(self, finding: Finding) -> None:
        from secure_sagemaker.audit._render import _sarif_result

        if finding.status == "pass":
            return
        index = self._index.setdefault(finding.rule_id, len(self._index))
        text = json.dumps(_sarif_result(finding, index))
        self._out.write(("\n        " if self._first else ",\n        ") + text)
        self._first = False

    def close(self, report: Any) -> None:
        from secure_sagemaker.audit._render import sarif_run

        run = sarif_run(report, self._index)
        body = json.dumps(run, indent=2)[1:-2]  # the members, without the braces
        indented = "\n".join("    " + line if line else line for line in body.splitlines())
        self._out.write("\n      ],\n" + indented + "\n    }\n  ]\n}\n")


def writer_for(fmt: str, out: TextIO) -> JsonLinesWriter | JsonWriter | SarifWriter:
    """The streaming writer of ``fmt`` (one of :data:`STREAM_FORMATS`); raises
    :class:`InvalidArgumentError` for another format."""
    if fmt == "jsonl":
        return JsonLinesWriter(out)
    if fmt == "json":
        return JsonWriter(out)
    if fmt == "sarif":
        return SarifWriter(out)
    raise InvalidArgumentError(f"{fmt} is not a streamed format")


# --------------------------------------------------------------------------- reading


def finding_from_dict(data: dict[str, Any]) -> Finding:
    """A :class:`Finding` from its ``to_dict()`` form; raises ``KeyError`` or
    :class:`InvalidArgumentError` for a malformed one."""
    status = str(data["status"])
    if status not in _STATUSES:
        raise InvalidArgumentError("a finding has an unknown status")
    return Finding(
        rule_id=str(data["rule_id"]),
        severity=Severity.parse(str(data["severity"])),
        status=status,  # type: ignore[arg-type]
        field=str(data.get("field", "")),
        message=str(data.get("message", "")),
        remediation=str(data.get("remediation", "")),
        resource=str(data.get("resource", "")),
        resource_type=str(data.get("resource_type", "")),
        account=str(data.get("account", "")),
        region=str(data.get("region", "")),
    )


def _lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        if line.strip():
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("a line is not a JSON object")
            yield item


def read_report(path: str | Path) -> AuditReport:
    """An :class:`~secure_sagemaker.audit.AuditReport` from a JSON Lines or JSON
    report written by ``secure-sagemaker audit``.  Raises :class:`InvalidArgumentError`
    naming the file when it is neither, or when it is incomplete (a JSON Lines
    report without its summary line: the run did not finish)."""
    name = Path(path).name
    text = Path(path).read_text(encoding="utf-8")
    try:
        try:
            whole = json.loads(text)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict) and "findings" in whole:
            summary, findings = whole, [finding_from_dict(f) for f in whole["findings"]]
        else:
            items = list(_lines(text))
            summaries = [i for i in items if i.get("type") == "summary"]
            if not summaries:
                raise InvalidArgumentError(f"{name}: no summary line; the audit did not finish")
            summary = summaries[-1]
            findings = [finding_from_dict(i) for i in items if i.get("type") == "finding"]
        inventories = summary.get("inventories")
        if inventories is None:  # an older JSON report: only whether nothing was assessed
            inventories = 0 if summary.get("nothing_assessed") else 1
        return AuditReport(
            findings=tuple(findings),
            listed=int(summary["listed"]),
            assessed=int(summary["assessed"]),
            accounts=tuple(str(a) for a in summary.get("accounts", ())),
            regions=tuple(str(r) for r in summary.get("regions", ())),
            inventories=int(inventories),
        )
    except InvalidArgumentError:
        raise
    except (ValueError, KeyError, TypeError):
        raise InvalidArgumentError(f"{name}: not a secure-sagemaker audit report") from None


def merge(reports: Iterable[AuditReport]) -> AuditReport:
    """One report from shard reports: findings together (in the audit's order),
    counts summed, accounts and regions joined."""
    findings: list[Finding] = []
    listed = assessed = inventories = 0
    accounts: dict[str, None] = {}
    regions: dict[str, None] = {}
    for r in reports:
        findings += r.findings
        listed += r.listed
        assessed += r.assessed
        inventories += r.inventories
        accounts.update(dict.fromkeys(r.accounts))
        regions.update(dict.fromkeys(r.regions))
    return attrs.evolve(
        AuditReport((), 0, 0),
        findings=ordered(findings),
        listed=listed,
        assessed=assessed,
        accounts=tuple(sorted(accounts)),
        regions=tuple(regions),
        inventories=inventories,
    )
