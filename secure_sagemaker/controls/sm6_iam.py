"""SM6xx - IAM: execution-role policies, trust policies, boundaries, managed policies.

The rules judge real IAM request fields, so the same rule runs in the guard (an
``iam`` client creating a policy), in :func:`secure_sagemaker.iam.lint_policy` /
``lint_role`` and in the audit.

Trust policies are judged twice: SM607 (service principals carry confused-deputy
conditions) and SM609 (the principal analyzer, :mod:`._principals`: nobody outside the
policy's ``trusted_accounts``; AWS services are private).  Actions are compared in
their canonical form (``s3:**``, ``s3:?*`` are ``s3:*``).  What a request cannot show
is refused outright: SetDefaultPolicyVersion (SM610: the version's document is not in
the request), replacing an execution role's boundary (SM611) and removing any role's
boundary (SM612).  DeleteRolePolicy and DetachRolePolicy have no rule and stay
refused by SM000 (see ``operations/iam.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker.controls import _policy_document as d
from secure_sagemaker.controls._principals import resource_policy_check
from secure_sagemaker.rules import Check, Context, Rule, Severity, Verdict, fail

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

DOCUMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "CreatePolicy": ("PolicyDocument",),
    "CreatePolicyVersion": ("PolicyDocument",),
    "PutRolePolicy": ("PolicyDocument",),
}
TRUST_FIELDS: dict[str, tuple[str, ...]] = {
    "CreateRole": ("AssumeRolePolicyDocument",),
    "UpdateAssumeRolePolicy": ("PolicyDocument",),
}


def _refused(reason: str) -> Check:
    """A check that fails every value it is given: the request itself is the weakening."""

    def check(value: Any, ctx: Context) -> Verdict:
        return fail(reason)

    return check


def _to_execution_role(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    return policy.is_execution_role(params.get("RoleName"))


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM601",
        name="iam-no-wildcard-action",
        severity=Severity.HIGH,
        service="iam",
        title="Role policies do not allow every action (Action *)",
        fields=DOCUMENT_FIELDS,
        check=d.wildcard_action,
        rationale="An execution role with Action * can do anything its resources allow: "
        "code in a training container or notebook becomes an account administrator.",
        remediation="List the actions the job needs (secure_sagemaker.iam."
        "execution_role_policy builds them), or refine the role from its usage.",
        references=(
            "Seed:2",
            "Checkov:CKV2_AWS_68",
            "Prowler:iam_inline_policy_no_administrative_privileges",
            "Prowler:iam_customer_attached_policy_no_administrative_privileges",
        ),
    ),
    Rule(
        id="SM602",
        name="iam-no-service-wildcard",
        severity=Severity.HIGH,
        service="iam",
        title="Role policies do not allow a whole service (sagemaker:*, s3:*)",
        fields=DOCUMENT_FIELDS,
        check=d.service_wildcard,
        rationale="service:* includes the service's administrative and destructive "
        "actions (s3:PutBucketPolicy, kms:ScheduleKeyDeletion, sagemaker:Delete*).",
        remediation="Replace service:* with the specific actions the job uses.",
        references=("Seed:2", "Prowler:iam_policy_no_full_access_to_kms"),
    ),
    Rule(
        id="SM603",
        name="iam-no-wildcard-resource",
        severity=Severity.MEDIUM,
        service="iam",
        title="Role policies scope actions to resources (no Resource *)",
        fields=DOCUMENT_FIELDS,
        check=d.wildcard_resource,
        rationale="Resource * lets the role read or write every bucket, key and secret "
        "in the account, not only the job's own.",
        remediation="Name the buckets/prefixes, keys, secrets and repositories; only "
        "actions without resource-level permissions (ecr:GetAuthorizationToken, "
        "ec2:Describe*, cloudwatch:PutMetricData) may use Resource *.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM604",
        name="iam-no-not-action-allow",
        severity=Severity.HIGH,
        service="iam",
        title="Role policies do not allow by exclusion (NotAction / NotResource)",
        fields=DOCUMENT_FIELDS,
        check=d.not_action_or_resource,
        rationale="An Allow with NotAction or NotResource grants everything not listed, "
        "including every action and resource AWS adds later.",
        remediation="Rewrite the statement as an Allow of the specific actions and resources.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM605",
        name="iam-passrole-scoped",
        severity=Severity.HIGH,
        service="iam",
        title="iam:PassRole is limited with iam:PassedToService",
        fields=DOCUMENT_FIELDS,
        check=d.pass_role_scoped,
        rationale="PassRole without iam:PassedToService lets the holder hand a role to "
        "any service (EC2, Lambda, Glue) and act with its permissions: privilege escalation.",
        remediation='Add "Condition": {"StringEquals": {"iam:PassedToService": '
        '"sagemaker.amazonaws.com"}} and name the role ARNs in Resource.',
        references=(
            "Seed:2",
            "Prowler:iam_policy_allows_privilege_escalation",
            "Prowler:iam_inline_policy_allows_privilege_escalation",
        ),
    ),
    Rule(
        id="SM606",
        name="iam-no-broad-managed-policy",
        severity=Severity.HIGH,
        service="iam",
        title="No broad AWS-managed policy is attached to the role",
        fields={"AttachRolePolicy": ("PolicyArn",)},
        check=d.not_broad_managed_policy,
        rationale="Administrator-equivalent policies (AdministratorAccess, "
        "PowerUserAccess, IAMFullAccess, job-function/SystemAdministrator) and those with "
        "broad write, read or decrypt power over buckets, keys, secrets, the network or "
        "the audit trail (AmazonS3FullAccess, AWSKeyManagementServicePowerUser, "
        "SecretsManagerReadWrite, AWSLambda_FullAccess, AmazonEC2FullAccess, "
        "AmazonSageMakerFullAccess ...; the list and each reason: "
        "controls/_policy_document.BROAD_MANAGED_POLICIES) grant far more than a job needs.",
        remediation="Detach it and attach a policy built with "
        "secure_sagemaker.iam.execution_role_policy.",
        references=(
            "Seed:2",
            "Prowler:iam_role_administratoraccess_policy",
            "Prowler:iam_aws_attached_policy_no_administrative_privileges",
            "Checkov:CKV_AWS_274",
        ),
    ),
    Rule(
        id="SM607",
        name="iam-trust-confused-deputy",
        severity=Severity.HIGH,
        service="iam",
        title="Service trust policies carry confused-deputy conditions",
        fields=TRUST_FIELDS,
        check=d.confused_deputy_conditions,
        rationale="Without aws:SourceAccount (or aws:SourceArn) any account's use of "
        "the service can make it assume this role on that account's behalf.",
        remediation='Add "Condition": {"StringEquals": {"aws:SourceAccount": "<account>"}} '
        '(and "ArnLike": {"aws:SourceArn": ...} where known) to each service statement.',
        references=("Seed:2", "Prowler:iam_role_cross_service_confused_deputy_prevention"),
    ),
    Rule(
        id="SM608",
        name="iam-permissions-boundary",
        severity=Severity.LOW,
        service="iam",
        title="Roles are created with a permissions boundary",
        fields={"CreateRole": ("PermissionsBoundary",)},
        check=d.permissions_boundary,
        rationale="A permissions boundary caps what any policy attached later can grant, "
        "so a mistaken or malicious policy change cannot widen the role past it.",
        remediation="Pass PermissionsBoundary (create_execution_role(..., "
        "permissions_boundary=arn)) with the organisation's boundary policy.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM609",
        name="iam-trust-policy-not-public",
        severity=Severity.CRITICAL,
        service="iam",
        title="Trust policies let no other account, and not everyone, assume the role",
        fields=TRUST_FIELDS,
        check=resource_policy_check("trust policy"),
        rationale='A trust policy that allows {"AWS": "*"}, "*", NotPrincipal, an '
        "external identity provider without an audience condition, or an account the "
        "policy does not trust, lets principals outside the organisation assume the role "
        "and act with every permission it has: its buckets, keys and secrets.",
        remediation='Trust only AWS services (create_execution_role builds "Principal": '
        '{"Service": "sagemaker.amazonaws.com"} with aws:SourceAccount), principals of '
        "the policy's trusted_accounts (default: your own account), or pin a wildcard "
        "principal with aws:PrincipalOrgID / aws:PrincipalAccount; add partner accounts "
        "to trusted_accounts.",
        references=(
            "Seed:2",
            "Checkov:CKV_AWS_60",
            "Checkov:CKV_AWS_61",
        ),
    ),
    Rule(
        id="SM610",
        name="iam-no-set-default-policy-version",
        severity=Severity.HIGH,
        service="iam",
        title="No managed policy is switched to a version the guard has not judged",
        fields={"SetDefaultPolicyVersion": ("VersionId",)},
        check=_refused(
            "switches the policy to a stored version whose document is not in the "
            "request, so it cannot be judged (it may be an older, broader version)"
        ),
        rationale="SetDefaultPolicyVersion makes an existing version live without "
        "sending its document: an older version with Action * or s3:* can be restored on "
        "every role the policy is attached to, past every SM6xx document rule.",
        remediation="Send the document again with CreatePolicyVersion(PolicyArn=..., "
        "PolicyDocument=..., SetAsDefault=True) so it is judged; a rollback that must "
        "restore a stored version is a break-glass action (waive SM610 with a "
        "justification).",
        references=("Seed:2", "Prowler:iam_policy_allows_privilege_escalation"),
    ),
    Rule(
        id="SM611",
        name="iam-execution-role-boundary-kept",
        severity=Severity.HIGH,
        service="iam",
        title="An execution role's permissions boundary is not replaced",
        fields={"PutRolePermissionsBoundary": ("RoleName",)},
        check=_refused(
            "is an execution role of the policy: replacing its permissions boundary can "
            "widen what it may do, and the current boundary is not in the request"
        ),
        applies=_to_execution_role,
        rationale="The boundary caps every policy the execution role has or is given "
        "later; replacing it with a wider one (or an AWS-managed policy such as "
        "AdministratorAccess, which caps nothing) undoes that cap for every job.",
        remediation="Set the boundary when the role is created (create_execution_role("
        "..., permissions_boundary=arn)); to change it, create a new role with the new "
        "boundary; a change that must be made in place is a break-glass action (waive "
        "SM611 with a justification).",
        references=("Seed:2",),
    ),
    Rule(
        id="SM612",
        name="iam-no-boundary-removal",
        severity=Severity.HIGH,
        service="iam",
        title="No role's permissions boundary is removed",
        fields={"DeleteRolePermissionsBoundary": ("RoleName",)},
        check=_refused(
            "removes the role's permissions boundary: nothing caps its policies any more"
        ),
        rationale="Removing a boundary can only widen what a role may do (a boundary "
        "never grants); on an execution role it undoes the cap every job relies on.  "
        "Refused on every role, as the guard refused it before it had a rule.",
        remediation="Keep the boundary (narrow the role's policies instead); a removal "
        "that must happen is a break-glass action (waive SM612 with a justification).",
        references=("Seed:2",),
    ),
)
