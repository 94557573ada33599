"""The ``secure-sagemaker`` command line: one module per command group.

Each module in :data:`COMMAND_MODULES` adds its commands with ``register(sub)``;
every command returns an exit code from :mod:`secure_sagemaker.cli._common`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from secure_sagemaker._version import __version__
from secure_sagemaker.cli import (
    audit,
    audit_template,
    demo,
    iam,
    policy,
    report,
    rules,
    site,
    watch,
)
from secure_sagemaker.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    Command,
    Subcommands,
)
from secure_sagemaker.cli._errors import run

__all__ = ["COMMAND_MODULES", "EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: ``register`` of each command group, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[Callable[[Subcommands], None], ...] = (
    demo.register,
    rules.register,  # rules, explain, check
    policy.register,  # sagemaker-config, policy init
    iam.register,  # guardrails
    audit.register,  # audit (and `audit template`: see main)
    report.register,  # report merge
    watch.register,  # watch template
    site.register,  # install-site, uninstall-site
)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``secure-sagemaker`` parser; each command sets ``func``."""
    parser = argparse.ArgumentParser(
        prog="secure-sagemaker",
        description="Amazon SageMaker, secure by default.",
        epilog="`secure-sagemaker COMMAND --help` describes a command and its exit codes.",
    )
    parser.add_argument("--version", action="version", version=f"secure-sagemaker {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the traceback instead of a one-line error (anywhere on the line)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_MODULES:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings, 2 usage or an ordinary
    problem such as no credentials, reported in one line on stderr).  ``--debug``
    (anywhere among the arguments) lets the traceback through instead."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    rest = [a for a in argv if a != "--debug"]
    if audit_template.is_audit_template(rest):  # `audit` has options only: routed here
        args = audit_template.build_parser().parse_args(rest[1:])
    else:
        args = build_parser().parse_args(rest)
    args.debug = debug
    func: Command = args.func
    return run(lambda: func(args), debug=debug)
