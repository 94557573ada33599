"""Terminal manners: output that fits the width, colour only when wanted.

Human-readable output goes through :func:`emit`, which wraps every line to
:func:`width` (the terminal's, at most 100; 80 when stdout is not a terminal and
``COLUMNS`` is unset), keeping each line's indent, and shortens in the middle a
single word (an ARN, a field path) that cannot fit on a line of its own.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from typing import TextIO

__all__ = ["colour_enabled", "emit", "fit", "middle", "width"]

MAX_WIDTH = 100
MIN_WIDTH = 40


def width() -> int:
    """Columns to fill: ``COLUMNS`` or the terminal's, between 40 and 100; 80 when
    neither is known."""
    columns = shutil.get_terminal_size((80, 24)).columns
    return max(MIN_WIDTH, min(columns or 80, MAX_WIDTH))


def colour_enabled(stream: TextIO) -> bool:
    """ANSI colour only on a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def middle(word: str, limit: int) -> str:
    """``word`` shortened to ``limit`` characters by cutting out its middle.

    >>> middle("arn:aws:sagemaker:eu-west-1:123456789012:training-job/x", 30)
    'arn:aws:sagemaker...ining-job/x'
    """
    if len(word) <= limit:
        return word
    if limit <= 3:
        return word[:limit]
    head = (limit - 3 + 1) // 2
    tail = limit - 3 - head
    return word[:head] + "..." + (word[-tail:] if tail else "")


def _fit_line(line: str, cols: int) -> list[str]:
    if len(line) <= cols:
        return [line]
    body = line.lstrip(" ")
    indent = " " * (len(line) - len(body))
    if len(indent) > cols // 2:
        indent = indent[: cols // 2]
    wrapped = textwrap.wrap(
        body,
        width=cols,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    out = []
    for piece in wrapped:
        if len(piece) > cols:  # one word longer than the line: shorten its middle
            lead = len(piece) - len(piece.lstrip(" "))
            piece = piece[:lead] + middle(piece[lead:], cols - lead)
        out.append(piece)
    return out or [""]


def fit(text: str, cols: int | None = None) -> str:
    """``text`` with every line at most ``cols`` (default :func:`width`) characters."""
    cols = cols or width()
    lines = [piece for line in text.split("\n") for piece in _fit_line(line, cols)]
    return "\n".join(lines)


def emit(text: str = "", stream: TextIO | None = None) -> None:
    """Print ``text`` (one or more lines, newline added) fitted to :func:`width`."""
    out = stream if stream is not None else sys.stdout
    out.write(fit(text) + "\n")
