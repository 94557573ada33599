"""SM0xx - the guard's own stance: operations nobody judged, requests it cannot judge.

These rules name no request field: :mod:`secure_sagemaker.evaluation` reports them
from the operation registry (:mod:`secure_sagemaker.controls.operations`) and from the
shape of the request, before any other rule runs.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict

# the IDs evaluation.py reports (each written literally in its Rule below, too)
UNKNOWN_OPERATION = "SM000"
UNKNOWN_OPERATION_UNPROTECTED = "SM001"
NOT_JUDGEABLE = "SM002"


def _registry_only(value: Any, ctx: Context) -> Verdict:
    return PASS  # never called: these rules have no fields


_ALLOW = (
    'add allow-operations = [{operation = "<service>:<Operation>", justification = '
    '"<why, owner, expiry>"}] to the policy (the refusal names the exact operation), '
    "or call it outside the guarded process"
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM000",
        name="operation-not-classified",
        severity=Severity.HIGH,
        service="*",
        title="Mutating operations are judged or explicitly allowed",
        fields={},
        check=_registry_only,
        rationale="A guard that is right on what it sees and silent on the rest gives false "
        "assurance: an operation no rule judges can create compute without a VPC or remove "
        "the protection of an artifact bucket, a policy key, a secret or an execution role. "
        "Every SageMaker, Secrets Manager, IAM and S3 Control operation, and every S3 or KMS "
        "operation on a resource the policy protects, is refused until classified.",
        remediation=_ALLOW + ".",
        references=("Seed:2",),
    ),
    Rule(
        id="SM001",
        name="operation-not-classified-logged",
        severity=Severity.LOW,
        service="*",
        title="Unclassified mutating operations outside the protected scope are logged",
        fields={},
        check=_registry_only,
        rationale="Services the policy does not own (EC2, CloudFormation, logs, WAF, API "
        "Gateway; S3 buckets and KMS keys the policy does not name) are not refused, but "
        'every unclassified write is logged; `block_at = "low"` refuses them too.',
        remediation=_ALLOW + '; or set block_at = "low" to refuse these as well.',
        references=("Seed:2",),
    ),
    Rule(
        id="SM002",
        name="request-judgeable",
        severity=Severity.HIGH,
        service="*",
        title="Requests have a shape the guard can judge",
        fields={},
        check=_registry_only,
        rationale="A request nested deeper than any AWS API shape, or one whose judging "
        "failed, cannot be shown to be secure; fail closed rather than send it unjudged.",
        remediation="Send the request as the API documents it (no shape of a SageMaker "
        "request nests more than a few levels); report a bug if a valid request is refused.",
        references=("Seed:2",),
    ),
)
