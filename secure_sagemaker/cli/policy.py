"""``policy init`` and ``sagemaker-config``: write a policy, and the SDK's defaults from one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secure_sagemaker.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    add_output_option,
    add_policy_option,
    load_policy,
)

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    """Add ``sagemaker-config`` and ``policy init``."""
    p = sub.add_parser(
        "sagemaker-config", help="write the SageMaker SDK's config.yaml from the policy"
    )
    add_policy_option(p)
    add_output_option(p, "path, or - for stdout (default: the SDK's user config path)")
    p.set_defaults(func=_cmd_sagemaker_config)

    p = sub.add_parser("policy", help="policy tooling")
    policy_sub = p.add_subparsers(dest="policy_command", required=True)
    p = policy_sub.add_parser("init", help="discover a starting secure-sagemaker.toml")
    add_output_option(p, "path, or - for stdout", default="secure-sagemaker.toml")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--region")
    p.add_argument("--profile")
    p.add_argument("--endpoint-url")
    p.set_defaults(func=_cmd_policy_init)


def _cmd_sagemaker_config(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    from secure_sagemaker.sdkconfig import render_sagemaker_config, write_sagemaker_config

    policy = load_policy(args.policy)
    if args.output == "-":
        sys.stdout.write(render_sagemaker_config(policy))
    else:
        path = write_sagemaker_config(policy, args.output)
        print(f"wrote {path} (SageMaker SDK defaults from the policy; telemetry opted out)")
    return EXIT_OK


def _cmd_policy_init(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
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
