"""Finding credentials in strings, without ever returning them.

Used by the rules on ``Environment`` / ``HyperParameters`` values and lifecycle
scripts.  Every function returns *kinds* ("AWS access key ID") and key names,
never the matched text.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["decode_script", "is_secret_reference", "scan_mapping", "scan_text", "secret_like_key"]

# (kind, pattern) - patterns for well-known credential formats
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "AWS access key ID",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    ),
    (
        "AWS secret access key",
        re.compile(r"(?i)aws.{0,20}?(?:secret|private).{0,20}?['\"=: ]\s*[A-Za-z0-9/+=]{40}\b"),
    ),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")),
    (
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Stripe key", re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{20,}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("OpenAI-style API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b")),
    (
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "password in a URL",
        re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@", re.IGNORECASE),
    ),
)

# assignment of a literal to a secret-named variable in a script: PASSWORD=xyz
_ASSIGNMENT = re.compile(
    r"(?im)^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY)[A-Z0-9_]*"
    r"\s*=\s*['\"]?(?!\$)[^\s'\"$]{4,}"
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
    kinds = [kind for kind, pattern in _PATTERNS if pattern.search(text)]
    if _ASSIGNMENT.search(text):
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
        kinds = [k for k, p in _PATTERNS if p.search(value)]
        if kinds:
            found.append((name, kinds[0]))
        elif secret_like_key(name) and value.strip() and not is_secret_reference(value):
            found.append((name, "literal value in a secret-named variable"))
    return found


def decode_script(content: str) -> str:
    """A lifecycle script's base64 ``Content`` as text (the raw text if not base64)."""
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return content
