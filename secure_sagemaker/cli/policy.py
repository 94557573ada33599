"""``policy init`` and ``sagemaker-config``: write a policy, and the SDK's defaults from one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secure_sagemaker.cli._common import (
    EXIT_OK,
    Subcommands,
    add_output_option,
    add_policy_option,
    check_cli_region,
    command,
    load_policy,
)
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._files import make_room
from secure_sagemaker.cli._term import emit

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    """Add ``sagemaker-config`` and ``policy init``."""
    p = command(
        sub,
        "sagemaker-config",
        "write the SageMaker SDK's config.yaml from the policy",
        "An existing file with other content is kept: pass --force to replace it (the "
        "old one is copied to config.yaml.bak first).",
    )
    add_policy_option(p)
    add_output_option(p, "path, or - for stdout (default: the SDK's user config path)")
    p.add_argument(
        "--force", action="store_true", help="replace an existing file (keeping a .bak copy)"
    )
    p.set_defaults(func=_cmd_sagemaker_config)

    p = command(sub, "policy", "policy tooling", "`policy init` proposes a starting policy.")
    policy_sub = p.add_subparsers(dest="policy_command", required=True, metavar="COMMAND")
    p = command(
        policy_sub,
        "init",
        "discover a starting secure-sagemaker.toml",
        "Read-only calls (EC2 Describe*, KMS List*/DescribeKey) in one region propose "
        "private subnets, security groups without open ingress and customer KMS keys.",
    )
    add_output_option(p, "path, or - for stdout", default="secure-sagemaker.toml")
    p.add_argument(
        "--force", action="store_true", help="replace an existing file (keeping a .bak copy)"
    )
    p.add_argument("--region", help="region to look in (default: the profile's region)")
    p.add_argument("--profile", help="AWS profile name")
    p.add_argument("--endpoint-url", help="send every AWS call to this URL (emulators)")
    p.set_defaults(func=_cmd_policy_init)


def _cmd_sagemaker_config(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    from secure_sagemaker.sdkconfig import (
        default_config_path,
        installed_sdk_major,
        render_sagemaker_config,
        write_sagemaker_config,
    )

    policy = load_policy(args.policy)
    major = installed_sdk_major()
    if major is None:
        print(
            "note: no SageMaker SDK installed: writing only the keys both SDK 2.x and 3.x accept",
            file=sys.stderr,
        )
    if args.output == "-":
        sys.stdout.write(render_sagemaker_config(policy, major))
    else:
        target = Path(args.output) if args.output else default_config_path()
        text = render_sagemaker_config(policy, major)
        backup = make_room(target, text, force=args.force)
        path = write_sagemaker_config(policy, target, major)
        if backup is not None:
            print(f"kept the previous file as {backup}")
        sdk = f"SDK {major}.x" if major is not None else "SDK 2.x and 3.x"
        print(f"wrote {path} (SageMaker {sdk} defaults from the policy; telemetry opted out)")
    return EXIT_OK


def _cmd_policy_init(args: argparse.Namespace) -> int:
    # imported here, not at the top, to keep `secure-sagemaker --help` fast
    import boto3

    from secure_sagemaker.policy_init import discover, render_policy_toml

    target = Path(args.output)
    if target.exists() and not args.force and args.output != "-":
        return fail(
            f"{target} exists. Pass --force to replace it (keeping a .bak copy), "
            "or --output another path"
        )
    session = boto3.Session(profile_name=args.profile, region_name=args.region)
    if session.region_name is None:
        return fail(
            "no AWS region configured. Pass --region, or set AWS_DEFAULT_REGION "
            "or the profile's region"
        )
    check_cli_region(session.region_name, "--region" if args.region else "the profile's region")
    text = render_policy_toml(discover(session, endpoint_url=args.endpoint_url))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        backup = make_room(target, text, force=args.force)
        target.write_text(text, encoding="utf-8")
        kept = f" (previous file kept as {backup})" if backup else ""
        emit(f"wrote {target}{kept}: review it, then commit it")
    return EXIT_OK
