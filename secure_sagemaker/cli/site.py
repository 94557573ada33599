"""``install-site`` and ``uninstall-site``: the guard in every Python of a virtualenv."""

from __future__ import annotations

import argparse

from secure_sagemaker.cli._common import EXIT_OK, Subcommands, command
from secure_sagemaker.cli._errors import fail
from secure_sagemaker.cli._term import emit
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["register"]

_SITE_DIR_HELP = "the site-packages directory (default: the running virtualenv's)"


def register(sub: Subcommands) -> None:
    """Add ``install-site`` and ``uninstall-site``."""
    p = command(
        sub,
        "install-site",
        "guard every Python of this virtualenv when SECURE_SAGEMAKER_POLICY is set",
        "Writes a .pth hook into site-packages; `uninstall-site` removes it.",
    )
    p.add_argument("--site-dir", help=_SITE_DIR_HELP)
    p.set_defaults(func=_cmd_install_site)

    p = command(sub, "uninstall-site", "remove the hook install-site wrote")
    p.add_argument("--site-dir", help=_SITE_DIR_HELP)
    p.set_defaults(func=_cmd_uninstall_site)


def _cmd_install_site(args: argparse.Namespace) -> int:
    from secure_sagemaker._site import ENV_VAR, install_site

    try:
        path = install_site(args.site_dir)
    except InvalidArgumentError as err:
        return fail(str(err))
    print(f"wrote {path}")  # whole, never shortened: a path is copied, not read
    emit(
        f"every Python of this environment now installs the guard when {ENV_VAR} "
        "names a policy file (and refuses to start if it cannot be read)"
    )
    return EXIT_OK


def _cmd_uninstall_site(args: argparse.Namespace) -> int:
    from secure_sagemaker._site import PTH_NAME, uninstall_site

    try:
        removed = uninstall_site(args.site_dir)
    except InvalidArgumentError as err:
        return fail(str(err))
    print(f"removed {PTH_NAME}" if removed else f"{PTH_NAME} was not installed")
    return EXIT_OK
