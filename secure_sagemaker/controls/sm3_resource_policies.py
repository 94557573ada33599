"""SM35x: SageMaker resource policies grant no public or foreign access.

The SageMaker operations whose input carries a resource policy document (botocore's
model, every ``*Policy*`` string member of an operation's input): PutEndpointPolicy and
PutModelPackageGroupPolicy (``ResourcePolicy``).  Who a document lets in is read by the
principal analyzer (``_principals.py``); only ``trusted-accounts`` (the caller's own
account when the policy names none), AWS services, or principals pinned by a
condition to those accounts, an organisation or a VPC endpoint count as private.
Deleting either policy stays ``unknown`` (refused, SM000) in the operation registry.
"""

from __future__ import annotations

from secure_sagemaker.controls._principals import resource_policy_check
from secure_sagemaker.rules import Rule, Severity

_REMEDIATION = (
    "Name only principals of the policy's trusted-accounts, or pin a wildcard principal "
    "with a condition on aws:PrincipalOrgID or aws:PrincipalAccount; add partner accounts "
    "to trusted-accounts deliberately."
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM350",
        name="model-package-group-policy-private",
        severity=Severity.HIGH,
        title="Model package group policies grant no public or cross-account access",
        fields={"PutModelPackageGroupPolicy": ("ResourcePolicy",)},
        check=resource_policy_check("model package group policy"),
        rationale="A model package group policy lets other accounts read, register or "
        "approve the registered model versions: a wildcard or foreign principal can take "
        "the model artifacts (model theft) or push a poisoned version for deployment.",
        remediation=_REMEDIATION,
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM351",
        name="endpoint-policy-private",
        severity=Severity.HIGH,
        title="Endpoint policies grant no public or cross-account access",
        fields={"PutEndpointPolicy": ("ResourcePolicy",)},
        check=resource_policy_check("endpoint policy"),
        rationale="An endpoint policy lets other accounts invoke the endpoint (or its "
        "inference components) through an inference router: a wildcard or foreign principal "
        "can query the model at will, the raw material of model extraction and inversion.",
        remediation=_REMEDIATION,
        references=("Seed:2",),
    ),
)
