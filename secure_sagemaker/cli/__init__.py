"""``secure-sagemaker`` command line: rules, explain, check (and more as they land)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from secure_sagemaker.controls import CATALOG
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import PolicyError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding, Severity, display_path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

Command = Callable[[argparse.Namespace], int]


def _cmd_rules(args: argparse.Namespace) -> int:
    rules = CATALOG
    if args.format == "markdown":
        from secure_sagemaker.cli._docs import render_controls_markdown

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
    return EXIT_OK


def _load_policy(path: str | None) -> SecurityPolicy:
    return SecurityPolicy.from_file(path) if path else SecurityPolicy.load()


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
    policy = _load_policy(args.policy)
    operation = args.operation
    if operation in ("CreatePipeline", "UpdatePipeline") and "Steps" in data:
        data = {"PipelineDefinition": json.dumps(data)}  # a bare pipeline definition file
    findings = evaluate(operation, data, policy)
    if not findings:
        print(f"error: no rule judges {operation!r}", file=sys.stderr)
        return EXIT_USAGE
    _print_findings(findings, args.format)
    threshold = Severity.parse(args.fail_on)
    failed = [f for f in findings if f.status == "fail" and f.severity >= threshold]
    return EXIT_FAIL if failed else EXIT_OK


def _cmd_sagemaker_config(args: argparse.Namespace) -> int:
    from secure_sagemaker.sdkconfig import render_sagemaker_config, write_sagemaker_config

    policy = _load_policy(args.policy)
    if args.output == "-":
        sys.stdout.write(render_sagemaker_config(policy))
    else:
        path = write_sagemaker_config(policy, args.output)
        print(f"wrote {path} (SageMaker SDK defaults from the policy; telemetry opted out)")
    return EXIT_OK


def _cmd_guardrails(args: argparse.Namespace) -> int:
    from secure_sagemaker.iam import guardrails_json

    print(guardrails_json(_load_policy(args.policy), args.form))
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from secure_sagemaker.demo import main as demo

    return demo(endpoint_url=args.endpoint_url, keep=args.keep)


def _cmd_policy_init(args: argparse.Namespace) -> int:
    import boto3

    from secure_sagemaker.policy_init import discover, render_policy_toml

    target = Path(args.output)
    if target.exists() and not args.force and args.output != "-":
        print(f"error: {target} exists; pass --force to overwrite", file=sys.stderr)
        return EXIT_USAGE
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    text = render_policy_toml(discover(session, endpoint_url=args.endpoint_url))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}: review it, then commit it")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secure-sagemaker", description="Amazon SageMaker, secure by default."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="the whole secure workflow on an embedded AWS emulator")
    p.add_argument("--endpoint-url", help="run against another emulator instead")
    p.add_argument("--keep", action="store_true", help="leave the emulator running")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("rules", help="list every rule in the catalog")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=_cmd_rules)

    p = sub.add_parser("explain", help="what a rule checks, why, and how to fix it")
    p.add_argument("rule_id", metavar="RULE_ID")
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("check", help="judge a saved request or pipeline definition (JSON)")
    p.add_argument("file")
    p.add_argument("--operation", required=True, help="API operation, e.g. CreateTrainingJob")
    p.add_argument("--policy", help="policy TOML file (default: SecurityPolicy.load())")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--fail-on", choices=("low", "medium", "high", "critical"), default="low")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "sagemaker-config", help="write the SageMaker SDK's config.yaml from the policy"
    )
    p.add_argument("--policy", help="policy TOML file (default: SecurityPolicy.load())")
    p.add_argument("--output", help="path, or - for stdout (default: the SDK's user config path)")
    p.set_defaults(func=_cmd_sagemaker_config)

    p = sub.add_parser("policy", help="policy tooling")
    policy_sub = p.add_subparsers(dest="policy_command", required=True)
    p = policy_sub.add_parser("init", help="discover a starting secure-sagemaker.toml")
    p.add_argument("--output", default="secure-sagemaker.toml", help="path, or - for stdout")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--region")
    p.add_argument("--profile")
    p.add_argument("--endpoint-url")
    p.set_defaults(func=_cmd_policy_init)

    p = sub.add_parser("guardrails", help="IAM/SCP deny statements that mirror the rules")
    p.add_argument("--form", choices=("scp", "iam"), default="scp")
    p.add_argument("--policy", help="policy TOML file (default: SecurityPolicy.load())")
    p.set_defaults(func=_cmd_guardrails)

    from secure_sagemaker.audit._audit import add_audit_arguments, run_audit_command

    p = sub.add_parser("audit", help="judge an existing account with the same rules")
    add_audit_arguments(p)
    p.set_defaults(func=run_audit_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings, 2 usage/credentials)."""
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
