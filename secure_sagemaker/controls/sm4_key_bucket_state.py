"""KMS key, bucket and account state only an audit can judge (``@KmsKey``, ``@Bucket``,
``@Account`` views): key rotation, enabled keys, private key policies, server access
logging, GuardDuty S3 protection, Macie.

Who a key policy lets in is read by the principal analyzer (``_principals.py``), as
the guard's SM462 reads a PutKeyPolicy: no key policy is public (SM432), and one of
the policy's keys grants no account outside ``trusted-accounts`` (SM436; the audit
counts the audited account as trusted when the policy names none).  A key is the
policy's when its ID, or one of its ``Aliases``, is a key the policy names; when the
aliases could not be listed, any alias of the policy may name it (fail closed).

The views are described in :mod:`secure_sagemaker.controls._views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls._principals import analyze
from secure_sagemaker.controls._views import ACCOUNT, BUCKET, KMS_KEY
from secure_sagemaker.controls.operations.kms import key_ref, policy_keys
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Rule, Severity, Verdict, fail

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy


def _guardduty_s3(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, Mapping):
        return fail("has no GuardDuty detector in this region")
    if value.get("Status") != "ENABLED":
        return fail("has a GuardDuty detector that is not enabled", "Status")
    if value.get("S3Protection") != "ENABLED":
        return fail("has GuardDuty without S3 Protection", "S3Protection")
    return PASS


def _macie(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Mapping) and value.get("Status") == "ENABLED":
        return PASS
    return fail("does not have Amazon Macie enabled in this region")


def _rotatable(params: Mapping[str, Any], policy: Any) -> bool:
    """Symmetric, AWS_KMS-origin keys not being deleted; an unknown key (it could not
    be described) counts as applicable, so it gets a verdict."""
    return (
        params.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and params.get("Origin", "AWS_KMS") == "AWS_KMS"
        and params.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion")
    )


def _key_enabled(value: Any, ctx: Context) -> Verdict:
    if value == "Enabled":
        return PASS
    if value == "PendingDeletion" or value == "PendingReplicaDeletion":
        return fail("is scheduled for deletion; data encrypted with it becomes unreadable")
    return fail("is not Enabled, so nothing encrypted with it can be read")


def _is_policy_key(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    """Whether the key of a ``@KmsKey`` view is (or may be) one of the policy's keys:
    the same key ID, or an alias of the policy among the key's ``Aliases`` (when they
    could not be read, any policy alias may name it: fail closed)."""
    key_id = params.get("KeyId")
    aliases = params.get("Aliases")
    mine = (
        {key_ref(a) for a in aliases if isinstance(a, str)} if isinstance(aliases, list) else None
    )
    for entry in policy_keys(policy):
        ref = key_ref(entry) if isinstance(entry, str) and entry else None
        if ref is None:
            continue
        if ref[0] == "key" and isinstance(key_id, str) and ref[1] == key_id.casefold():
            return True
        if ref[0] == "alias" and (mine is None or ref in mine):
            return True
    return False


def _key_policy(widest: str) -> Check:
    """Fails when the key policy grants ``public`` access (``widest="public"``), or any
    access outside the trusted accounts (``widest="cross-account"``)."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING:
            return fail("could not be read")
        exposure = analyze(value, ctx.policy.trusted_accounts)
        if exposure.access == "private":
            return PASS
        if widest == "public" and exposure.access == "cross-account":
            return PASS  # SM436 judges foreign accounts, on the policy's keys only
        return fail(f"makes the key policy {exposure.access}: it {exposure.reason}", exposure.where)

    return check


def _logging(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Mapping) and isinstance(value.get("TargetBucket"), str):
        if value["TargetBucket"] == ctx.params.get("Bucket"):
            return fail("delivers access logs into the bucket itself", "TargetBucket")
        return PASS
    return fail("is absent, so reads and writes of models and data leave no access log")


_KEY_POLICY_REFS = (
    "Seed:3",
    "SecurityHub:KMS.5",
    "Prowler:kms_key_not_publicly_accessible",
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM430",
        name="kms-key-rotation-enabled",
        severity=Severity.MEDIUM,
        service="kms",
        title="Customer KMS keys have automatic rotation enabled",
        fields={KMS_KEY: ("KeyRotationEnabled",)},
        check=c.equals(True, when_absent="rotation off"),
        applies=_rotatable,
        rationale="Rotation limits how much data one key version protects.",
        remediation="aws kms enable-key-rotation --key-id <key>; waive SM430 for keys whose "
        "material is imported.",
        references=(
            "Seed:3",
            "SecurityHub:KMS.4",
            "Config:cmk-backing-key-rotation-enabled",
            "Prowler:kms_cmk_rotation_enabled",
        ),
    ),
    Rule(
        id="SM431",
        name="kms-key-enabled",
        severity=Severity.HIGH,
        service="kms",
        title="Customer KMS keys are enabled and not scheduled for deletion",
        fields={KMS_KEY: ("KeyState",)},
        check=_key_enabled,
        rationale="A deleted key makes every model, dataset and volume encrypted with it "
        "unrecoverable; a disabled key breaks the jobs that use it.",
        remediation="Cancel the deletion (aws kms cancel-key-deletion) and enable the key, "
        "or move its data to another key first.",
        references=(
            "Seed:3",
            "SecurityHub:KMS.3",
            "Config:kms-cmk-not-scheduled-for-deletion",
        ),
    ),
    Rule(
        id="SM432",
        name="kms-key-policy-not-public",
        severity=Severity.CRITICAL,
        service="kms",
        title="Customer KMS key policies do not allow every AWS principal",
        fields={KMS_KEY: ("Policy",)},
        check=_key_policy("public"),
        rationale='A key policy with Principal "*" (or NotPrincipal, or a wildcard pinned '
        "by no account, organisation or VPC endpoint condition) lets any AWS account use "
        "the key to decrypt your models and data.",
        remediation='Replace Principal "*" with the account and roles that need the key, '
        "or add a condition such as aws:PrincipalOrgID.",
        references=_KEY_POLICY_REFS,
    ),
    Rule(
        id="SM433",
        name="artifact-bucket-access-logging",
        severity=Severity.MEDIUM,
        service="s3",
        title="Artifact buckets have server access logging enabled",
        fields={BUCKET: ("Logging",)},
        check=_logging,
        rationale="Access logs record who read or replaced a model or dataset, the evidence "
        "after theft or poisoning.",
        remediation="Enable server access logging to a separate log bucket "
        "(PutBucketLogging with LoggingEnabled.TargetBucket).",
        references=(
            "Seed:6",
            "SecurityHub:S3.9",
            "Config:s3-bucket-logging-enabled",
            "Prowler:s3_bucket_server_access_logging_enabled",
            "Checkov:CKV_AWS_18",
        ),
    ),
    Rule(
        id="SM434",
        name="guardduty-s3-protection",
        severity=Severity.MEDIUM,
        service="guardduty",
        title="GuardDuty is enabled with S3 Protection",
        fields={ACCOUNT: ("GuardDuty",)},
        check=_guardduty_s3,
        rationale="S3 Protection watches object-level access to artifact buckets and flags "
        "exfiltration and anomalous reads of models and training data.",
        remediation="Enable GuardDuty in the region and its S3 Protection feature "
        "(UpdateDetector with Features S3_DATA_EVENTS=ENABLED).",
        references=(
            "Seed:3",
            "Seed:5",
            "SecurityHub:GuardDuty.1",
            "SecurityHub:GuardDuty.10",
            "Config:guardduty-enabled-centralized",
            "Config:guardduty-s3-protection-enabled",
            "Prowler:guardduty_is_enabled",
        ),
    ),
    Rule(
        id="SM435",
        name="macie-enabled",
        severity=Severity.LOW,
        service="macie2",
        title="Amazon Macie is enabled to find sensitive data in artifact buckets",
        fields={ACCOUNT: ("Macie",)},
        check=_macie,
        rationale="Macie discovers personal data in training sets and captured inference "
        "data, which then needs stricter keys and retention.",
        remediation="Enable Macie (aws macie2 enable-macie) and run discovery jobs on the "
        "artifact buckets.",
        references=(
            "Seed:3",
            "SecurityHub:Macie.1",
            "Config:macie-status-check",
            "Prowler:macie_is_enabled",
        ),
    ),
    Rule(
        id="SM436",
        name="kms-key-policy-trusted-accounts",
        severity=Severity.HIGH,
        service="kms",
        title="The policy's KMS keys grant no account outside the trusted accounts",
        fields={KMS_KEY: ("Policy",)},
        check=_key_policy("cross-account"),
        applies=_is_policy_key,
        rationale="A foreign account in the key policy of a key the policy names can "
        "decrypt every model, dataset and secret encrypted with it; the guard refuses such "
        "a policy (SM462), the audit finds one that is already there.",
        remediation="Name only principals of the policy's trusted-accounts (default: the "
        "audited account) or AWS service principals, or pin a wildcard principal with "
        "aws:PrincipalOrgID, aws:PrincipalAccount or kms:CallerAccount (PutKeyPolicy); add "
        "partner accounts to trusted-accounts deliberately.",
        references=_KEY_POLICY_REFS,
    ),
)
