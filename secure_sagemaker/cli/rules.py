"""``rules``, ``explain``, ``check`` and ``operations``: the catalog, one rule, a saved
request, the operation registry."""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import secure_sagemaker
from secure_sagemaker.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Subcommands,
    add_fail_on_option,
    add_format_option,
    add_policy_option,
    command,
    load_policy,
)
from secure_sagemaker.cli._docs import (
    _SEEDS,
    _SOURCES,
    render_controls_markdown,
    render_operations_markdown,
)
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._term import emit, middle
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import UnknownOperationError
from secure_sagemaker.rules import Finding, Rule, Severity, display_path

__all__ = ["definition_site", "readable_references", "register"]


def register(sub: Subcommands) -> None:
    """Add ``rules``, ``explain``, ``check`` and ``operations``."""
    p = command(sub, "rules", "list every rule in the catalog", "ID, severity, name and title.")
    add_format_option(p, ("text", "markdown", "json"))
    p.set_defaults(func=_cmd_rules)

    p = command(
        sub,
        "explain",
        "what a rule checks, why, and how to fix it",
        "RULE is an ID (SM202) or a name (job-network-isolation), as `rules` lists them.",
    )
    p.add_argument("rule_id", metavar="RULE", help="rule ID or name")
    p.set_defaults(func=_cmd_explain)

    p = command(
        sub,
        "check",
        "judge a saved request or pipeline definition (JSON)",
        "FILE holds one request's parameters as a JSON object, as boto3 would send "
        "them for --operation; a pipeline definition (with Steps) goes with "
        "--operation CreatePipeline. Nothing is sent to AWS.",
        findings="a rule at or above --fail-on fails",
    )
    p.add_argument("file", metavar="FILE", help="the request (JSON object)")
    p.add_argument("--operation", required=True, help="API operation, e.g. CreateTrainingJob")
    p.add_argument("--service", help="botocore service name (default: the first that has it)")
    add_policy_option(p)
    add_format_option(p, ("text", "json"))
    add_fail_on_option(p, "low", help="exit 1 when a failure at or above this severity is found")
    p.set_defaults(func=_cmd_check)

    p = command(
        sub,
        "operations",
        "how the guard classifies every operation",
        "Judged (rules name it), allowed (with the reason) or unknown (refused or logged, "
        "per the service's stance).",
    )
    p.add_argument("--service", help="one botocore service name (default: every watched one)")
    add_format_option(p, ("text", "markdown"))
    p.set_defaults(func=_cmd_operations)


def _cmd_rules(args: argparse.Namespace) -> int:
    rules = CATALOG
    if args.format == "markdown":
        sys.stdout.write(render_controls_markdown(rules, REGISTRY))
    elif args.format == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "title": r.title,
                "severity": str(r.severity),
                "operations": sorted(r.operations),
                "references": list(r.references),
            }
            for r in rules
        ]
        print(json.dumps(data, indent=2))
    else:
        lines = []
        for r in rules:
            lines += [f"{r.id}  {r.severity!s:<8}  {r.name}", f"       {r.title}"]
        lines.append(f"\n{len(rules)} rules. `secure-sagemaker explain SM101` for details.")
        emit("\n".join(lines))
    return EXIT_OK


def definition_site(rule_id: str) -> tuple[Path, int]:
    """The file that defines the rule and the line of its ``id="SMnnn"``.

    The path is relative to the directory holding the ``secure_sagemaker`` package.

    >>> definition_site("SM202")[0].as_posix()
    'secure_sagemaker/controls/sm2_jobs.py'
    """
    spec = importlib.util.find_spec(CATALOG.origins[rule_id])
    if spec is None or spec.origin is None:  # pragma: no cover - the catalog imported it
        raise LookupError(f"no source file for rule {rule_id}")
    source = Path(spec.origin).resolve()
    needle = f'id="{rule_id}"'
    lines = source.read_text(encoding="utf-8").splitlines()
    line = next((n for n, text in enumerate(lines, 1) if needle in text), 0)
    root = Path(secure_sagemaker.__file__).resolve().parent.parent
    return source.relative_to(root), line


def _find_rule(text: str) -> Rule | None:
    """The rule whose ID or name is ``text`` (any case), else ``None``."""
    try:
        return CATALOG.rule(text)
    except KeyError:
        return next((r for r in CATALOG if r.name == text.strip().lower()), None)


def readable_references(rule: Rule) -> list[str]:
    """``rule.references`` in words: ``"Seed:1"`` becomes ``"Seed method: 1 network
    isolation"``, ``"SecurityHub:SageMaker.1"`` ``"Security Hub: SageMaker.1"``."""
    labels = dict(_SOURCES)
    out = []
    for ref in rule.references:
        source, _, what = ref.partition(":")
        if source == "Seed" and what.isdigit() and int(what) in _SEEDS:
            out.append(f"Seed method: {what} {_SEEDS[int(what)]}")
        else:
            out.append(f"{labels.get(source, source)}: {what}")
    return out


def _cmd_explain(args: argparse.Namespace) -> int:
    r = _find_rule(args.rule_id)
    if r is None:
        names = [x.name for x in CATALOG] + [x.id for x in CATALOG]
        close = difflib.get_close_matches(args.rule_id.strip().lower(), names, n=1)
        hint = f"Did you mean {close[0]}? " if close else ""
        return fail(f"unknown rule {args.rule_id!r}. {hint}`secure-sagemaker rules` lists them")
    lines = [f"{r.id} {r.name} [{r.severity}]", r.title, "", f"Why: {r.rationale}", ""]
    lines += [f"Fix: {r.remediation}", "", "Judges:"]
    for op, paths in sorted(r.fields.items()):
        shown = ", ".join(display_path(p) for p in paths) or "each pipeline step"
        lines.append(f"  {op}: {shown}")
    if not r.fields:
        lines.append("  every operation of a watched service")
    lines += ["", "References:", *(f"  {ref}" for ref in readable_references(r))]
    path, line = definition_site(r.id)
    lines += ["", f"defined in {path.as_posix()}:{line}"]
    emit("\n".join(lines))
    return EXIT_OK


def _print_findings(findings: Sequence[Finding], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2))
        return
    lines = []
    for f in findings:
        mark = {"pass": "ok  ", "fail": "FAIL", "waived": "waiv", "error": "ERR "}[f.status]
        lines.append(f"{mark} {f.rule_id} [{f.severity}] {f.field}")
        if f.status != "pass":
            lines += [f"       {f.message}", f"       fix: {f.remediation}"]
    emit("\n".join(lines))


def _request(args: argparse.Namespace) -> dict[str, Any] | str:
    """The request in ``args.file`` for ``args.operation``, or why it cannot be one."""
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return f"cannot read {args.file} as JSON ({type(err).__name__}). Check the path"
    pipeline_op = args.operation in ("CreatePipeline", "UpdatePipeline")
    if not isinstance(data, dict):
        kind = "an array" if isinstance(data, list) else "not an object"
        return (
            f"{args.file} holds {kind}, not one request. Save one request's parameters "
            "as a JSON object per file"
        )
    if "Steps" in data and not pipeline_op and "PipelineDefinition" not in data:
        return (
            f"{args.file} is a pipeline definition (it has Steps), not a "
            f"{args.operation} request. Pass --operation CreatePipeline"
        )
    if pipeline_op and "Steps" in data:
        return {"PipelineDefinition": json.dumps(data)}  # a bare pipeline definition file
    return data


def _unknown_keys(service: str, operation: str, data: dict[str, Any]) -> list[str]:
    """Top-level keys of ``data`` that are not parameters of the operation (botocore
    would refuse them); only for operations rules judge."""
    if operation not in REGISTRY.judged.get(service, ()):
        return []
    from secure_sagemaker._aws.loader import botocore_session  # only `check` needs it

    model = botocore_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    members = set(shape.members) if shape is not None else set()
    return sorted(k for k in data if k not in members)


def _cmd_check(args: argparse.Namespace) -> int:
    data = _request(args)
    if isinstance(data, str):
        return fail(data)
    policy = load_policy(args.policy)
    operation = args.operation
    try:
        service = REGISTRY.resolve(operation, args.service)
        unknown = _unknown_keys(service, operation, data)
        if unknown:
            shown = ", ".join(middle(k, 40) for k in unknown[:3])
            more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
            return fail(
                f"{args.file} has keys that are not {operation} parameters ({shown}{more}). "
                "Check --operation, or save the request's parameters as boto3 sends them"
            )
        findings = evaluate(operation, data, policy, service=args.service)
    except UnknownOperationError as err:
        return fail(str(err))
    if not findings:
        kind = REGISTRY.classify(service, operation, policy)
        why = REGISTRY.reason(service, operation) or policy.allow_operations.get(
            f"{service}:{operation}", "cannot change anything"
        )
        emit(f"{service}:{operation} is {kind} ({why}): no rule judges it")
        return EXIT_OK
    _print_findings(findings, args.format)
    threshold = Severity.parse(args.fail_on)
    failed = [f for f in findings if f.status == "fail" and f.severity >= threshold]
    return EXIT_FINDINGS if failed else EXIT_OK


def _cmd_operations(args: argparse.Namespace) -> int:
    if args.service is not None and args.service not in REGISTRY:
        return fail(
            f"{args.service!r} is not a watched service. Choose one of "
            f"{', '.join(sorted(REGISTRY.services))}"
        )
    if args.format == "markdown":
        sys.stdout.write(render_operations_markdown(REGISTRY))
        return EXIT_OK
    lines = []
    for name in sorted(REGISTRY.services):
        if args.service not in (None, name):
            continue
        entry = REGISTRY.services[name]
        lines.append(f"{name} (stance: {entry.stance})")
        lines += [f"  judged   {op}" for op in sorted(REGISTRY.judged.get(name, ()))]
        lines += [f"  allowed  {op}: {why}" for op, why in sorted(entry.allowed.items())]
        lines += [f"  unknown  {op}" for op in sorted(entry.unknown)]
    emit("\n".join(lines))
    return EXIT_OK
