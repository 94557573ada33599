"""The ``secure-sagemaker`` command line: one module per command group.

Each module in :data:`COMMAND_MODULES` adds its commands with ``register(sub)``;
every command returns an exit code from :mod:`secure_sagemaker.cli._common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from secure_sagemaker.cli import audit, demo, iam, policy, rules, site
from secure_sagemaker.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Subcommands,
)
from secure_sagemaker.exceptions import PolicyError

__all__ = ["COMMAND_MODULES", "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: ``register`` of each command group, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[Callable[[Subcommands], None], ...] = (
    demo.register,
    rules.register,  # rules, explain, check
    policy.register,  # sagemaker-config, policy init
    iam.register,  # guardrails
    audit.register,
    site.register,  # install-site, uninstall-site
)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``secure-sagemaker`` parser; each command sets ``func``."""
    parser = argparse.ArgumentParser(
        prog="secure-sagemaker", description="Amazon SageMaker, secure by default."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMAND_MODULES:
        register(sub)
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
