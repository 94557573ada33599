"""What every command shares: exit codes, the common options, loading the policy.

The ``--policy``, ``--format``, ``--output`` and ``--fail-on`` options are declared
here once; each command module adds the ones it takes.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Protocol

from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Severity

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_USAGE",
    "SEVERITIES",
    "Command",
    "Subcommands",
    "add_fail_on_option",
    "add_format_option",
    "add_output_option",
    "add_policy_option",
    "load_policy",
]

#: Nothing at or above the threshold failed (or the command has no verdict).
EXIT_OK = 0
#: Something failed at or above ``--fail-on``.
EXIT_FINDINGS = 1
#: Bad arguments, an unreadable input or policy, no credentials: one line on stderr.
EXIT_USAGE = 2

SEVERITIES = tuple(str(s) for s in Severity)  # "low" ... "critical"

#: A command: the parsed arguments in, the exit code out.
Command = Callable[[argparse.Namespace], int]


class Subcommands(Protocol):
    """The ``add_subparsers()`` action a command module adds its commands to."""

    def add_parser(self, name: str, *, help: str) -> argparse.ArgumentParser: ...


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    """``--policy FILE``; read it with :func:`load_policy`."""
    parser.add_argument("--policy", help="policy TOML file (default: SecurityPolicy.load())")


def add_format_option(
    parser: argparse.ArgumentParser, choices: Sequence[str], default: str = "text"
) -> None:
    """``--format`` among ``choices``."""
    parser.add_argument("--format", choices=tuple(choices), default=default)


def add_output_option(
    parser: argparse.ArgumentParser,
    help: str,
    *,
    default: str | None = None,
    metavar: str | None = None,
) -> None:
    """``--output``: where the command writes (``help`` says what ``-`` or none means)."""
    parser.add_argument("--output", default=default, metavar=metavar, help=help)


def add_fail_on_option(
    parser: argparse.ArgumentParser, default: str, help: str | None = None
) -> None:
    """``--fail-on SEVERITY``: exit :data:`EXIT_FINDINGS` at or above it."""
    parser.add_argument("--fail-on", choices=SEVERITIES, default=default, help=help)


def load_policy(path: str | None) -> SecurityPolicy:
    """The ``--policy`` file, else :meth:`SecurityPolicy.load`'s search."""
    return SecurityPolicy.from_file(path) if path else SecurityPolicy.load()
