"""Keep secret values out of botocore's DEBUG logs.

botocore logs whole request and response bodies at DEBUG (``botocore.endpoint``:
"Making request ... with params", ``botocore.parsers``: "Response body"), so a
process that turns on DEBUG logging prints every ``SecretString`` it sends or
receives.  :func:`install_botocore_filter` puts a :class:`SecretRedactingFilter` on
those loggers: it replaces the value of every ``SecretString``, ``SecretBinary``
and ``RandomPassword`` field with ``<redacted>`` before any handler sees the record.

A filter on a logger runs before the record reaches any handler (its own or an
ancestor's), and only when the level is enabled, so it costs nothing when DEBUG
logging is off.  This module uses the standard library only.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = [
    "BOTOCORE_LOGGERS",
    "REDACTED",
    "SECRET_FIELDS",
    "SecretRedactingFilter",
    "install_botocore_filter",
    "redact",
]

REDACTED = "<redacted>"
SECRET_FIELDS = frozenset({"SecretString", "SecretBinary", "RandomPassword"})
# the loggers that print request or response bodies
BOTOCORE_LOGGERS = ("botocore.endpoint", "botocore.parsers")

_MARKERS = tuple(SECRET_FIELDS)
_BYTE_MARKERS = tuple(m.encode() for m in _MARKERS)
_FIELD = re.compile("|".join(sorted(SECRET_FIELDS)))
# a field whose value was replaced: the key, quotes/colon/spaces, then the marker
_SAFE_AFTER = re.compile(r"""[\\"':=\s]{0,12}<redacted>""")


def _mentions(value: str | bytes) -> bool:
    if isinstance(value, bytes):
        return any(m in value for m in _BYTE_MARKERS)
    return any(m in value for m in _MARKERS)


def _redact_json(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: REDACTED if k in SECRET_FIELDS else _redact_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_redact_json(v) for v in node]
    return node


def redact(value: Any) -> Any:
    """``value`` with every secret field's value replaced by ``<redacted>``.

    Mappings are copied with their secret keys replaced; lists and tuples are
    walked; a ``str``/``bytes`` that mentions a secret field is parsed as JSON and
    re-serialised redacted, or replaced whole when it is not JSON.  Anything else
    is returned unchanged (the filter checks the formatted message afterwards).

    >>> redact({"Name": "db", "SecretString": "s3cr3t"})
    {'Name': 'db', 'SecretString': '<redacted>'}
    """
    if isinstance(value, Mapping):
        return {k: REDACTED if k in SECRET_FIELDS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, tuple):
        return tuple(redact(v) for v in value)
    if isinstance(value, (str, bytes)) and _mentions(value):
        try:
            text = json.dumps(_redact_json(json.loads(value)))
        except ValueError:
            text = f"{REDACTED} ({len(value)} characters that name a secret field)"
        return text.encode() if isinstance(value, bytes) else text
    return value


def _scrub_message(message: str) -> str:
    """Cut ``message`` at the first secret field not followed by ``<redacted>``."""
    for match in _FIELD.finditer(message):
        if not _SAFE_AFTER.match(message, match.end()):
            return message[: match.end()] + f" {REDACTED} (rest of the message withheld)"
    return message


class SecretRedactingFilter(logging.Filter):
    """A logging filter that redacts secret fields in a record's arguments and
    message.  It never drops a record; it only rewrites it.

    Raises nothing: a record it cannot format is replaced by a placeholder.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted cannot be judged
            record.msg, record.args = f"{REDACTED} (log record could not be formatted)", None
            return True
        if not _mentions(message):
            return True
        if isinstance(record.args, (tuple, Mapping)):
            record.args = redact(record.args)
        try:
            message = record.getMessage()
        except Exception:
            message = REDACTED
        record.msg, record.args = _scrub_message(message), None
        return True


_FILTER = SecretRedactingFilter()
_lock = threading.Lock()


def install_botocore_filter(names: tuple[str, ...] = BOTOCORE_LOGGERS) -> None:
    """Put the redacting filter on botocore's body-printing loggers.  Idempotent.

    >>> install_botocore_filter()
    >>> install_botocore_filter()   # a second call changes nothing
    """
    with _lock:
        for name in names:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
