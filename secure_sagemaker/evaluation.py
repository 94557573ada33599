"""The catalog applied: :func:`evaluate` and :func:`secure_request` with the default
catalog (:data:`secure_sagemaker.controls.CATALOG`), registry and policy.

This is the public face of the engine; the guard, the wrappers and the audit judge
through it, so one ``catalog=`` argument swaps every rule they apply.  Before any
rule runs, the operation registry (:data:`secure_sagemaker.controls.REGISTRY`) says
what the operation is: an unknown name raises, an unclassified mutating operation
fails SM000/SM001, and a request too deep to judge fails SM002.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker._paths import MAX_DEPTH, too_deep
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.controls.sm0_operations import (
    NOT_JUDGEABLE,
    UNKNOWN_OPERATION,
    UNKNOWN_OPERATION_UNPROTECTED,
)
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Catalog, Finding

__all__ = ["evaluate", "fill", "judge_operation", "not_judgeable", "secure_request"]


def _judged(catalog: Catalog) -> Mapping[str, frozenset[str]]:
    # the registry holds the default catalog's judged operations, computed once
    return REGISTRY.judged if catalog is CATALOG else catalog.judged_by_service()


def _is_judged(operation: str, service: str | None, catalog: Catalog) -> bool:
    judged = _judged(catalog)
    if service is not None:
        return operation in judged.get(service, ())
    return any(operation in ops for ops in judged.values())


def evaluate(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy | None = None,
    *,
    region: str | None = None,
    service: str | None = None,
    catalog: Catalog = CATALOG,
) -> list[Finding]:
    """Judge one API request against every applicable rule.  Pure: no AWS calls.

    Returns one :class:`~secure_sagemaker.Finding` per applicable rule (per pipeline
    step for CreatePipeline/UpdatePipeline).  Absent fields are judged by the
    service default.  Never raises on malformed ``params``: a wrong type in a
    security field is a failing finding, a request nested deeper than
    :data:`~secure_sagemaker._paths.MAX_DEPTH` fails SM002.  Read-only and allowed
    operations return ``[]``; a mutating operation nobody classified returns one
    SM000 (refused) or SM001 (logged) failure.  ``service`` (botocore name, default:
    the first watched service that has the operation, SageMaker first) narrows to
    its rules where two services share an operation name (``PutPublicAccessBlock``).
    ``policy`` defaults to ``SecurityPolicy()``, ``catalog`` to every rule.

    Raises :class:`~secure_sagemaker.UnknownOperationError` when ``operation`` is not
    an operation of the service (or of any watched service), suggesting the closest.
    """
    pol = policy if policy is not None else SecurityPolicy()
    if operation.startswith("@") or _is_judged(operation, service, catalog):
        svc = service
    else:
        svc = REGISTRY.resolve(operation, service)
    return judge_operation(operation, params, pol, service=svc, region=region, catalog=catalog)


def judge_operation(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy,
    *,
    service: str | None,
    region: str | None = None,
    catalog: Catalog = CATALOG,
    shape_checked: bool = False,
) -> list[Finding]:
    """:func:`evaluate` for an operation known to exist (the guard's botocore model
    says so): no name check.  ``shape_checked``: :func:`fill` already found the
    request judgeable (it is not walked for its depth again)."""
    why = "" if shape_checked else _unjudgeable(params)
    if why:
        return [not_judgeable(why, policy)]
    if service is not None and not operation.startswith("@"):
        kind = REGISTRY.classify(service, operation, policy)
        if kind == "unknown":
            return [_unclassified(service, operation, params, policy)]
        if kind != "judged":
            return []
    return catalog.evaluate(operation, params, policy, region=region, service=service)


def _unjudgeable(params: object) -> str:
    """Why the request cannot be judged ('' when it can): too deep, or a container
    that breaks when walked (a hostile or buggy mapping)."""
    try:
        return f"nests deeper than {MAX_DEPTH} levels" if too_deep(params) else ""
    except Exception as err:
        return f"could not be walked ({type(err).__name__})"


def _unclassified(
    service: str, operation: str, params: Mapping[str, Any], policy: SecurityPolicy
) -> Finding:
    entry = REGISTRY.services.get(service)
    refused = entry is None or entry.targets_protected(params, policy)
    name = f"{service}:{operation}"
    where = f" on {entry.scope}" if refused and entry is not None and entry.scope else ""
    return _finding(
        UNKNOWN_OPERATION if refused else UNKNOWN_OPERATION_UNPROTECTED,
        "(operation)",
        f"{name} is a mutating operation no rule judges{where} and the policy does not allow",
        policy,
        remediation=f'add allow-operations = [{{operation = "{name}", justification = "<why, '
        'owner, expiry>"}] to the policy, or call it outside the guarded process',
    )


def not_judgeable(why: str, policy: SecurityPolicy) -> Finding:
    """The SM002 failure for a request the guard could not judge (``why`` names the
    cause, never a value)."""
    return _finding(NOT_JUDGEABLE, "(request)", f"the request {why}", policy)


def _finding(
    rule_id: str, field: str, what: str, policy: SecurityPolicy, *, remediation: str = ""
) -> Finding:
    """A failing (or waived) finding of one of the registry's own rules."""
    rule = CATALOG.rule(rule_id)
    waived = rule.id in policy.waivers
    return Finding(
        rule.id,
        rule.severity,
        "waived" if waived else "fail",
        field,
        f"{rule.title}: {what}" + (" (waived by policy)" if waived else ""),
        remediation or rule.remediation,
    )


def secure_request(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy | None = None,
    *,
    service: str | None = None,
    catalog: Catalog = CATALOG,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Fill absent security fields with the policy's secure values.

    Returns ``(new_params, filled)`` where ``filled`` lists ``(rule_id, field)``.
    Present values are never changed, even insecure ones: those are for
    :func:`evaluate` to refuse.  ``params`` itself is not modified.  A request too
    deep to judge is returned as a shallow copy with nothing filled.

    Raises :class:`~secure_sagemaker.UnknownOperationError` like :func:`evaluate`.
    """
    new, filled, _ = fill(operation, params, policy, service=service, catalog=catalog)
    return new, filled


def fill(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy | None = None,
    *,
    service: str | None = None,
    catalog: Catalog = CATALOG,
) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    """:func:`secure_request` plus why the request cannot be judged (``""`` when it
    can; then a filled request can be judged with ``judge_operation(...,
    shape_checked=True)``, which skips walking it a second time).

    Raises :class:`~secure_sagemaker.UnknownOperationError` like :func:`evaluate`.
    """
    pol = policy if policy is not None else SecurityPolicy()
    copy = dict(params) if isinstance(params, Mapping) else {}
    if not (operation.startswith("@") or _is_judged(operation, service, catalog)):
        REGISTRY.resolve(operation, service)
        return copy, [], _unjudgeable(params)
    why = _unjudgeable(params)
    if why:
        return copy, [], why
    new, filled = catalog.secure_request(operation, params, pol, service=service)
    return new, filled, ""
