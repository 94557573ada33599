"""The rule engine: :class:`Rule` and :class:`Finding` values, and the :class:`Catalog`
that judges a request against a set of rules.

A :class:`Rule` is data: the request fields it judges per API operation (``fields``,
dotted paths with ``Name[]`` each-element and ``Name?`` skip-when-absent markers, see
:mod:`secure_sagemaker._paths`), a pure ``check`` called once per concrete value, and
an optional ``default`` the policy fills an absent field with.  Any other absent field
is passed to the check as :data:`MISSING`: the service default, for SageMaker the
insecure one.  The engine imports no rules (``controls.CATALOG`` is the catalog the
guard, wrappers and audit use; a test can build ``Catalog((rule,))``).  Operations
named ``@Subnet``, ``@Endpoint`` ... are *resource views* the audit assembles from
Describe calls and judges with the same :meth:`Catalog.evaluate`; the guard never
sees them.

The values live in :mod:`secure_sagemaker._rule_values`, the catalog in
:mod:`secure_sagemaker._catalog`; this module is their public face.
"""

from __future__ import annotations

from secure_sagemaker._catalog import Catalog, Related
from secure_sagemaker._paths import MISSING, display_path
from secure_sagemaker._pipelines import Unresolved
from secure_sagemaker._rule_values import (
    PASS,
    Applies,
    Check,
    Context,
    Default,
    Finding,
    Rule,
    Severity,
    Status,
    Verdict,
    fail,
)

__all__ = [
    "MISSING",
    "PASS",
    "Applies",
    "Catalog",
    "Check",
    "Context",
    "Default",
    "Finding",
    "Related",
    "Rule",
    "Severity",
    "Status",
    "Unresolved",
    "Verdict",
    "display_path",
    "fail",
]
