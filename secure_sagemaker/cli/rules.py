"""``rules``, ``explain``, ``check`` and ``operations``: the catalog, one rule, a saved
request, the operation registry."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import secure_sagemaker
from secure_sagemaker.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    add_fail_on_option,
    add_format_option,
    add_policy_option,
    load_policy,
)
from secure_sagemaker.cli._docs import render_controls_markdown, render_operations_markdown
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import UnknownOperationError
from secure_sagemaker.rules import Finding, Severity, display_path

__all__ = ["definition_site", "register"]


def register(sub: Subcommands) -> None:
    """Add ``rules``, ``explain`` and ``check``."""
    p = sub.add_parser("rules", help="list every rule in the catalog")
    add_format_option(p, ("text", "markdown", "json"))
    p.set_defaults(func=_cmd_rules)

    p = sub.add_parser("explain", help="what a rule checks, why, and how to fix it")
    p.add_argument("rule_id", metavar="RULE_ID")
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("check", help="judge a saved request or pipeline definition (JSON)")
    p.add_argument("file")
    p.add_argument("--operation", required=True, help="API operation, e.g. CreateTrainingJob")
    p.add_argument("--service", help="botocore service name (default: the first that has it)")
    add_policy_option(p)
    add_format_option(p, ("text", "json"))
    add_fail_on_option(p, "low")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("operations", help="how the guard classifies every operation")
    p.add_argument("--service", help="one botocore service name (default: every watched one)")
    add_format_option(p, ("text", "markdown"))
    p.set_defaults(func=_cmd_operations)


def _cmd_rules(args: argparse.Namespace) -> int:
    rules = CATALOG
    if args.format == "markdown":
        sys.stdout.write(render_controls_markdown(rules))
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
        for r in rules:
            print(f"{r.id}  {r.severity!s:<8}  {r.name:<40}  {r.title}")
        print(f"\n{len(rules)} rules. `secure-sagemaker explain SM101` for details.")
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


def _cmd_explain(args: argparse.Namespace) -> int:
    try:
        r = CATALOG.rule(args.rule_id)
    except KeyError:
        print(
            f"error: unknown rule {args.rule_id!r}; see `secure-sagemaker rules`", file=sys.stderr
        )
        return EXIT_USAGE
    print(f"{r.id} {r.name} [{r.severity}]\n{r.title}\n")
    print(f"Why: {r.rationale}\n\nFix: {r.remediation}\n\nJudges:")
    for op, paths in sorted(r.fields.items()):
        print(f"  {op}: {', '.join(display_path(p) for p in paths) or 'each pipeline step'}")
    print(f"\nReferences: {', '.join(r.references)}")
    path, line = definition_site(r.id)
    print(f"\ndefined in {path.as_posix()}:{line}")
    return EXIT_OK


def _print_findings(findings: Sequence[Finding], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2))
        return
    for f in findings:
        mark = {"pass": "ok  ", "fail": "FAIL", "waived": "waiv", "error": "ERR "}[f.status]
        print(f"{mark} {f.rule_id} [{f.severity}] {f.field}")
        if f.status != "pass":
            print(f"       {f.message}\n       fix: {f.remediation}")


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"error: cannot read {args.file} as JSON ({type(err).__name__})", file=sys.stderr)
        return EXIT_USAGE
    policy = load_policy(args.policy)
    operation = args.operation
    if operation in ("CreatePipeline", "UpdatePipeline") and "Steps" in data:
        data = {"PipelineDefinition": json.dumps(data)}  # a bare pipeline definition file
    try:
        service = REGISTRY.resolve(operation, args.service)
        findings = evaluate(operation, data, policy, service=args.service)
    except UnknownOperationError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not findings:
        kind = REGISTRY.classify(service, operation, policy)
        why = REGISTRY.reason(service, operation) or policy.allow_operations.get(
            f"{service}:{operation}", "cannot change anything"
        )
        print(f"{service}:{operation} is {kind} ({why}): no rule judges it")
        return EXIT_OK
    _print_findings(findings, args.format)
    threshold = Severity.parse(args.fail_on)
    failed = [f for f in findings if f.status == "fail" and f.severity >= threshold]
    return EXIT_FINDINGS if failed else EXIT_OK


def _cmd_operations(args: argparse.Namespace) -> int:
    if args.service is not None and args.service not in REGISTRY:
        print(
            f"error: {args.service!r} is not a watched service "
            f"({', '.join(sorted(REGISTRY.services))})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.format == "markdown":
        sys.stdout.write(render_operations_markdown(REGISTRY))
        return EXIT_OK
    for name in sorted(REGISTRY.services):
        if args.service not in (None, name):
            continue
        entry = REGISTRY.services[name]
        print(f"{name} (stance: {entry.stance})")
        for op in sorted(REGISTRY.judged.get(name, ())):
            print(f"  judged   {op}")
        for op, reason in sorted(entry.allowed.items()):
            print(f"  allowed  {op}: {reason}")
        for op in sorted(entry.unknown):
            print(f"  unknown  {op}")
    return EXIT_OK
