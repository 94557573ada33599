"""What every command shares: exit codes, the common options, loading the policy.

The ``--policy``, ``--format``, ``--output`` and ``--fail-on`` options are declared
here once; each command module adds the ones it takes.
"""

from __future__ import annotations

import argparse
import difflib
import textwrap
from collections.abc import Callable, Sequence
from typing import Protocol

from secure_sagemaker.exceptions import InvalidArgumentError
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
    "check_cli_region",
    "command",
    "exit_codes",
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

    def add_parser(
        self,
        name: str,
        *,
        help: str,
        description: str = ...,
        epilog: str = ...,
        formatter_class: type[argparse.HelpFormatter] = ...,
    ) -> argparse.ArgumentParser: ...


def exit_codes(findings: str | None = None) -> str:
    """The "exit codes" epilog of a command's ``--help``; ``findings`` says what exit 1 means."""
    lines = ["exit codes:", "  0  success" + ("" if findings else " (no verdict to give)")]
    if findings:
        lines.append(f"  1  {findings}")
    lines.append(
        "  2  usage error or an ordinary problem (credentials, region, network, files): "
        "one line on stderr; --debug shows the traceback"
    )
    return "\n".join(textwrap.fill(line, 78, subsequent_indent="     ") for line in lines)


def command(
    sub: Subcommands, name: str, summary: str, details: str = "", *, findings: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand whose ``--help`` starts with ``summary`` (and ``details``) and ends
    with its exit codes (:func:`exit_codes`)."""
    paragraphs = [summary[0].upper() + summary[1:] + ".", *details.split("\n\n")]
    description = "\n\n".join(textwrap.fill(p, 78) for p in paragraphs if p)
    return sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=exit_codes(findings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_policy_option(parser: argparse.ArgumentParser) -> None:
    """``--policy FILE``; read it with :func:`load_policy`."""
    parser.add_argument("--policy", help="policy TOML file (default: SecurityPolicy.load())")


def add_format_option(
    parser: argparse.ArgumentParser, choices: Sequence[str], default: str = "text"
) -> None:
    """``--format`` among ``choices``."""
    others = [c for c in choices if c != default]
    parser.add_argument(
        "--format",
        choices=tuple(choices),
        default=default,
        help=f"output format (default {default}; {', '.join(others)} for tools and docs)",
    )


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


def check_cli_region(region: str, source: str) -> str:
    """``region`` when botocore knows it; else :class:`InvalidArgumentError` naming the
    closest known one (the library also accepts well-formed names botocore does not
    list yet; on the command line a typo is likelier than a region newer than botocore)."""
    from secure_sagemaker.audit._regions import check_region, known_regions

    check_region(region, source)
    known = known_regions()
    if region in known:
        return region
    close = difflib.get_close_matches(region.strip().lower(), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "expected a name such as us-east-1"
    raise InvalidArgumentError(
        f"unknown region {region[:40]!r} ({source}); {hint} "
        "(a region newer than botocore needs a botocore upgrade)"
    )


def load_policy(path: str | None) -> SecurityPolicy:
    """The ``--policy`` file, else :meth:`SecurityPolicy.load`'s search."""
    return SecurityPolicy.from_file(path) if path else SecurityPolicy.load()
