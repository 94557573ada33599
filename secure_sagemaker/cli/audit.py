"""``audit``: judge an existing account with the same rules, report, set the exit code.

It fails closed: exit 2 when nothing could be assessed, exit 1 when a resource or
rule could not be (unless ``--allow-errors``) or something fails at or above
``--fail-on``, exit 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from secure_sagemaker.audit import SERVICES, AuditReport
from secure_sagemaker.audit._audit import DEFAULT_SINCE_DAYS, DEFAULT_WORKERS
from secure_sagemaker.audit._fetch import reason
from secure_sagemaker.audit._render import FORMATS, not_assessed_summary, render
from secure_sagemaker.cli._common import (
    EXIT_OK,
    Subcommands,
    add_fail_on_option,
    add_format_option,
    add_output_option,
    add_policy_option,
    check_cli_region,
    command,
    load_policy,
)
from secure_sagemaker.cli._errors import describe, fail
from secure_sagemaker.cli._files import write_output
from secure_sagemaker.cli._scale import add_scale_arguments, produce
from secure_sagemaker.cli._term import colour_enabled, fit
from secure_sagemaker.exceptions import AuditError, InvalidArgumentError, PolicyError

__all__ = ["add_audit_arguments", "audit_exit_code", "register", "run_audit_command"]


def register(sub: Subcommands) -> None:
    """Add ``audit``."""
    p = command(
        sub,
        "audit",
        "judge an existing account with the same rules",
        "Read-only calls list the SageMaker resources (and their buckets, keys, "
        "secrets, networks) of each region and judge them as the guard would judge "
        "the requests that created them.\n\n"
        "`secure-sagemaker audit template` writes the CloudFormation templates that run "
        "it across an AWS Organization with Step Functions, one --shard per task "
        "(`audit template --help`).",
        findings="a failure at or above --fail-on, or something could not be assessed "
        "(see --allow-errors)",
    )
    add_audit_arguments(p)
    p.set_defaults(func=run_audit_command)


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``secure-sagemaker audit`` options to ``parser``."""
    parser.add_argument(
        "--region",
        action="append",
        dest="regions",
        metavar="R",
        help="region to audit (repeatable, comma-separated, or 'all'); "
        "default: the profile's region; checked against botocore's region list",
    )
    parser.add_argument("--regions", action="append", dest="regions", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint-url", help="send every AWS call to this URL (emulators)")
    parser.add_argument("--profile", help="AWS profile name")
    parser.add_argument(
        "--since-days",
        type=int,
        default=DEFAULT_SINCE_DAYS,
        metavar="N",
        help="audit jobs created in the last N days (default 30; 0 = all)",
    )
    add_format_option(parser, (*FORMATS, "jsonl"))
    add_output_option(parser, "write the report here (default stdout)", metavar="FILE")
    add_fail_on_option(
        parser,
        "high",
        help="exit 1 when a failure at or above this severity is found (default high)",
    )
    parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="do not exit 1 because some resources or rules could not be assessed "
        "(an audit that could assess nothing still exits 2)",
    )
    add_policy_option(parser)
    parser.add_argument("--services", help=f"comma-separated subset of {','.join(SERVICES)}")
    parser.add_argument(
        "--all-buckets",
        action="store_true",
        help="audit every bucket, not only SageMaker and policy artifact buckets",
    )
    parser.add_argument("--accounts", help="comma-separated account IDs, or 'organization'")
    parser.add_argument(
        "--role-arn-template",
        metavar="ARN",
        help="role to assume per account, e.g. arn:aws:iam::{account}:role/Auditor",
    )
    parser.add_argument(
        "--max-workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"concurrent AWS calls (default {DEFAULT_WORKERS})",
    )
    add_scale_arguments(parser)
    parser.add_argument(
        "--to-security-hub",
        action="store_true",
        help="also import every finding into Security Hub (ASFF, BatchImportFindings) "
        "in the profile's region; one summary line on stderr, exit 2 if any is not imported",
    )


class _Progress:
    """``listed N  assessed M`` on one self-overwriting stderr line, TTY only."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.enabled = stream.isatty()

    def __call__(self, listed: int, assessed: int) -> None:
        if self.enabled:
            width = 30
            done = width * assessed // listed if listed else 0
            bar = "#" * done + "-" * (width - done)
            self._stream.write(f"\raudit [{bar}] listed {listed}  assessed {assessed}")
            self._stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._stream.write("\n")
            self._stream.flush()


def audit_exit_code(report: AuditReport, fail_on: str, *, allow_errors: bool = False) -> int:
    """:data:`EXIT_USAGE` when nothing could be assessed; :data:`EXIT_FINDINGS` when
    something fails at or above ``fail_on``, or when a resource or rule could not
    be assessed and not ``allow_errors``; else :data:`EXIT_OK`
    (:meth:`AuditReport.exit_code`)."""
    return report.exit_code(fail_on, allow_errors=allow_errors)


#: What to do about the most frequent cause of ``error`` verdicts (first match wins).
_FIXES = (
    (
        "role not assumed",
        "check --role-arn-template and that each role trusts the calling identity",
    ),
    (
        "access denied",
        "give the audit identity read access (the AWS managed policies SecurityAudit "
        "and AmazonSageMakerReadOnly cover it) or choose another --profile",
    ),
    (
        "credentials rejected",
        "refresh or replace the credentials (--profile, AWS_PROFILE or the environment)",
    ),
    ("no AWS credentials", "configure credentials (--profile, AWS_PROFILE or the environment)"),
    (
        "could not reach",
        "check the region names, --endpoint-url and the network or proxy settings",
    ),
    ("throttled", "run again later or with a lower --max-workers"),
    ("service error", "run again later"),
)


def _fix_text(
    cause: str, default: str = "run with --format json to see each resource's cause"
) -> str:
    for needle, fix in _FIXES:
        if needle in cause:
            return fix
    return default


def _fix(report: AuditReport) -> str:
    return _fix_text(next(iter(report.not_assessed()), ""))


def run_audit_command(args: argparse.Namespace) -> int:
    """Run ``secure-sagemaker audit``; the exit code is :func:`audit_exit_code`'s,
    or :data:`EXIT_USAGE` on a usage or credential error or an unknown region (one
    line on stderr, before any AWS call)."""
    try:
        import boto3  # here, not at the top, to keep `secure-sagemaker --help` fast

        policy = load_policy(args.policy)
        regions: Sequence[str] | str | None = None
        if args.regions:
            flat = [r.strip() for raw in args.regions for r in raw.split(",") if r.strip()]
            regions = "all" if "all" in flat else [check_cli_region(r, "--region") for r in flat]
        services = args.services.split(",") if args.services else None
        progress = _Progress(sys.stderr)
        session = boto3.Session(profile_name=args.profile, region_name=None)
        if regions is None and session.region_name is None:
            return fail(
                "no region to audit. Pass --region R (repeatable, or 'all'), "
                "or set AWS_DEFAULT_REGION or the profile's region"
            )
        try:
            report, written = produce(
                args,
                session,
                progress,
                policy=policy,
                regions=regions,
                services=services,
                all_buckets=args.all_buckets,
                since_days=args.since_days or None,
                max_workers=args.max_workers,
            )
        finally:
            progress.close()
    except (InvalidArgumentError, PolicyError) as err:
        return fail(str(err))
    except AuditError as err:  # a usage error says its own fix; an AWS one gets one
        fix = _fix_text(str(err), default="")
        return fail(f"{err}; fix: {fix}" if fix else str(err))
    except Exception as err:  # profile not found, no credentials, bad endpoint URL
        if getattr(args, "debug", False):
            raise
        return fail(f"cannot start the audit: {describe(err) or reason(err)}")
    if not written:  # JSON Lines, JSON and SARIF were written as the findings came
        colour = args.output is None and colour_enabled(sys.stdout)
        text = render(report, args.format, fail_on=args.fail_on, colour=colour)
        if args.format == "text":
            text = fit(text.rstrip("\n")) + "\n"
        write_output(text, args.output)
    unassessed = not_assessed_summary(report)
    if report.nothing_assessed:
        regions = report.regions
        where = f" in {', '.join(regions)}" if 0 < len(regions) <= 3 else ""
        fail(f"nothing could be assessed{where} - {unassessed}; fix: {_fix(report)}")
    elif unassessed and not args.allow_errors:
        fail(
            f"incomplete audit - {unassessed}; fix: {_fix(report)} "
            "(--allow-errors accepts an incomplete audit)"
        )
    code = audit_exit_code(report, args.fail_on, allow_errors=args.allow_errors)
    if getattr(args, "to_security_hub", False):
        return _to_security_hub(session, report, args.endpoint_url) or code
    return code


def _to_security_hub(session: Any, report: AuditReport, endpoint_url: str | None) -> int:
    """Import the report's findings (one per rule and resource) into Security Hub in
    the session's region (else the first audited one) as the calling account; one
    summary line on stderr.  :data:`EXIT_USAGE` when any finding is not imported."""
    from secure_sagemaker.audit._asff import import_findings, merge, to_asff

    region = session.region_name or (report.regions[0] if report.regions else None)
    if region is None:
        return fail("--to-security-hub: no region; set AWS_DEFAULT_REGION or the profile's")
    try:
        sts = session.client("sts", region_name=region, endpoint_url=endpoint_url)
        account = str(sts.get_caller_identity()["Account"])
        hub = session.client("securityhub", region_name=region, endpoint_url=endpoint_url)
    except Exception as err:
        return fail(f"--to-security-hub: {describe(err) or reason(err)}")
    found = [to_asff(f, account=account, region=region) for f in merge(report.findings)]
    result = import_findings(hub, found)
    if not result.ok:
        return fail(
            f"security hub: {result.failed} of {len(found)} finding(s) not imported into "
            f"{region} ({', '.join(result.errors)}); fix: enable Security Hub there and "
            "allow securityhub:BatchImportFindings"
        )
    print(f"security hub: imported {result.success} finding(s) into {region}", file=sys.stderr)
    return EXIT_OK
