"""``python -m secure_sagemaker.secrets resolve -- CMD [ARGS...]``: run a command with
the ``secretsmanager:`` references in its environment resolved (inside a container)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from secure_sagemaker.secrets._env import resolve_environment


def main(argv: Sequence[str] | None = None) -> int:
    """``resolve [--] CMD [ARGS...]``: exec ``CMD`` with references resolved.

    Returns 2 (usage) or 1 (a reference could not be resolved); on success it does
    not return (the process becomes ``CMD``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "resolve":
        print("usage: python -m secure_sagemaker.secrets resolve -- CMD [ARGS...]", file=sys.stderr)
        return 2
    args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        print("resolve: no command given", file=sys.stderr)
        return 2
    try:
        env = resolve_environment()
    except (LookupError, ValueError) as err:
        print(f"resolve: {err}", file=sys.stderr)
        return 1
    os.execvpe(args[0], args, env)  # noqa: S606 - running the user's command is the point


if __name__ == "__main__":
    raise SystemExit(main())
