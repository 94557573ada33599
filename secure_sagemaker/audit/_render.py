"""Audit reports as text, JSON, SARIF 2.1.0, Markdown or ASFF (Security Hub).

Only ``fail``, ``waived`` and ``error`` findings are listed one by one; passes are
counted.  Messages come from the rules and never quote a resource's values.  Every
format says how many verdicts could not be given and why
(:func:`not_assessed_summary`): an empty failure list is not a clean account when
nothing could be read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from secure_sagemaker._version import __version__
from secure_sagemaker.audit._engine import UNASSESSED_ID
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.rules import Finding, Severity

__all__ = [
    "FORMATS",
    "not_assessed_summary",
    "render",
    "render_asff",
    "render_json",
    "render_markdown",
    "render_sarif",
    "render_text",
]

FORMATS = ("text", "json", "sarif", "markdown", "asff")
DOCS = "docs/controls.md"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_ORDER = ("fail", "error", "waived")
_SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
_ANSI = {
    Severity.CRITICAL: "\x1b[1;35m",
    Severity.HIGH: "\x1b[1;31m",
    Severity.MEDIUM: "\x1b[33m",
    Severity.LOW: "\x1b[36m",
}
_RESET = "\x1b[0m"


def _version() -> str:

    return __version__


def _shown(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        (f for f in findings if f.status != "pass"),
        key=lambda f: (-f.severity, _ORDER.index(f.status), f.rule_id, f.resource, f.field),
    )


def not_assessed_summary(report: Any) -> str:
    """``"96 not assessed on 21 resource(s): 91 access denied (403), 5 credentials
    rejected (ExpiredToken)"``, plus listed resources that were lost; ``""`` when
    everything listed got a verdict per applicable rule.  Causes name error codes,
    never values."""
    parts = []
    causes: dict[str, int] = report.not_assessed()
    if causes:
        resources = {(f.account, f.resource) for f in report.findings if f.status == "error"}
        parts.append(
            f"{sum(causes.values())} not assessed on {len(resources)} resource(s): "
            + ", ".join(f"{n} {why}" for why, n in causes.items())
        )
    lost = report.listed - report.assessed
    if lost > 0:
        parts.append(f"{lost} listed resource(s) lost")
    return "; ".join(parts)


def _verdict(report: Any, fail_on: str) -> str:
    failing = report.failures(fail_on)
    if report.nothing_assessed:
        return "nothing could be assessed"
    if failing:
        return f"{len(failing)} failure(s) at or above {fail_on}"
    if not_assessed_summary(report):
        return f"nothing at or above {fail_on} fails among what could be assessed"
    return f"nothing at or above {fail_on} fails"


def _where(f: Finding) -> str:
    parts = [p for p in (f.account, f.region) if p]
    return f"{f.resource}" + (f" ({' '.join(parts)})" if parts else "")


def render_text(report: Any, *, fail_on: str = "high", colour: bool = False) -> str:
    """A readable report grouped by severity; ANSI colour when ``colour``."""
    counts = report.counts()
    lines = [
        f"secure-sagemaker audit: {report.listed} resources listed, {report.assessed} assessed"
        f" in {len(report.accounts)} account(s), {len(report.regions)} region(s)",
        "  " + "  ".join(f"{k} {v}" for k, v in counts.items()),
    ]
    if not report.complete:
        lines.append("  WARNING: listed and assessed differ; some resources were lost")
    shown = _shown(report.findings)
    for sev in sorted(Severity, reverse=True):
        group = [f for f in shown if f.severity == sev]
        if not group:
            continue
        title = f"{str(sev).upper()} ({len(group)})"
        lines += ["", f"{_ANSI[sev]}{title}{_RESET}" if colour else title]
        for f in group:
            mark = {"fail": "FAIL", "error": "ERR ", "waived": "WAIV"}[f.status]
            lines.append(f"  {mark} {f.rule_id} {_where(f)}")
            lines.append(f"       {f.message}" + (f"  [{f.field}]" if f.field else ""))
            if f.status == "fail":
                lines.append(f"       fix: {f.remediation}")
    lines += ["", _verdict(report, fail_on)]
    unassessed = not_assessed_summary(report)
    if unassessed:
        lines.append(unassessed)
    return "\n".join(lines) + "\n"


def render_json(report: Any, **_: Any) -> str:
    """The whole report (every finding, passes included) as JSON."""
    return json.dumps(report.to_dict(), indent=2) + "\n"


def render_asff(report: Any, **_: Any) -> str:
    """Every finding (passes too: they resolve earlier failures) as a JSON array of
    ASFF findings, one per rule and resource, each in its resource's account and
    region (a global resource's in the report's first region)."""
    from secure_sagemaker.audit._asff import merge, to_asff

    now = datetime.now(timezone.utc)
    home = report.regions[0] if report.regions else "us-east-1"
    found = [
        to_asff(f, account=f.account, region=f.region or home, now=now)
        for f in merge(report.findings)
    ]
    return json.dumps(found, indent=2) + "\n"


def _rule_doc(rule_id: str) -> dict[str, Any]:
    try:
        r = CATALOG.rule(rule_id)
    except KeyError:  # a check-unavailable marker such as SM6xx, or a resource not read
        if rule_id == UNASSESSED_ID:
            return {
                "id": rule_id,
                "name": "not-assessed",
                "shortDescription": {"text": "A resource the audit could not read"},
                "help": {"text": "Give the audit read access to the resource and run it again."},
            }
        return {
            "id": rule_id,
            "name": "check-unavailable",
            "shortDescription": {"text": "A check that is not available in this installation"},
            "help": {"text": "Install a secure-sagemaker version that provides this check."},
        }
    anchor = r.id.lower()
    return {
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.rationale},
        "help": {
            "text": f"{r.remediation} See {DOCS}#{anchor}.",
            "markdown": f"{r.remediation}\n\n[{r.id} in the controls reference]({DOCS}#{anchor})",
        },
        "helpUri": f"{DOCS}#{anchor}",
        "defaultConfiguration": {"level": _SARIF_LEVEL[r.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[r.severity],
            "tags": ["security", *r.references],
        },
    }


def _sarif_result(f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "kind": "fail" if f.status in ("fail", "waived") else "open",
        "level": _SARIF_LEVEL[f.severity] if f.status != "error" else "none",
        "message": {"text": f.message + (f" Field: {f.field}." if f.field else "")},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": f.resource}},
                "logicalLocations": [
                    {
                        "fullyQualifiedName": f.resource,
                        "kind": "resource",
                        "name": f.resource.rsplit("/", 1)[-1],
                    }
                ],
            }
        ],
        "properties": {
            "status": f.status,
            "severity": str(f.severity),
            "resourceType": f.resource_type,
            "account": f.account,
            "region": f.region,
        },
    }
    if f.status == "waived":
        result["suppressions"] = [{"kind": "external", "justification": "waived by policy"}]
    return result


def render_sarif(report: Any, **_: Any) -> str:
    """SARIF 2.1.0: one rule per rule ID seen (help text and a link to the controls
    reference), one result per non-passing finding located at the resource ARN."""
    shown = _shown(report.findings)
    ids = sorted({f.rule_id for f in shown})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    results = [_sarif_result(f, index[f.rule_id]) for f in shown]
    run = {**sarif_run(report, ids), "results": results}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def sarif_run(report: Any, rule_ids: Iterable[str]) -> dict[str, Any]:
    """A SARIF run without its results: the tool with the rules ``rule_ids`` (in
    result-index order), the invocation and the report's counts.  Shared by
    :func:`render_sarif` and the streaming writer, which writes results first."""
    return {
        "tool": {
            "driver": {
                "name": "secure-sagemaker",
                "version": _version(),
                "informationUri": DOCS,
                "rules": [_rule_doc(i) for i in rule_ids],
            }
        },
        "invocations": [{"executionSuccessful": report.complete and not report.nothing_assessed}],
        "properties": {
            "listed": report.listed,
            "assessed": report.assessed,
            "counts": report.counts(),
            "notAssessed": report.not_assessed(),
            "nothingAssessed": report.nothing_assessed,
        },
    }


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Any, *, fail_on: str = "high", **_: Any) -> str:
    """A pull-request comment: summary, then a table of failures per severity;
    errors and waivers folded away."""
    counts = report.counts()
    failing = report.failures(fail_on)
    unassessed = not_assessed_summary(report)
    if failing or report.nothing_assessed:
        icon = ":x:"
    else:
        icon = ":warning:" if unassessed else ":white_check_mark:"
    out = [
        f"### {icon} secure-sagemaker audit",
        "",
        f"{report.listed} resources listed, {report.assessed} assessed. "
        + ", ".join(f"**{v}** {k}" for k, v in counts.items())
        + f". {len(failing)} failure(s) at or above **{fail_on}**.",
    ]
    if report.nothing_assessed:
        out += ["", f"**Nothing could be assessed**: {_md(unassessed)}."]
    elif unassessed:
        out += ["", f"**Incomplete**: {_md(unassessed)}."]
    shown = _shown(report.findings)

    def table(rows: Sequence[Finding], detail: Callable[[Finding], str]) -> list[str]:
        lines = ["", "| Rule | Resource | Finding |", "|---|---|---|"]
        for f in rows:
            link = f"[{f.rule_id}]({DOCS}#{f.rule_id.lower()})"
            lines.append(f"| {link} | `{_md(f.resource)}` | {_md(detail(f))} |")
        return lines

    for sev in sorted(Severity, reverse=True):
        group = [f for f in shown if f.severity == sev and f.status == "fail"]
        if group:
            out += ["", f"#### {str(sev).capitalize()} ({len(group)})"]
            out += table(group, lambda f: f"{f.message} Fix: {f.remediation}")
    for status, label in (("error", "could not be assessed"), ("waived", "waived")):
        group = [f for f in shown if f.status == status]
        if group:
            out += ["", f"<details><summary>{len(group)} {label}</summary>"]
            out += table(group, lambda f: f.message)
            out += ["", "</details>"]
    return "\n".join(out) + "\n"


_RENDERERS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "markdown": render_markdown,
    "asff": render_asff,
}


def render(report: Any, fmt: str, *, fail_on: str = "high", colour: bool = False) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`); raises ``ValueError``
    for an unknown format.

    >>> from secure_sagemaker.audit import AuditReport
    >>> render(AuditReport((), 0, 0), "json").startswith("{")
    True
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown format; expected one of {', '.join(FORMATS)}"
        ) from None
    if fmt == "text":
        return renderer(report, fail_on=fail_on, colour=colour)
    return renderer(report, fail_on=fail_on)
