"""SM6xx - IAM: execution-role policies, trust policies, boundaries, managed policies.

The rules judge real IAM request fields, so the same rule runs in the guard (an
``iam`` client creating a policy), in :func:`secure_sagemaker.iam.lint_policy` /
``lint_role`` and in the audit.
"""

from __future__ import annotations

from secure_sagemaker.controls import _policy_document as d
from secure_sagemaker.rules import Rule, Severity

DOCUMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "CreatePolicy": ("PolicyDocument",),
    "CreatePolicyVersion": ("PolicyDocument",),
    "PutRolePolicy": ("PolicyDocument",),
}
TRUST_FIELDS: dict[str, tuple[str, ...]] = {
    "CreateRole": ("AssumeRolePolicyDocument",),
    "UpdateAssumeRolePolicy": ("PolicyDocument",),
}

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
        rationale="AdministratorAccess, PowerUserAccess, IAMFullAccess, "
        "AmazonSageMakerFullAccess and AmazonS3FullAccess grant far more than a job "
        "needs; AmazonSageMakerFullAccess alone allows iam:PassRole and every SageMaker "
        "action.",
        remediation="Detach it and attach a policy built with "
        "secure_sagemaker.iam.execution_role_policy.",
        references=(
            "Seed:2",
            "Prowler:iam_role_administratoraccess_policy",
            "Prowler:iam_aws_attached_policy_no_administrative_privileges",
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
)
