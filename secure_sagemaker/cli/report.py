"""``report merge``: join the reports of audit shards (``--shard K/N``) into one.

Inputs are the JSON Lines or JSON reports ``secure-sagemaker audit`` writes; the
merged report has every shard's findings and the counts summed, in any format,
and the same exit code an unsharded audit would have had.
"""

from __future__ import annotations

import argparse
import io
import sys

from secure_sagemaker.audit._render import FORMATS, not_assessed_summary, render
from secure_sagemaker.audit._stream import JsonLinesWriter, merge, read_report
from secure_sagemaker.cli._common import (
    Subcommands,
    add_fail_on_option,
    add_format_option,
    add_output_option,
    command,
)
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._files import write_output
from secure_sagemaker.cli.audit import audit_exit_code
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["register", "run_merge"]


def register(sub: Subcommands) -> None:
    """Add ``report merge``."""
    p = command(
        sub,
        "report",
        "work with audit reports",
        "`report merge` joins the reports of audit shards (--shard K/N) into one.",
    )
    report_sub = p.add_subparsers(dest="report_command", required=True, metavar="COMMAND")
    p = command(
        report_sub,
        "merge",
        "join audit shard reports (JSON Lines or JSON) into one report",
        "Findings are joined and counts summed; the exit code is the one the unsharded "
        "audit would have had.",
        findings="a failure at or above --fail-on, or something could not be assessed "
        "(see --allow-errors)",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="reports written by `audit`")
    add_format_option(p, (*FORMATS, "jsonl"))
    add_output_option(p, "write the merged report here (default stdout)", metavar="FILE")
    add_fail_on_option(
        p, "high", help="exit 1 when a failure at or above this severity is found (default high)"
    )
    p.add_argument(
        "--allow-errors",
        action="store_true",
        help="do not exit 1 because some resources or rules could not be assessed",
    )
    p.set_defaults(func=run_merge)


def run_merge(args: argparse.Namespace) -> int:
    """Run ``report merge``: :func:`~secure_sagemaker.cli.audit.audit_exit_code` of
    the merged report, or exit 2 with one line when a file is missing or is not an
    audit report."""
    try:
        report = merge(read_report(path) for path in args.files)
    except OSError as err:
        return fail(f"cannot read {err.filename}: {err.strerror}")
    except InvalidArgumentError as err:
        return fail(str(err))
    if args.format == "jsonl":
        out = io.StringIO()
        writer = JsonLinesWriter(out)
        for finding in report.findings:
            writer(finding)
        writer.close(report)
        text = out.getvalue()
    else:
        text = render(report, args.format, fail_on=args.fail_on)
    write_output(text, args.output)
    unassessed = not_assessed_summary(report)
    if unassessed and not args.allow_errors:
        print(f"secure-sagemaker: merged report incomplete - {unassessed}", file=sys.stderr)
    return audit_exit_code(report, args.fail_on, allow_errors=args.allow_errors)
