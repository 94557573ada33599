"""SM46x-SM47x: nothing deletes, disables, opens or moves the policy's KMS keys.

"The policy's keys" are every key it names for a purpose (``kms-key-id``,
``kms-keys.*``) and every key of ``allowed-kms-keys``; a request names one when its
``KeyId`` is, or may be, one of them (an alias and a key ID cannot be compared without
calling AWS: they may; see ``controls/operations/kms.py``).  Deleting key material
(SM460, SM465) is allowed for a key ``allow-deletions`` names exactly.  Who a key
policy or grant lets in is read by the principal analyzer (``_principals.py``); only
``trusted-accounts`` (the caller's own account when the policy names none) count as
the organisation.  Which keys every other KMS field may name is SM-wide
(``_checks.customer_kms_key``: ``allowed-kms-keys``, ``trusted-accounts``).
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls._principals import analyze
from secure_sagemaker.controls.operations.kms import is_same_key, names_policy_key
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Rule, Severity, Verdict, fail

_SERVICE_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn")


def _unless_deletion_allowed(what: str) -> Check:
    """Fails unless ``allow_deletions`` names the requested key exactly."""

    def check(value: Any, ctx: Context) -> Verdict:
        if is_same_key(value, ctx.policy.allow_deletions):
            return PASS
        return fail(f"{what} one of the policy's KMS keys, which allow-deletions does not name")

    return check


def _never(what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        return fail(what)

    return check


def _key_policy(value: Any, ctx: Context) -> Verdict:
    """No key policy is public; one of the policy's keys is not cross-account either."""
    if value is MISSING:
        return fail("is absent; a key policy must be a JSON policy document")
    exposure = analyze(value, ctx.policy.trusted_accounts)
    if exposure.access == "private":
        return PASS
    if exposure.access == "cross-account" and not names_policy_key(ctx.params, ctx.policy):
        return PASS  # another team's key may be shared; never made public
    return fail(f"makes the key policy {exposure.access}: it {exposure.reason}", exposure.where)


def _service_principal(value: str) -> bool:
    """An AWS service principal (``sagemaker.amazonaws.com``), no wildcard."""
    return (
        value.endswith(_SERVICE_SUFFIXES)
        and ":" not in value
        and "*" not in value
        and "?" not in value
        and value.split(".", 1)[0] != ""
    )


def _trusted_principal(value: Any, ctx: Context) -> Verdict:
    """A grant's principal (or its SourceArn constraint) is an AWS service or belongs to
    a trusted account; with no trusted accounts every account counts as foreign."""
    if not isinstance(value, str) or not value:
        return fail("must be a principal ARN or an AWS service principal")
    if _service_principal(value):
        return PASS
    bare_account = len(value) == 12 and value.isascii() and value.isdigit()
    account = value if bare_account else c.arn_account(value)
    if account is None:
        return fail("names a principal that cannot be attributed to an account")
    if account not in ctx.policy.trusted_accounts:
        return fail("names a principal of an account outside the policy's trusted accounts")
    return PASS


def _region_allowed(value: Any, ctx: Context) -> Verdict:
    allowed = ctx.policy.allowed_regions
    if not allowed or value in allowed:
        return PASS
    return fail("is not one of the policy's allowed regions")


_KEY_POLICY_REFS = (
    "Seed:2",
    "Seed:3",
    "SecurityHub:KMS.5",
    "Prowler:kms_key_not_publicly_accessible",
    "Checkov:CKV_AWS_33",
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM460",
        name="kms-key-deletion-refused",
        severity=Severity.CRITICAL,
        service="kms",
        title="The policy's KMS keys are not scheduled for deletion",
        fields={"ScheduleKeyDeletion": ("KeyId",)},
        check=_unless_deletion_allowed("schedules the deletion of"),
        applies=names_policy_key,
        rationale="Deleting a key makes every model, dataset, volume and secret encrypted "
        "with it unreadable for good; the pending window is easy to miss.",
        remediation="Do not delete a key the policy names.  To retire one, re-encrypt its "
        "data under another key, then name the key (its ID or ARN, as in the request) in "
        'allow-deletions with a justification: {"<key>" = "<reason, owner, expiry>"}.',
        references=(
            "Seed:3",
            "SecurityHub:KMS.3",
            "Config:kms-cmk-not-scheduled-for-deletion",
            "Prowler:kms_cmk_not_deleted_unintentionally",
            "IAM:kms:ScheduleKeyDeletionPendingWindowInDays",
        ),
    ),
    Rule(
        id="SM461",
        name="kms-key-not-disabled",
        severity=Severity.HIGH,
        service="kms",
        title="The policy's KMS keys are not disabled",
        fields={"DisableKey": ("KeyId",)},
        check=_never("disables one of the policy's KMS keys"),
        applies=names_policy_key,
        rationale="A disabled key stops every job, endpoint and secret that uses it, and "
        "is the first step of a ransom or destruction of the data it protects.",
        remediation="Do not disable a key the policy names; remove it from the policy first "
        "(and re-encrypt its data), or waive SM461 with a justification.",
        references=("Seed:3",),
    ),
    Rule(
        id="SM462",
        name="kms-key-policy-private",
        severity=Severity.CRITICAL,
        service="kms",
        title="Key policies grant no public access, and none outside the organisation "
        "on the policy's keys",
        fields={"PutKeyPolicy": ("Policy",), "ReplicateKey": ("Policy?",)},
        check=_key_policy,
        rationale="A key policy decides who can decrypt everything the key protects: a "
        "wildcard principal opens it to every AWS account, a foreign account on one of the "
        "policy's keys hands that account the models and data.",
        remediation="Name only principals of the policy's trusted-accounts (or AWS service "
        "principals), or pin a wildcard principal with a condition on aws:PrincipalOrgID, "
        "aws:PrincipalAccount or kms:CallerAccount; add partner accounts to trusted-accounts "
        "deliberately.",
        references=_KEY_POLICY_REFS,
    ),
    Rule(
        id="SM463",
        name="kms-key-policy-lockout-check",
        severity=Severity.MEDIUM,
        service="kms",
        title="Key policy changes on the policy's keys keep the lockout safety check",
        fields={
            "PutKeyPolicy": ("BypassPolicyLockoutSafetyCheck",),
            "ReplicateKey": ("BypassPolicyLockoutSafetyCheck",),
        },
        check=c.optional_equals(False),
        applies=names_policy_key,
        rationale="Bypassing the check lets a key policy lock every administrator out of "
        "the key for good, so nobody can fix its policy again.",
        remediation="Leave BypassPolicyLockoutSafetyCheck out (or false) and keep the "
        "caller's administrative access in the key policy.",
        references=("Seed:3", "IAM:kms:BypassPolicyLockoutSafetyCheck"),
    ),
    Rule(
        id="SM464",
        name="kms-grant-trusted-principal",
        severity=Severity.HIGH,
        service="kms",
        title="Grants on the policy's keys go only to trusted accounts and AWS services",
        fields={
            "CreateGrant": (
                "GranteePrincipal?",
                "RetiringPrincipal?",
                "GranteeServicePrincipal?",
                "RetiringServicePrincipal?",
                "Constraints?.SourceArn?",
            )
        },
        check=_trusted_principal,
        applies=names_policy_key,
        rationale="A grant is a key policy by the back door: it lets its grantee use the "
        "key without any change to the key policy, and is easy to overlook in a review.",
        remediation="Grant to a role or user of the policy's trusted-accounts, or to an AWS "
        "service principal (GranteeServicePrincipal) with a SourceArn of a trusted account; "
        "add a partner account to trusted-accounts deliberately.",
        references=("Seed:2", "Seed:3", "IAM:kms:GranteePrincipal", "IAM:kms:RetiringPrincipal"),
    ),
    Rule(
        id="SM465",
        name="kms-key-material-kept",
        severity=Severity.HIGH,
        service="kms",
        title="Imported key material of the policy's keys is not deleted",
        fields={"DeleteImportedKeyMaterial": ("KeyId",)},
        check=_unless_deletion_allowed("deletes the key material of"),
        applies=names_policy_key,
        rationale="Without its key material the key is unusable: everything encrypted with "
        "it is unreadable until the same material is imported again.",
        remediation="Do not delete the material of a key the policy names, or name the key "
        '(its ID or ARN, as in the request) in allow-deletions: {"<key>" = "<reason, owner, '
        'expiry>"}.',
        references=("Seed:3",),
    ),
    Rule(
        id="SM466",
        name="kms-key-region-allowed",
        severity=Severity.HIGH,
        service="kms",
        title="The policy's KMS keys are replicated or moved only to allowed regions",
        fields={"ReplicateKey": ("ReplicaRegion",), "UpdatePrimaryRegion": ("PrimaryRegion",)},
        check=_region_allowed,
        applies=names_policy_key,
        rationale="A replica (or a new primary) of a multi-Region key decrypts the same data "
        "in another region, under its own key policy: it must stay where the data may go.",
        remediation="Replicate the key or move its primary only to one of the policy's "
        "allowed-regions (its key policy is judged by SM462).",
        references=("Seed:1", "Seed:3", "IAM:kms:ReplicaRegion", "IAM:kms:PrimaryRegion"),
    ),
)
