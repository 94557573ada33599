"""Secret values that keep themselves out of logs, reprs, f-strings and pickles.

:class:`SecretValue` wraps one secret.  ``repr``, ``str``, ``format`` and f-strings
print ``<redacted>``; ``pickle`` is refused; ``copy``/``deepcopy`` return the same
(immutable) object.  The value is read only with :meth:`SecretValue.reveal` (text)
or :meth:`SecretValue.reveal_bytes`.

:class:`SecretMapping` is a JSON secret: a read-only mapping from key to
:class:`SecretValue`, so ``creds["password"]`` is still redacted until revealed.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn, final

from secure_sagemaker.exceptions import ArgumentTypeError, SecretFormatError

__all__ = ["REDACTED", "SecretFormatError", "SecretMapping", "SecretValue"]

REDACTED = "<redacted>"


def _refuse_pickle(kind: str) -> NoReturn:
    raise TypeError(
        f"{kind} refuses to be pickled: pickles end up in caches, queues and files; "
        "pass the secret's name (or a SecretRef) and read it where it is needed"
    )


@final
class SecretValue:
    """One secret value, redacted everywhere except :meth:`reveal`.

    ``name`` is the secret's name or ARN (plus ``#key`` for a JSON field); it is
    not secret and appears in ``repr``.  Equality compares values in constant
    time; a ``SecretValue`` is not hashable.

    >>> password = SecretValue("s3cr3t", name="db")
    >>> password
    SecretValue(name='db', value=<redacted>)
    >>> f"{password}"
    '<redacted>'
    >>> password.reveal()
    's3cr3t'
    """

    __slots__ = ("_name", "_value")
    __hash__ = None  # type: ignore[assignment]

    _name: str
    _value: str | bytes

    def __init__(self, value: str | bytes, *, name: str = "") -> None:
        if not isinstance(value, (str, bytes)):
            raise ArgumentTypeError("a SecretValue holds str or bytes")
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "_name", name)

    @property
    def name(self) -> str:
        """The secret's name or ARN (``name#key`` for a field of a JSON secret)."""
        return self._name

    @property
    def is_binary(self) -> bool:
        """True for a ``SecretBinary`` secret."""
        return isinstance(self._value, bytes)

    def reveal(self) -> str:
        """The value as text.

        Raises :class:`SecretFormatError` for a binary secret that is not UTF-8
        (use :meth:`reveal_bytes`).
        """
        if isinstance(self._value, str):
            return self._value
        try:
            return self._value.decode("utf-8")
        except UnicodeDecodeError:
            pass
        raise SecretFormatError(
            f"secret {self._name!r} is binary and not UTF-8 text; use reveal_bytes()"
        )

    def reveal_bytes(self) -> bytes:
        """The value as bytes (text secrets encoded as UTF-8)."""
        return self._value if isinstance(self._value, bytes) else self._value.encode("utf-8")

    def __repr__(self) -> str:
        return f"SecretValue(name={self._name!r}, value={REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return format(REDACTED, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        return hmac.compare_digest(self.reveal_bytes(), other.reveal_bytes())

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("SecretValue is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("SecretValue is immutable")

    def __copy__(self) -> SecretValue:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SecretValue:
        return self

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        _refuse_pickle("SecretValue")

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("SecretValue")

    def __getstate__(self) -> NoReturn:
        _refuse_pickle("SecretValue")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@final
class SecretMapping(Mapping[str, SecretValue]):
    """A JSON-object secret: ``{key: SecretValue}``, read-only and redacted.

    String fields become :class:`SecretValue` as they are; other JSON values
    (numbers, booleans, nested objects) become their JSON text (``5432`` ->
    ``"5432"``).  :meth:`reveal` returns the whole parsed object.

    >>> creds = SecretMapping.parse(SecretValue('{"user": "app", "port": 5432}', name="db"))
    >>> creds
    SecretMapping(name='db', keys=['port', 'user'])
    >>> creds["port"].reveal()
    '5432'
    """

    __slots__ = ("_fields", "_name", "_parsed")

    _name: str
    _fields: dict[str, SecretValue]
    _parsed: dict[str, Any]

    def __init__(self, parsed: Mapping[str, Any], *, name: str = "") -> None:
        fields = {str(k): SecretValue(_as_text(v), name=f"{name}#{k}") for k, v in parsed.items()}
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_parsed", json.loads(json.dumps(dict(parsed))))
        object.__setattr__(self, "_fields", fields)

    @classmethod
    def parse(cls, value: SecretValue) -> SecretMapping:
        """Parse a secret holding a JSON object.

        Raises :class:`SecretFormatError` (naming the secret, never quoting it) when
        the value is not a JSON object.
        """
        parsed: Any = None
        try:
            parsed = json.loads(value.reveal_bytes())
        except ValueError:
            parsed = None  # the decoder's error holds the document: never chain it
        if not isinstance(parsed, dict):
            raise SecretFormatError(
                f"secret {value.name!r} is not a JSON object; use get() for a plain value"
            )
        return cls(parsed, name=value.name)

    @property
    def name(self) -> str:
        return self._name

    def reveal(self) -> dict[str, Any]:
        """A copy of the whole parsed JSON object, values in clear."""
        return json.loads(json.dumps(self._parsed))  # type: ignore[no-any-return]

    def __getitem__(self, key: str) -> SecretValue:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"SecretMapping(name={self._name!r}, keys={sorted(self._fields)!r})"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return format(repr(self), format_spec)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("SecretMapping is immutable")

    def __copy__(self) -> SecretMapping:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SecretMapping:
        return self

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        _refuse_pickle("SecretMapping")

    def __reduce__(self) -> NoReturn:
        _refuse_pickle("SecretMapping")

    def __getstate__(self) -> NoReturn:
        _refuse_pickle("SecretMapping")
