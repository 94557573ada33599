"""Finding credentials in strings, without ever returning them.

Used by the rules on ``Environment`` / ``HyperParameters`` values and lifecycle
scripts.  Every function returns *kinds* ("AWS access key ID") and key names,
never the matched text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["decode_script", "is_secret_reference", "scan_mapping", "scan_text", "secret_like_key"]

# Every pattern below takes time linear in the text (a 16 KiB lifecycle script or a
# 40,000-character environment value is scanned in milliseconds) and finds exactly
# what its plain spelling, in the comment above it, finds.  The rewrites:
# * a token's leading \b becomes a look-behind *after* its literal prefix
#   (glpat-(?<!\wglpat-) is \bglpat-), so the engine jumps between occurrences of
#   the prefix instead of attempting a match at every character;
# * a repetition followed by a character it cannot match is possessive
#   ([^\s:/@]++:): giving characters back can never help, only cost;
# * where many starting points share one run of characters (each letter of a long
#   word could start a URL scheme), only the run's first character starts a match,
#   and an atomic group commits to the run's first candidate, which succeeds whenever
#   a later one would;
# * case-insensitive words are spelled as classes ([sS\u017f][eE]...): the engine skips
#   ahead to a class but not to a (?i) literal, and tests a class twice as fast.

# the non-ASCII characters (?i) matches for an ASCII letter (Python's re, Unicode)
_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_LETTER = "A-Za-z" + "".join(_FOLDS.values())  # (?i)[a-z]


def _nocase(word: str) -> str:
    """``word`` as (?i) matches it, without the flag: ``"a_s"`` -> ``"[Aa]_[Ss\u017f]"``."""
    return "".join(f"[{c.upper()}{c}{_FOLDS.get(c, '')}]" if c.isalpha() else c for c in word)


def _token(prefix: str, rest: str) -> re.Pattern[str]:
    r"""``\b{prefix}{rest}`` (``prefix`` starts with a word character, has a fixed width)."""
    return re.compile(rf"{prefix}(?<!\w{prefix}){rest}")


def _containing(literal: str, pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """``pattern.search`` for a pattern that only matches text containing ``literal``
    (a substring test, far faster than any regex, settles the usual text)."""

    def detect(text: str) -> bool:
        return literal in text and pattern.search(text) is not None

    return detect


# (?i)aws.{0,20}?(?:secret|private).{0,20}?['"=: ]\s*[A-Za-z0-9/+=]{40}\b
# No complete "aws" between "aws" and "secret": the nearest "aws" before "secret"
# matches whenever an earlier one does.  The second gap is greedy (the same matches as
# lazy, in cheaper steps).  Run on the text with long whitespace runs cut.
_AWS = _nocase("aws")
_AWS_SECRET = re.compile(
    rf"{_AWS}(?:.(?<!{_AWS})){{0,20}}?(?:{_nocase('secret')}|{_nocase('private')})"
    rf".{{0,20}}['\"=: ]\s*+[{_LETTER}0-9/+=]{{40}}\b"
)
# _AWS_SECRET reads at most the first 21 characters of a whitespace run (.{0,20} then
# a space as the separator) before \s* takes the rest, and a run longer than 20 cannot
# sit between "aws" and "secret"; so cutting each run to 21 characters changes no
# result, and bounds what each of the (at most 21) separators re-reads after it.
_LONG_SPACE = re.compile(r"(\s{21})\s+")


def _aws_secret(text: str) -> bool:
    # casefold() maps each character (?i) takes for a, w or s (U+017F too) to that letter
    return "aws" in text.casefold() and bool(_AWS_SECRET.search(_LONG_SPACE.sub(r"\1", text)))


_AWS_KEY_PREFIX = "(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)"

# (kind, detector) - well-known credential formats; the plain spelling in comments
_PATTERNS: tuple[tuple[str, Callable[[str], object]], ...] = (
    # \b(?:AKIA|ASIA|...)[A-Z0-9]{16}\b
    ("AWS access key ID", _token(_AWS_KEY_PREFIX, r"[A-Z0-9]{16}\b").search),
    ("AWS secret access key", _aws_secret),
    # -----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----
    (
        "private key",
        re.compile(r"-----BEGIN (?:[A-Z]++ )?PRIVATE KEY(?: BLOCK)?-----").search,
    ),
    # \b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b
    (
        "GitHub token",
        re.compile(
            r"(?:gh[pousr]_(?<!\wgh[pousr]_)[A-Za-z0-9]{36,}+"
            r"|github_pat_(?<!\wgithub_pat_)[A-Za-z0-9_]{40,}+)\b"
        ).search,
    ),
    # \bglpat-[A-Za-z0-9_-]{20,}\b
    ("GitLab token", _token("glpat-", r"[A-Za-z0-9_-]{20,}\b").search),
    # \bxox[abposr]-[A-Za-z0-9-]{10,}\b
    ("Slack token", _token("xox[abposr]-", r"[A-Za-z0-9-]{10,}\b").search),
    # \bAIza[0-9A-Za-z_-]{35}\b
    ("Google API key", _token("AIza", r"[0-9A-Za-z_-]{35}\b").search),
    # \b[sr]k_live_[0-9a-zA-Z]{20,}\b
    ("Stripe key", _token("[sr]k_live_", r"[0-9a-zA-Z]{20,}+\b").search),
    # \bhf_[A-Za-z0-9]{30,}\b
    ("Hugging Face token", _token("hf_", r"[A-Za-z0-9]{30,}+\b").search),
    # \bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b
    ("OpenAI-style API key", _token("sk-", r"(?:proj-)?[A-Za-z0-9_-]{32,}\b").search),
    # \beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}
    (
        "JSON web token",
        _containing(
            "eyJ",
            re.compile(
                r"(?<![A-Za-z0-9_-])(?>[A-Za-z0-9_-]*?\beyJ)[A-Za-z0-9_-]{10,}+\."
                r"eyJ[A-Za-z0-9_-]{10,}+\.[A-Za-z0-9_-]{10}"
            ),
        ),
    ),
    # (?i)[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@
    (
        "password in a URL",
        _containing(
            "://",
            re.compile(
                rf"(?<![{_LETTER}0-9+.-])[0-9+.-]*+[{_LETTER}][{_LETTER}0-9+.-]*+"
                r"://[^\s:/@]++:[^\s@/]{3,}+@"
            ),
        ),
    ),
)

# assignment of a literal to a secret-named variable in a script: PASSWORD=xyz
# (?im)^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY)
#   [A-Z0-9_]*\s*=\s*['"]?(?!\$)[^\s'"$]{4,}
# ^\s* crossing newlines reaches nothing that [^\S\n]* from the last line start before
# the name does not; every keyword in the name leads to the same end, so the first one
# found is kept.
_NAME = f"[{_LETTER}0-9_]"  # (?i)[A-Z0-9_]
_KEYWORD = "|".join(
    _nocase(word) for word in ("password", "passwd", "secret", "token", "api_?key", "access_key")
)
_ASSIGNMENT = re.compile(
    rf"(?m)^[^\S\n]*+(?={_NAME})(?:{_nocase('export')}\s++)?(?>{_NAME}*?(?:{_KEYWORD})){_NAME}*+"
    r"\s*+=\s*+['\"]?(?!\$)[^\s'\"$]{4}"
)

_SECRET_KEY_NAME = re.compile(
    r"(?i)(?:^|[_\-.])(?:PASSWORD|PASSWD|PWD|SECRET|TOKEN|API[_\-]?KEY|ACCESS[_\-]?KEY|"
    r"PRIVATE[_\-]?KEY|CREDENTIALS?|AUTH)(?:$|[_\-.])"
)

_REFERENCE = re.compile(
    r"^(?:arn:aws[a-z-]*:(?:secretsmanager|ssm):[a-z0-9-]+:\d{12}:.+"
    r"|secretsmanager:.+|\{\{resolve:(?:secretsmanager|ssm-secure):.+\}\})$"
)


def secret_like_key(name: str) -> bool:
    """True when a variable name says it holds a credential (``DB_PASSWORD``)."""
    return bool(_SECRET_KEY_NAME.search(name))


def is_secret_reference(value: str) -> bool:
    """True for a reference to a secret rather than the secret: a Secrets Manager
    or SSM parameter ARN, ``secretsmanager:<name>``, or a CloudFormation
    ``{{resolve:secretsmanager:...}}``."""
    return bool(_REFERENCE.match(value.strip()))


def scan_text(text: str) -> list[str]:
    """The kinds of credential found in ``text`` (empty if none)."""
    kinds = [kind for kind, found in _PATTERNS if found(text)]
    if "=" in text and _ASSIGNMENT.search(text):
        kinds.append("credential assigned to a variable")
    return kinds


def scan_mapping(mapping: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """``[(key, kind), ...]`` for every entry of an ``Environment``-like mapping that
    holds a credential: a known token format in the value, or a secret-named key
    holding a literal instead of a reference."""
    found: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = str(key)
        if not isinstance(value, str):
            continue
        kind = next((k for k, detect in _PATTERNS if detect(value)), None)
        if kind is not None:
            found.append((name, kind))
        elif secret_like_key(name) and value.strip() and not is_secret_reference(value):
            found.append((name, "literal value in a secret-named variable"))
    return found


def decode_script(content: str) -> str:
    """A lifecycle script's base64 ``Content`` as text (the raw text if not base64)."""
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return content
