"""``demo``: the whole secure workflow on the embedded AWS emulator."""

from __future__ import annotations

import argparse

from secure_sagemaker.cli._common import Subcommands, command

__all__ = ["register"]


def register(sub: Subcommands) -> None:
    """Add ``demo``."""
    p = command(
        sub,
        "demo",
        "the whole secure workflow on an embedded AWS emulator",
        "Needs the demo extra (pip install 'secure-sagemaker[demo]'); sends nothing to AWS.",
        findings="a step of the demo did not behave as expected",
    )
    p.add_argument("--endpoint-url", help="run against another emulator instead")
    p.add_argument("--keep", action="store_true", help="leave the emulator running")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    # imported here, not at the top: the demo pulls in moto, far too slow for `--help`
    from secure_sagemaker.demo import main as demo

    return demo(endpoint_url=args.endpoint_url, keep=args.keep)
