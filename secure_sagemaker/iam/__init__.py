"""Least privilege for SageMaker: build, lint, guard and refine execution roles.

The workflow (``docs/least-privilege.md``):

1. **Build** the execution role's policy for exactly the job's resources
   (:func:`execution_role_policy`) and create the role with a confused-deputy-safe
   trust policy (:func:`create_execution_role`).
2. **Lint** policies and roles against the SM6xx rules (:func:`lint_policy`,
   :func:`lint_role`).
3. **Deploy guardrails**: the catalog's rules as SCP or IAM deny statements
   (:func:`guardrails`, :func:`guardrails_json`; ``secure-sagemaker guardrails``).
4. **Refine** after 90 days from CloudTrail and IAM Access Advisor (:func:`refine_role`).
"""

from __future__ import annotations

from secure_sagemaker.iam._builder import (
    SAGEMAKER_LOG_GROUPS,
    SAGEMAKER_METRIC_NAMESPACES,
    execution_role_policy,
    trust_policy,
)
from secure_sagemaker.iam._guardrails import (
    PROTECTED_ACTIONS,
    SIZE_LIMITS,
    deny_statements,
    guardrails,
    guardrails_json,
    protection_statements,
)
from secure_sagemaker.iam._refine import NOT_IN_EVENT_HISTORY, RefineReport, refine_role
from secure_sagemaker.iam._role import (
    INLINE_POLICY_NAME,
    ExecutionRole,
    create_execution_role,
    lint_policy,
    lint_role,
    until_role_visible,
)

__all__ = [
    "INLINE_POLICY_NAME",
    "NOT_IN_EVENT_HISTORY",
    "PROTECTED_ACTIONS",
    "SAGEMAKER_LOG_GROUPS",
    "SAGEMAKER_METRIC_NAMESPACES",
    "SIZE_LIMITS",
    "ExecutionRole",
    "RefineReport",
    "create_execution_role",
    "deny_statements",
    "execution_role_policy",
    "guardrails",
    "guardrails_json",
    "lint_policy",
    "lint_role",
    "protection_statements",
    "refine_role",
    "trust_policy",
    "until_role_visible",
]
