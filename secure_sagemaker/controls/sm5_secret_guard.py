"""SM52x: nothing opens, deletes, moves or stops rotating a protected secret.

Every secret: its resource policy grants no public or foreign access (SM520, read by
the principal analyzer, ``_principals.py``) and blocks public policies (SM521); it is
never deleted without a recovery window (SM522); replicas are encrypted with a
customer key of the organisation and stay in allowed regions (SM525, SM526); a
cross-account replica goes only to a trusted account (SM527); rotation runs in a
trusted account (SM529).  A *protected* secret (``protected-secrets``: names, name
prefixes or ARNs) is also never deleted (SM523, unless ``allow-deletions`` names it),
never loses rotation (SM524), and changes value only through its rotation (SM528).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls._principals import resource_policy_check
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Rule, Severity, Verdict, fail

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}")
"""The random suffix Secrets Manager appends to a secret's name in its ARN."""


def _protected(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    return policy.is_protected_secret(params.get("SecretId"))


def _arn_of(arn: str, name: str) -> bool:
    """Whether the secret ARN ``arn`` is the secret named ``name``."""
    head, sep, tail = arn.partition(":secret:")
    return (
        bool(sep)
        and head.startswith("arn:")
        and not name.startswith("arn:")
        and tail.startswith(name)
        and _SUFFIX.fullmatch(tail[len(name) :]) is not None
    )


def deletion_allowed(secret: object, policy: SecurityPolicy) -> bool:
    """Whether ``allow_deletions`` names the secret exactly: the same name or ARN, or a
    name and the ARN of that name (never a prefix)."""
    if not isinstance(secret, str) or not secret:
        return False
    return any(
        entry == secret or _arn_of(secret, entry) or _arn_of(entry, secret)
        for entry in policy.allow_deletions
        if isinstance(entry, str)
    )


def _unless_deletion_allowed(value: Any, ctx: Context) -> Verdict:
    if deletion_allowed(ctx.params.get("SecretId"), ctx.policy):
        return PASS
    return fail("deletes a protected secret (or its replicas), which allow-deletions does not name")


def _no_forced_deletion(value: Any, ctx: Context) -> Verdict:
    if value is MISSING or value is False:
        return PASS
    if value is True and deletion_allowed(ctx.params.get("SecretId"), ctx.policy):
        return PASS
    return fail("deletes the secret at once, with no recovery window")


def _never(what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        return fail(what)

    return check


def _replica_key(value: Any, ctx: Context) -> Verdict:
    """A replica's KmsKeyId, judged in the replica's region (a bare key ID or alias
    resolves there)."""
    if not isinstance(value, Mapping):
        return fail("must be an object with Region and KmsKeyId")
    region = value.get("Region")
    where = attrs.evolve(ctx, region=region if isinstance(region, str) else ctx.region)
    verdict = c.customer_kms_key(value.get("KmsKeyId", MISSING), where)
    return verdict if verdict.passed else fail(verdict.reason, "KmsKeyId")


def _replica_region(value: Any, ctx: Context) -> Verdict:
    allowed = ctx.policy.allowed_regions
    if not allowed or value in allowed:
        return PASS
    return fail("is not one of the policy's allowed regions")


def _trusted_replica(value: Any, ctx: Context) -> Verdict:
    account = c.arn_account(value)
    if account is None:
        return fail("must be the ARN of the replica secret in another account")
    if account not in ctx.policy.trusted_accounts:
        return fail("sends the secret to an account outside the policy's trusted accounts")
    return PASS


def _trusted_arn(value: Any, ctx: Context) -> Verdict:
    """An ARN of a trusted account (when the policy or the guard names them)."""
    account = c.arn_account(value)
    if account is None:
        return fail("must be an ARN with an account")
    trusted = ctx.policy.trusted_accounts
    if trusted and account not in trusted:
        return fail("runs in an account outside the policy's trusted accounts")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM520",
        name="secret-policy-private",
        severity=Severity.CRITICAL,
        service="secretsmanager",
        title="Secret resource policies grant no public or cross-account access",
        fields={"PutResourcePolicy": ("ResourcePolicy",)},
        check=resource_policy_check("secret policy"),
        rationale="A secret's resource policy decides who can read the credential: a "
        "wildcard principal or a foreign account reads it with no change on your side.",
        remediation="Name only principals of the policy's trusted-accounts (or AWS services), "
        "or pin a wildcard principal with a condition on aws:PrincipalOrgID or "
        "aws:PrincipalAccount; add partner accounts to trusted-accounts deliberately.",
        references=("Seed:2", "Seed:4", "Prowler:secretsmanager_not_publicly_accessible"),
    ),
    Rule(
        id="SM521",
        name="secret-policy-block-public",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secret resource policies are put with BlockPublicPolicy",
        fields={"PutResourcePolicy": ("BlockPublicPolicy",)},
        check=c.equals(True, when_absent="public policies are not blocked"),
        default=c.const(True),
        rationale="Secrets Manager's own check refuses a policy that allows broad access; "
        "by default it is off.",
        remediation="Send BlockPublicPolicy=true (filled in by the guard).",
        references=("Seed:4", "IAM:secretsmanager:BlockPublicPolicy"),
    ),
    Rule(
        id="SM522",
        name="secret-deletion-recoverable",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Secrets are deleted with a recovery window",
        fields={"DeleteSecret": ("ForceDeleteWithoutRecovery",)},
        check=_no_forced_deletion,
        rationale="A forced deletion cannot be undone: whatever relied on the credential "
        "breaks for good, and a mistake or a stolen role destroys it instantly.",
        remediation="Leave ForceDeleteWithoutRecovery out (a 7-30 day RecoveryWindowInDays "
        'applies), or name the secret in allow-deletions: {"<name or ARN>" = "<reason, '
        'owner, expiry>"}.',
        references=("Seed:4", "Seed:7", "IAM:secretsmanager:ForceDeleteWithoutRecovery"),
    ),
    Rule(
        id="SM523",
        name="protected-secret-not-deleted",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Protected secrets and their replicas are not deleted",
        fields={"DeleteSecret": ("SecretId",), "RemoveRegionsFromReplication": ("SecretId",)},
        check=_unless_deletion_allowed,
        applies=_protected,
        rationale="The policy's protected secrets hold the credentials the platform runs "
        "on; deleting one (or its replicas, the copies other regions fail over to) is an "
        "outage and destroys evidence.",
        remediation="Do not delete a protected secret; to retire one, name it (name or ARN) "
        'in allow-deletions: {"<name or ARN>" = "<reason, owner, expiry>"}.',
        references=("Seed:4", "Seed:7"),
    ),
    Rule(
        id="SM524",
        name="protected-secret-rotation-kept",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Rotation of protected secrets is not cancelled",
        fields={"CancelRotateSecret": ("SecretId",)},
        check=_never("turns rotation off for a protected secret"),
        applies=_protected,
        rationale="Without rotation a leaked credential stays valid indefinitely.",
        remediation="Keep rotation on; to change it, call RotateSecret with a "
        "RotationLambdaARN and RotationRules of at most 90 days (SM502).",
        references=(
            "Seed:4",
            "SecurityHub:SecretsManager.1",
            "Config:secretsmanager-rotation-enabled-check",
        ),
    ),
    Rule(
        id="SM525",
        name="secret-replica-cmk",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secret replicas are encrypted with a customer-managed KMS key",
        fields={
            "ReplicateSecretToRegions": ("AddReplicaRegions[]",),
            "CreateSecret": ("AddReplicaRegions[]",),
        },
        check=_replica_key,
        rationale="A replica without KmsKeyId is encrypted with the AWS-managed "
        "aws/secretsmanager key of its region, which any role of the account with "
        "secretsmanager:GetSecretValue can use: the customer key of the primary does not "
        "follow the copy.",
        remediation="Give each AddReplicaRegions entry a KmsKeyId: a customer key of the "
        "organisation in that region (policy allowed-kms-keys).",
        references=("Seed:4", "Config:secretsmanager-using-cmk", "Checkov:CKV_AWS_149"),
    ),
    Rule(
        id="SM526",
        name="secret-replica-region-allowed",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Secrets are replicated only to allowed regions",
        fields={
            "ReplicateSecretToRegions": ("AddReplicaRegions[].Region",),
            "CreateSecret": ("AddReplicaRegions[].Region",),
        },
        check=_replica_region,
        rationale="A replica is a full copy of the credential in another region: it must "
        "stay where the policy lets data go.",
        remediation="Replicate only to the policy's allowed-regions.",
        references=("Seed:1", "Seed:4", "IAM:secretsmanager:AddReplicaRegions"),
    ),
    Rule(
        id="SM527",
        name="secret-cross-account-replica-trusted",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Secrets are replicated only to trusted accounts",
        fields={"AssociateCrossAccountReplica": ("CrossAccountReplicaARN",)},
        check=_trusted_replica,
        rationale="A cross-account replica hands the credential, and every rotation of it, "
        "to whoever controls the other account.",
        remediation="Replicate only to an account listed in the policy's trusted-accounts.",
        references=("Seed:2", "Seed:4"),
    ),
    Rule(
        id="SM528",
        name="protected-secret-value-by-rotation",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Protected secrets change value only through rotation",
        fields={
            "PutSecretValue": ("SecretId",),
            "UpdateSecretVersionStage": ("SecretId",),
            "UpdateSecret": ("SecretString?", "SecretBinary?"),
        },
        check=_never("writes the value or moves the version stages of a protected secret"),
        applies=_protected,
        rationale="A value written by hand is known to whoever wrote it, and moving "
        "AWSCURRENT back to an older version revives a credential rotation retired.",
        remediation="Let the rotation function change the value (RotateSecret); write "
        "values of secrets that are not in protected-secrets, or waive SM528.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM529",
        name="secret-rotation-trusted-account",
        severity=Severity.HIGH,
        service="secretsmanager",
        title="Secrets are rotated by a function and role of a trusted account",
        fields={"RotateSecret": ("RotationLambdaARN?", "ExternalSecretRotationRoleArn?")},
        check=_trusted_arn,
        rationale="The rotation function reads and writes every version of the credential; "
        "one in another account leaks it at each rotation.",
        remediation="Use a rotation Lambda (and role) in one of the policy's trusted-accounts "
        "(the caller's own account when the policy names none).",
        references=("Seed:4", "IAM:secretsmanager:RotationLambdaARN"),
    ),
)
