"""``guardrails``: IAM/SCP deny statements that mirror the rules."""

from __future__ import annotations

import argparse

from secure_sagemaker.cli._common import (
    EXIT_OK,
    Subcommands,
    add_policy_option,
    command,
    load_policy,
)

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    """Add ``guardrails``."""
    p = command(
        sub,
        "guardrails",
        "IAM/SCP deny statements that mirror the rules",
        "Prints JSON: a service control policy (--form scp) or an identity policy "
        "(--form iam) that denies at the API what the guard refuses in the client.",
    )
    p.add_argument(
        "--form", choices=("scp", "iam"), default="scp", help="policy kind (default scp)"
    )
    p.add_argument(
        "--break-glass-role",
        metavar="ARN",
        help="role exempt from the statements that protect the policy's buckets, keys, "
        "secrets and execution roles",
    )
    add_policy_option(p)
    p.set_defaults(func=_cmd_guardrails)


def _cmd_guardrails(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    from secure_sagemaker.iam import guardrails_json

    print(
        guardrails_json(
            load_policy(args.policy), args.form, break_glass_role_arn=args.break_glass_role
        )
    )
    return EXIT_OK
