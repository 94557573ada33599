"""The operation registry: every operation of every watched service, classified.

Each API operation of a service the guard watches is one of

* ``read``: cannot change anything (``Describe*``, ``List*``, ``Get*`` ... or listed);
* ``judged``: rules of the catalog name it, so the guard evaluates it;
* ``allowed``: mutating but harmless for security, each with a one-line reason
  (tags, lineage, experiments, stopping compute ...);
* ``unknown``: everything else.  The service's *stance* says what happens to it:
  ``refuse`` (rule SM000), ``protected`` (SM000 when the request targets a resource
  the policy protects - an artifact bucket, a policy KMS key - else SM001, logged)
  or ``log`` (SM001: logged, sent unless ``block_at = "low"``).

The classification is data (:mod:`secure_sagemaker.controls.operations`, one module
per service).  The names botocore knows come from the installed service models, so
an operation added by a botocore upgrade that nobody classified is ``unknown``:
refused where the stance refuses, and reported by the completeness test.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from secure_sagemaker.exceptions import UnknownOperationError

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "READ_PREFIXES",
    "Classification",
    "Registry",
    "ServiceOperations",
    "Stance",
    "botocore_operations",
    "names",
    "removing_what_was_created",
]

Classification = Literal["read", "judged", "allowed", "unknown"]
Stance = Literal["refuse", "protected", "log"]
Protected = Callable[[Mapping[str, Any], "SecurityPolicy"], bool]

READ_PREFIXES = (
    "BatchDescribe",
    "BatchGet",
    "Describe",
    "Estimate",
    "Get",
    "Head",
    "List",
    "Lookup",
    "Query",
    "Search",
    "Select",
    "Simulate",
    "Validate",
)
"""Name prefixes of operations that cannot change anything (exceptions: ``not_read``)."""


_CLEANUP: contextvars.ContextVar[bool] = contextvars.ContextVar("_CLEANUP", default=False)


@contextlib.contextmanager
def removing_what_was_created() -> Iterator[None]:
    """Within this block (this thread or task only), an ``unknown`` operation whose
    name starts with ``Delete`` is ``allowed``: the package's own rollbacks and
    ``delete()`` methods remove resources they created, which no protection relies on.
    Private to the package; users allow operations in the policy."""
    token = _CLEANUP.set(True)
    try:
        yield
    finally:
        _CLEANUP.reset(token)


def names(text: str) -> frozenset[str]:
    """The whitespace-separated operation names in ``text`` (data tables list them so)."""
    return frozenset(text.split())


def _to_allowed(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def _to_services(value: Mapping[str, ServiceOperations]) -> Mapping[str, ServiceOperations]:
    return dict(value)


def _to_judged(value: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    return dict(value)


@attrs.frozen
class ServiceOperations:
    """How one service's operations are classified (see the module docstring).

    ``service`` is the botocore service name.  ``allowed`` maps an operation to the
    one-line reason it is harmless; ``unknown`` lists the mutating operations nobody
    judged or allowed (known, so the completeness test can tell them from new ones);
    ``read`` adds read-only operations without a read prefix; ``not_read`` removes
    operations that have one but mutate.  ``protected(params, policy)`` says, for the
    ``protected`` stance, whether a request targets a resource the policy protects;
    it must not raise (a crash counts as protected).
    """

    service: str
    stance: Stance
    allowed: Mapping[str, str] = attrs.field(factory=dict, converter=_to_allowed)
    unknown: frozenset[str] = frozenset()
    read: frozenset[str] = frozenset()
    not_read: frozenset[str] = frozenset()
    protected: Protected | None = None
    scope: str = ""
    """What the ``protected`` stance protects, for messages ("artifact buckets")."""

    def is_read(self, operation: str) -> bool:
        if operation in self.read:
            return True
        return operation.startswith(READ_PREFIXES) and operation not in self.not_read

    def targets_protected(self, params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
        """Whether an ``unknown`` operation with these params is refused (SM000)."""
        if self.stance == "refuse":
            return True
        if self.stance == "log" or self.protected is None:
            return False
        try:
            return bool(self.protected(params, policy))
        except Exception:  # cannot tell: fail closed
            return True


@functools.cache
def botocore_operations(service: str) -> frozenset[str]:
    """Every operation name of ``service`` in the installed botocore models."""
    from secure_sagemaker._aws.loader import botocore_session

    model = botocore_session().get_service_model(service)
    return frozenset(model.operation_names)


@attrs.frozen
class Registry:
    """The classification of every watched service; ``judged`` comes from the catalog."""

    services: Mapping[str, ServiceOperations] = attrs.field(converter=_to_services)
    judged: Mapping[str, frozenset[str]] = attrs.field(converter=_to_judged)

    @classmethod
    def build(
        cls, services: Iterable[ServiceOperations], judged: Mapping[str, frozenset[str]]
    ) -> Registry:
        return cls({s.service: s for s in services}, judged)

    def __contains__(self, service: object) -> bool:
        return service in self.services

    def classify(
        self, service: str, operation: str, policy: SecurityPolicy | None = None
    ) -> Classification:
        """The class of ``operation``; ``allowed`` also when the policy's
        ``allow_operations`` names it.  Unwatched services are ``unknown``."""
        if operation in self.judged.get(service, ()):
            return "judged"
        entry = self.services.get(service)
        if entry is None:
            return "unknown"
        if operation in entry.allowed:
            return "allowed"
        if entry.is_read(operation):
            return "read"
        if policy is not None and f"{service}:{operation}" in policy.allow_operations:
            return "allowed"
        if _CLEANUP.get() and operation.startswith("Delete"):
            return "allowed"
        return "unknown"

    def reason(self, service: str, operation: str) -> str:
        """The one-line reason an ``allowed`` operation is harmless ('' otherwise)."""
        entry = self.services.get(service)
        return entry.allowed.get(operation, "") if entry is not None else ""

    def services_of(self, operation: str) -> tuple[str, ...]:
        """The watched services that have ``operation`` (botocore models consulted
        only when the tables do not name it)."""
        found = [
            s
            for s, e in self.services.items()
            if operation in e.allowed
            or operation in e.unknown
            or operation in e.read
            or operation in self.judged.get(s, ())
        ]
        if found:
            return tuple(found)
        return tuple(s for s in self.services if operation in botocore_operations(s))

    def resolve(self, operation: str, service: str | None = None) -> str:
        """The service of ``operation``: ``service`` if given and it has the operation,
        else the first watched service that has it.

        Raises :class:`UnknownOperationError` naming the closest real operation when
        no watched service has one of that name, or ``service`` is not watched.
        """
        if service is not None:
            if service not in self.services:
                raise UnknownOperationError(
                    f"{service!r} is not a service the guard watches "
                    f"({', '.join(sorted(self.services))})",
                    operation=operation,
                )
            if operation in botocore_operations(service):
                return service
            raise UnknownOperationError(
                _unknown_message(operation, botocore_operations(service), service),
                operation=operation,
            )
        found = self.services_of(operation)
        if found:
            return found[0]
        every = frozenset().union(*(botocore_operations(s) for s in self.services))
        raise UnknownOperationError(_unknown_message(operation, every, None), operation=operation)


def _unknown_message(operation: str, known: Iterable[str], service: str | None) -> str:
    where = f"an operation of {service}" if service else "an operation of any watched service"
    close = difflib.get_close_matches(operation, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"{operation!r} is not {where}{hint}"
