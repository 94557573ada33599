"""The engine's values: :class:`Rule`, :class:`Finding`, :class:`Verdict`,
:class:`Context` and :class:`Severity` (re-exported by :mod:`secure_sagemaker.rules`)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

from secure_sagemaker.exceptions import InvalidArgumentError

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "PASS",
    "Context",
    "Finding",
    "Rule",
    "Severity",
    "Status",
    "Verdict",
    "fail",
]

Status = Literal["pass", "fail", "waived", "error"]


class Severity(enum.IntEnum):
    """How bad a failing rule is; ordered, so ``Severity.HIGH > Severity.LOW``."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """``"high"`` -> ``Severity.HIGH``; raises ``InvalidArgumentError`` if unknown."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[str(text).upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise InvalidArgumentError(f"unknown severity; expected one of {names}") from None


@attrs.frozen
class Verdict:
    """What a check says about one field value.

    ``reason`` explains a failure without quoting the value; ``at`` is an optional
    sub-path below the checked field (``"Subnets"`` below ``"VpcConfig"``); ``fix``,
    when set, is put before the rule's remediation (how to fix this failure).
    """

    passed: bool
    reason: str = ""
    at: str = ""
    fix: str = ""


PASS = Verdict(True)


def fail(reason: str, at: str = "") -> Verdict:
    """A failing :class:`Verdict`."""
    return Verdict(False, reason, at)


@attrs.frozen
class Context:
    """What a check may look at besides the field value: the policy, the whole
    request (``params``), the operation and the client's region (if known)."""

    policy: SecurityPolicy
    params: Mapping[str, Any]
    operation: str
    region: str | None = None


Check = Callable[[Any, Context], Verdict]
Default = Callable[["SecurityPolicy", Mapping[str, Any]], Any]
Applies = Callable[[Mapping[str, Any], "SecurityPolicy"], bool]


def _to_refs(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _to_fields(value: Mapping[str, Sequence[str]]) -> Mapping[str, tuple[str, ...]]:
    return {op: tuple(paths) for op, paths in value.items()}


@attrs.frozen
class Rule:
    """One control: stable ``id`` (``SM101``), kebab-case ``name``, and what it judges.

    ``fields`` maps an API operation name to the field paths judged in it.
    ``check(value, ctx)`` is pure and must not raise on any input.
    ``default(policy, params)`` returns the secure value to fill an absent field, or
    ``None`` when the policy cannot supply one.  ``applies(params, policy)`` narrows
    when the rule is relevant (e.g. only writes to artifact buckets).
    ``service`` is the botocore service name of every operation in ``fields``.
    """

    id: str
    name: str
    title: str
    severity: Severity
    fields: Mapping[str, tuple[str, ...]] = attrs.field(converter=_to_fields)
    check: Check
    rationale: str
    remediation: str
    references: tuple[str, ...] = attrs.field(converter=_to_refs, default=())
    default: Default | None = None
    applies: Applies | None = None
    service: str = "sagemaker"

    @property
    def operations(self) -> frozenset[str]:
        """The API operation names this rule judges."""
        return frozenset(self.fields)

    @property
    def seed(self) -> tuple[int, ...]:
        """The seed methods (1-7) this rule implements."""
        return tuple(int(r.split(":", 1)[1]) for r in self.references if r.startswith("Seed:"))


@attrs.frozen
class Finding:
    """A rule's verdict on one request or resource.

    ``status`` is ``"pass"``, ``"fail"``, ``"waived"`` (failed but waived by the
    policy) or ``"error"`` (the audit could not assess it; ``message`` says why).
    ``field`` is the dotted path judged.  ``resource``/``resource_type``/``account``/
    ``region`` are filled by the audit and empty for a request.
    """

    rule_id: str
    severity: Severity
    status: Status
    field: str
    message: str
    remediation: str
    resource: str = ""
    resource_type: str = ""
    account: str = ""
    region: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict (severity as its lowercase name)."""
        d = attrs.asdict(self)
        d["severity"] = str(self.severity)
        return d
