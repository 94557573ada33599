"""Render the catalog as ``docs/controls.md`` (generated; a test fails when stale)."""

from __future__ import annotations

from collections.abc import Iterable

from secure_sagemaker._operations import Registry
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


def render_controls_markdown(rules: Iterable[Rule], registry: Registry | None = None) -> str:
    """The whole controls reference page as Markdown; with ``registry``, it ends with
    the section "Operations judged" (each judged operation and the rules judging it)."""
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
        if not r.fields:
            out.append(
                "- every operation of a watched service, from the operation registry "
                "(see [the guard](guard.md))"
            )
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
    if registry is not None:
        out += _operations_judged(rules, registry)
    return "\n".join(out) + "\n"


def _operations_judged(rules: list[Rule], registry: Registry) -> list[str]:
    """Per watched service, every operation the guard judges and the rules that do."""
    out = [
        "",
        "## Operations judged",
        "",
        "Generated from the operation registry. Each operation below is judged by the "
        "rules named (the region rule SM701 judges them all and is not repeated); "
        "[Operations the guard watches](operations.md) lists the allowed and read-only "
        "ones too, and what is refused as unknown.",
    ]
    for service in sorted(registry.services):
        judged = sorted(registry.judged.get(service, ()))
        if not judged:
            continue
        out += ["", f"### {service} ({len(judged)} judged)", "", "| Operation | Rules |"]
        out.append("|---|---|")
        for op in judged:
            ids = [
                r.id for r in rules if op in r.fields and r.service == service and r.id != "SM701"
            ]
            if op in ("CreatePipeline", "UpdatePipeline") and service == "sagemaker":
                ids.append("each step's rules")
            out.append(f"| `{op}` | {', '.join(ids) or '-'} |")
    return out


_STANCES = {
    "refuse": "every unclassified mutating operation is refused (SM000)",
    "protected": "unclassified mutating operations are refused (SM000) on {scope}, "
    "logged (SM001) elsewhere",
    "log": 'unclassified mutating operations are logged (SM001); `block_at = "low"` refuses them',
}


def render_operations_markdown(registry: Registry) -> str:
    """``docs/operations.md``: per watched service, the stance and every judged,
    allowed (with its reason) and unknown operation.  Read-only operations are
    counted by rule (name prefix), not listed."""
    out = [
        "# Operations the guard watches",
        "",
        "<!-- Generated from secure_sagemaker/controls/operations by `secure-sagemaker "
        "operations --format markdown`. Do not edit by hand: tests/test_docs.py fails "
        "when it is stale. -->",
        "",
        "Every operation of a watched service is *read* (cannot change anything: "
        "`Describe*`, `List*`, `Get*` ...), *judged* (rules name it), *allowed* "
        "(mutating but harmless for security, with the reason) or *unknown*. "
        "An operation a newer botocore adds is unknown until classified. "
        "Allow one explicitly with `allow-operations` in the policy.",
        "",
    ]
    for name in sorted(registry.services):
        entry = registry.services[name]
        judged = sorted(registry.judged.get(name, ()))
        out += [f"## {name}", "", "*Stance:* " + _STANCES[entry.stance].format(scope=entry.scope)]
        out += ["", f"*Judged ({len(judged)}):* " + (", ".join(f"`{o}`" for o in judged) or "-")]
        out += ["", f"*Allowed ({len(entry.allowed)}):*", ""]
        by_reason: dict[str, list[str]] = {}
        for op, reason in sorted(entry.allowed.items()):
            by_reason.setdefault(reason, []).append(op)
        for reason, ops in sorted(by_reason.items()):
            out.append(f"- {reason}: " + ", ".join(f"`{o}`" for o in ops))
        unknown = sorted(entry.unknown)
        out += ["", f"*Unknown ({len(unknown)}):* " + (", ".join(f"`{o}`" for o in unknown) or "-")]
        out.append("")
    return "\n".join(out)
