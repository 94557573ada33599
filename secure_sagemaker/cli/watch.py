"""``watch template``: the CloudFormation template of the event-driven detector."""

from __future__ import annotations

import argparse

from secure_sagemaker.cli._common import EXIT_OK, Subcommands, command
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._files import write_output
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["register"]

_SINKS = "log,securityhub,sns"


def register(sub: Subcommands) -> None:
    """Add ``watch template``."""
    p = command(
        sub,
        "watch",
        "the event-driven detector outside Python",
        "`watch template` writes the CloudFormation template that deploys it.",
    )
    watch_sub = p.add_subparsers(dest="watch_command", required=True, metavar="COMMAND")
    p = command(
        watch_sub,
        "template",
        "write the detector's CloudFormation template",
        "EventBridge rules for the CloudTrail events the catalog judges, the Lambda "
        "(secure_sagemaker.watch.handler, code from the CodeBucket/CodeKey parameters, "
        "the policy bundled as secure-sagemaker.toml), a least-privilege role, a "
        "KMS-encrypted dead-letter queue.  No account or region literal: ready for "
        "StackSets.",
    )
    p.add_argument(
        "--org",
        action="store_true",
        help="StackSet variant for an AWS Organization: a detector per member account, "
        "plus an optional CentralEventBusArn parameter forwarding the events to a central bus",
    )
    p.add_argument(
        "--sinks",
        default="log",
        metavar="LIST",
        help=f"comma-separated among {_SINKS} (default log; log is always on)",
    )
    p.add_argument(
        "--remediate",
        default="",
        metavar="RULE,...",
        help="rule IDs whose opt-in remediation runs (e.g. SM103,SM403); the role gets "
        "only these write actions",
    )
    p.add_argument(
        "--buckets",
        default="sagemaker-*",
        metavar="PATTERN,...",
        help="bucket name patterns judged (default sagemaker-*): the S3 rule matches "
        "only their events, the role reads only them",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default stdout)")
    p.set_defaults(func=_cmd_template)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _cmd_template(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    from secure_sagemaker.deploy import detector_template
    from secure_sagemaker.deploy._cfn import to_text

    try:
        template = detector_template(
            org=args.org,
            sinks=_split(args.sinks),
            remediate=_split(args.remediate),
            buckets=_split(args.buckets),
        )
    except InvalidArgumentError as err:
        return fail(str(err))
    write_output(to_text(template), args.output)
    return EXIT_OK
