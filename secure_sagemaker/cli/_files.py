"""Never overwrite a user's file silently: refuse, or keep a backup with ``--force``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["backup_path", "make_room", "write_output"]


def backup_path(target: Path) -> Path:
    """``target.bak``, or ``target.bak.1``, ``.bak.2`` ... : the first that is free."""
    candidate = target.with_name(target.name + ".bak")
    n = 0
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.name}.bak.{n}")
    return candidate


def make_room(target: Path, text: str, *, force: bool) -> Path | None:
    """Prepare to write ``text`` to ``target``: nothing to do when it is absent or
    already holds ``text``; with ``force``, copy it to :func:`backup_path` and return
    that path.  Raises :class:`InvalidArgumentError` when it holds something else and
    not ``force``, :class:`OSError` when it cannot be read or copied."""
    if not target.exists():
        return None
    if target.is_file() and target.read_text(encoding="utf-8", errors="replace") == text:
        return None
    if not force:
        raise InvalidArgumentError(
            f"{target} exists and holds something else. Pass --force to replace it "
            f"(the old file is kept as {backup_path(target).name}), or --output another path"
        )
    backup = backup_path(target)
    shutil.copy2(target, backup)
    return backup


def write_output(text: str, path: str | None) -> None:
    """Write ``text`` to ``path``, or to stdout when it is ``None`` or ``-``.  Raises
    :class:`OSError` when the file cannot be written."""
    if path and path != "-":
        Path(path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
