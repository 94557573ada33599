"""``audit template``: the CloudFormation templates of the distributed audit.

``audit`` itself is one command with options only, so ``secure-sagemaker audit
template ...`` is routed here by :func:`secure_sagemaker.cli.main` before the main
parser sees it (``audit --region ...`` keeps working as before).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from secure_sagemaker.cli._common import EXIT_OK, command
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._files import write_output
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["build_parser", "is_audit_template", "run_template"]


def is_audit_template(argv: Sequence[str]) -> bool:
    """Whether ``argv`` (without the program name) is ``audit template ...``."""
    return len(argv) >= 2 and argv[0] == "audit" and argv[1] == "template"


def build_parser() -> argparse.ArgumentParser:
    """The ``secure-sagemaker audit template`` parser (``argv[1:]`` of it)."""
    parser = argparse.ArgumentParser(prog="secure-sagemaker audit")
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    p = command(
        sub,
        "template",
        "write the CloudFormation templates of the distributed organisation audit",
        "The audit stack: a Step Functions Distributed Map running one Lambda task "
        "(secure_sagemaker.audit.task_handler, code from the CodeBucket/CodeKey "
        "parameters, the policy bundled as secure-sagemaker.toml) per shard of the "
        "organisation's accounts, then merging the shards into "
        "runs/EXECUTION/report.{json,sarif,jsonl,asff.json} in a KMS-encrypted, "
        "versioned bucket; an optional schedule starts it.  --member writes the "
        "StackSet of every member account instead: the read-only auditor role, "
        "assumable only by the audit task.  No account or region literal.",
    )
    p.add_argument(
        "--member",
        action="store_true",
        help="the member accounts' StackSet (the read-only auditor role) instead",
    )
    p.add_argument(
        "--shards",
        type=int,
        default=8,
        metavar="N",
        help="default of the Shards parameter (default 8): tasks the accounts are split into",
    )
    p.add_argument(
        "--buckets",
        default="sagemaker-*",
        metavar="PATTERN,...",
        help="with --member: bucket name patterns whose settings the auditor reads "
        "(default sagemaker-*; others are reported as not assessed)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")
    p.set_defaults(func=run_template)
    return parser


def run_template(args: argparse.Namespace) -> int:
    """Write the template; exit 2 with one line for a bad ``--shards`` or pattern."""
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    from secure_sagemaker.deploy import audit_template, member_template
    from secure_sagemaker.deploy._cfn import to_text

    try:
        if args.member:
            buckets = [b.strip() for b in args.buckets.split(",") if b.strip()]
            template = member_template(buckets)
        else:
            template = audit_template(shards=args.shards)
    except InvalidArgumentError as err:
        return fail(str(err))
    write_output(to_text(template), args.output)
    return EXIT_OK
