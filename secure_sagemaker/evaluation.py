"""The catalog applied: :func:`evaluate` and :func:`secure_request` with the default
catalog (:data:`secure_sagemaker.controls.CATALOG`) and policy.

This is the public face of the engine; the guard, the wrappers and the audit judge
through it, so one ``catalog=`` argument swaps every rule they apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls import CATALOG
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Catalog, Finding

__all__ = ["evaluate", "secure_request"]


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
    security field is a failing finding.  Returns ``[]`` for operations no rule
    judges.  ``service`` (botocore name) narrows to its rules where two services
    share an operation name (``PutPublicAccessBlock`` in ``s3`` and ``s3control``).
    ``policy`` defaults to ``SecurityPolicy()``, ``catalog`` to every rule.
    """
    pol = policy if policy is not None else SecurityPolicy()
    return catalog.evaluate(operation, params, pol, region=region, service=service)


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
    :func:`evaluate` to refuse.  ``params`` itself is not modified.
    """
    pol = policy if policy is not None else SecurityPolicy()
    return catalog.secure_request(operation, params, pol, service=service)
