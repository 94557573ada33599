"""The fenced code blocks of README.md and docs/**/*.md, for tests/test_docs_snippets.py.

A block is marked on its page with an HTML comment on the line right before the
fence; the reason must also be said in the page's text for readers::

    <!-- snippet: skip reason="needs the SageMaker SDK 2.x; run in tests/sdk_v2" -->

``<!-- docs-test: needs ... -->`` (the form docs/dropin.md uses) is read as a skip
whose reason is the rest of the comment.  A skip without a reason is kept with
``skip == ""`` so that the test can fail on it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ("python", "py")
SHELL = ("bash", "console", "sh", "shell")

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_SKIP = re.compile(r"<!--\s*snippet:\s*skip(?:\s+reason=\"([^\"]*)\")?\s*-->")
_DOCS_TEST = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")
_CLI = ("secure-sagemaker", ".venv/bin/secure-sagemaker")


@dataclass(frozen=True)
class Snippet:
    """One fenced block: its page (relative to the repository), the line of its
    opening fence, the language tag, the code, and the skip reason (``None``: run)."""

    page: str
    line: int
    lang: str
    code: str
    skip: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def pages(root: Path = ROOT) -> list[Path]:
    """README.md and every Markdown page under docs/, sorted."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def _marker(text: str, start: int) -> str | None:
    """The skip reason of the comment on the line before offset ``start``."""
    before = text[:start].rstrip("\n").rsplit("\n", 1)[-1].strip()
    if m := _SKIP.fullmatch(before):
        return m.group(1) or ""
    if m := _DOCS_TEST.fullmatch(before):
        return m.group(1)
    return None


def snippets(page: Path, root: Path = ROOT) -> list[Snippet]:
    """The fenced blocks of one page, in order."""
    text = page.read_text(encoding="utf-8")
    return [
        Snippet(
            page=page.relative_to(root).as_posix(),
            line=text.count("\n", 0, m.start()) + 1,
            lang=m.group(1).lower(),
            code=m.group(2),
            skip=_marker(text, m.start()),
        )
        for m in _FENCE.finditer(text)
    ]


def shell_commands(code: str) -> list[str]:
    """The commands of a shell block: ``$ `` prompts dropped, ``\\`` continuations
    joined, output lines of a console block (no prompt) and comments left out."""
    prompted = any(line.startswith("$ ") for line in code.splitlines())
    commands: list[str] = []
    pending = ""
    for raw in code.splitlines():
        if not pending and prompted and not raw.startswith("$ "):
            continue  # a console block's output
        line = raw.removeprefix("$ ") if not pending else raw
        pending += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if line.endswith("\\"):
            continue
        if pending and not pending.startswith("#"):
            commands.append(pending)
        pending = ""
    return commands


def cli_arguments(command: str) -> list[str] | None:
    """The arguments of a ``secure-sagemaker ...`` command (comments removed), or
    ``None`` for any other program."""
    words = shlex.split(command, comments=True)
    if not words or words[0] not in _CLI:
        return None
    return words[1:]
