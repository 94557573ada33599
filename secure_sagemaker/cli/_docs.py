"""Render the catalog as ``docs/controls.md`` (generated; a test fails when stale)."""

from __future__ import annotations

from collections.abc import Iterable

from secure_sagemaker.rules import Rule, display_path

_SOURCES = (
    ("SecurityHub", "Security Hub"),
    ("Config", "AWS Config"),
    ("Prowler", "Prowler"),
    ("Checkov", "Checkov"),
    ("IAM", "IAM condition key"),
)

_SEEDS = {
    1: "network isolation",
    2: "least privilege",
    3: "encryption",
    4: "secrets",
    5: "monitoring",
    6: "access logging",
    7: "versioned artifacts",
}


def _refs(rule: Rule, source: str) -> list[str]:
    return [r.split(":", 1)[1] for r in rule.references if r.split(":", 1)[0] == source]


def _cell(items: Iterable[str]) -> str:
    return "<br>".join(items) or "-"


def render_controls_markdown(rules: Iterable[Rule]) -> str:
    """The whole controls reference page as Markdown."""
    rules = sorted(rules, key=lambda r: r.id)
    out = [
        "# Controls reference",
        "",
        "<!-- Generated from secure_sagemaker/controls by `secure-sagemaker rules --format "
        "markdown`. Do not edit by hand: tests/test_docs.py fails when it is stale. -->",
        "",
        f"{len(rules)} rules. A missing field is judged by the service's default, which for "
        "SageMaker is the insecure one. *Fills* means the guard fills an absent field from "
        "the policy before judging.",
        "",
        "| ID | Name | Severity | Seed method | Operations | Fills | Security Hub | AWS Config "
        "| Prowler | Checkov | IAM key |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rules:
        seeds = ", ".join(f"{n} {_SEEDS[n]}" for n in r.seed)
        ops = len(r.operations)
        out.append(
            f"| [{r.id}](#{r.id.lower()}) | `{r.name}` | {r.severity} | {seeds} | {ops} "
            f"| {'yes' if r.default else 'no'} | "
            + " | ".join(_cell(_refs(r, key)) for key, _ in _SOURCES)
            + " |"
        )
    for r in rules:
        out += ["", f"## {r.id}", "", f"**{r.title}** — `{r.name}`, severity {r.severity}.", ""]
        out.append(f"*Why:* {r.rationale}")
        out += ["", f"*Fix:* {r.remediation}", "", "*Judges:*", ""]
        for op, paths in sorted(r.fields.items()):
            shown = ", ".join(f"`{display_path(p)}`" for p in paths) or "each step's request"
            service = "" if r.service in ("sagemaker", "*") else f"{r.service} "
            out.append(f"- {service}`{op}`: {shown}")
        covered = [
            f"{label} {', '.join(_refs(r, key))}" for key, label in _SOURCES if _refs(r, key)
        ]
        seeds = ", ".join(f"{n} ({_SEEDS[n]})" for n in r.seed)
        out += ["", f"*Covers:* {'; '.join(covered) or 'no external control (client-side only)'}."]
        out.append(f"*Seed method:* {seeds}.")
    return "\n".join(out) + "\n"
