"""KMS key, bucket and account state only an audit can judge (``@KmsKey``, ``@Bucket``,
``@Account`` views): key rotation, enabled keys, private key policies, server access
logging, GuardDuty S3 protection, Macie.

The views are described in :mod:`secure_sagemaker.controls._views`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls._views import ACCOUNT, BUCKET, KMS_KEY
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail


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


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def _key_policy_private(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return fail("could not be read")
    try:
        doc = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return fail("is not valid JSON")
    statements = doc.get("Statement", []) if isinstance(doc, Mapping) else []
    statements = [statements] if isinstance(statements, Mapping) else statements
    for s in statements if isinstance(statements, list) else []:
        if (
            isinstance(s, Mapping)
            and s.get("Effect") == "Allow"
            and _public_principal(s.get("Principal"))
            and not s.get("Condition")
        ):
            return fail('allows every AWS principal (Principal "*") without a condition')
    return PASS


def _logging(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Mapping) and isinstance(value.get("TargetBucket"), str):
        if value["TargetBucket"] == ctx.params.get("Bucket"):
            return fail("delivers access logs into the bucket itself", "TargetBucket")
        return PASS
    return fail("is absent, so reads and writes of models and data leave no access log")


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
        check=_key_policy_private,
        rationale='A key policy with Principal "*" lets any AWS account use the key to '
        "decrypt your models and data.",
        remediation='Replace Principal "*" with the account and roles that need the key, '
        "or add a condition such as aws:PrincipalOrgID.",
        references=("Seed:3", "Prowler:kms_key_not_publicly_accessible"),
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
)
