"""SM4xx - S3 artifact buckets, KMS keys and feature-store encryption at rest."""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls import _bucket_policy as bp
from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.operations.s3 import artifact_bucket_or_access_point
from secure_sagemaker.rules import MISSING, Check, Context, Rule, Severity, Verdict, fail

WRITES = ("PutObject", "CreateMultipartUpload", "CopyObject")
_S3_ENCRYPTION = (
    "Seed:3",
    "SecurityHub:S3.17",
    "Config:s3-default-encryption-kms",
    "Prowler:s3_bucket_kms_encryption",
    "Checkov:CKV_AWS_145",
    "IAM:s3:x-amz-server-side-encryption",
)
_BPA_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _default_kms_rule(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, dict):
        return fail("must be an object")
    if value.get("SSEAlgorithm") not in ("aws:kms", "aws:kms:dsse"):
        return fail('must be "aws:kms"', "SSEAlgorithm")
    key = c.customer_kms_key(value.get("KMSMasterKeyID", MISSING), ctx)  # the org's keys
    return key if key.passed else fail(key.reason, "KMSMasterKeyID")


def _never(what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        return fail(what)

    return check


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM401",
        name="artifact-write-sse-kms",
        severity=Severity.HIGH,
        service="s3",
        title="Writes to artifact buckets use SSE-KMS",
        fields={op: ("ServerSideEncryption",) for op in WRITES},
        check=c.kms_encryption,
        default=c.const("aws:kms"),
        applies=c.to_artifact_bucket,
        rationale="Model artifacts and datasets must be encrypted with a key whose use is "
        "logged in CloudTrail and can be revoked.",
        remediation='Send ServerSideEncryption="aws:kms" (filled in by the guard).',
        references=_S3_ENCRYPTION,
    ),
    Rule(
        id="SM402",
        name="artifact-write-cmk",
        severity=Severity.HIGH,
        service="s3",
        title="Writes to artifact buckets name a customer-managed KMS key",
        fields={op: ("SSEKMSKeyId",) for op in WRITES},
        check=c.customer_kms_key,
        default=c.kms_key("s3"),
        applies=c.to_artifact_bucket,
        rationale="aws:kms without a key ID uses the AWS-managed aws/s3 key, which cannot "
        "be restricted to the people who should read models.",
        remediation="Send SSEKMSKeyId with a customer key (policy kms-keys.s3).",
        references=(*_S3_ENCRYPTION, "IAM:s3:x-amz-server-side-encryption-aws-kms-key-id"),
    ),
    Rule(
        id="SM403",
        name="artifact-bucket-versioning",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets keep versioning enabled",
        fields={"PutBucketVersioning": ("VersioningConfiguration.Status",)},
        check=c.equals("Enabled", when_absent="unchanged"),
        applies=artifact_bucket_or_access_point,
        rationale="Versioning keeps every model and dataset version for rollback and "
        "makes silent overwrites (tampering, poisoning) recoverable; suspending it (also "
        "through an access point) is refused.",
        remediation='Keep VersioningConfiguration.Status="Enabled".',
        references=(
            "Seed:7",
            "SecurityHub:S3.14",
            "Config:s3-bucket-versioning-enabled",
            "Prowler:s3_bucket_object_versioning",
            "Checkov:CKV_AWS_21",
        ),
    ),
    Rule(
        id="SM404",
        name="artifact-bucket-mfa-delete",
        severity=Severity.LOW,
        service="s3",
        title="Artifact buckets do not switch MFA delete off",
        fields={"PutBucketVersioning": ("VersioningConfiguration.MFADelete",)},
        check=c.optional_equals("Enabled"),
        applies=c.to_artifact_bucket,
        rationale="MFA delete stops a stolen credential from destroying version history; "
        "only the root user with MFA can enable it, so the guard refuses disabling it.",
        remediation="Leave MFADelete out, or set it to Enabled (root credentials with MFA).",
        references=(
            "Seed:7",
            "SecurityHub:S3.20",
            "Config:s3-bucket-mfa-delete-enabled",
            "Prowler:s3_bucket_no_mfa_delete",
        ),
    ),
    Rule(
        id="SM405",
        name="artifact-bucket-default-cmk",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets encrypt by default with a customer-managed KMS key",
        fields={
            "PutBucketEncryption": (
                "ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault",
            )
        },
        check=_default_kms_rule,
        applies=c.to_artifact_bucket,
        rationale="Default encryption catches writes that omit the SSE headers.",
        remediation='Use SSEAlgorithm="aws:kms" with KMSMasterKeyID set to a customer key.',
        references=_S3_ENCRYPTION,
    ),
    Rule(
        id="SM406",
        name="artifact-bucket-tls-only",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact bucket policies deny requests without TLS",
        fields={"PutBucketPolicy": ("Policy",)},
        check=bp.bucket_policy(
            bp.denies_insecure_transport, "denies s3:* when aws:SecureTransport is false"
        ),
        applies=c.to_artifact_bucket,
        rationale="Without it, a misconfigured client can send models and data in plain text.",
        remediation='Add a Deny of "s3:*" for Principal "*" on Resource '
        '["arn:aws:s3:::<bucket>", "arn:aws:s3:::<bucket>/*"] with Condition '
        '{"Bool": {"aws:SecureTransport": "false"}} and no other condition '
        "(ArtifactStore.ensure() does this).",
        references=(
            "Seed:3",
            "SecurityHub:S3.5",
            "Config:s3-bucket-ssl-requests-only",
            "Prowler:s3_bucket_secure_transport_policy",
            "Checkov:CKV_AWS_379",
            "IAM:aws:SecureTransport",
        ),
    ),
    Rule(
        id="SM407",
        name="artifact-bucket-deny-unencrypted",
        severity=Severity.MEDIUM,
        service="s3",
        title="Artifact bucket policies deny uploads that are not SSE-KMS",
        fields={"PutBucketPolicy": ("Policy",)},
        check=bp.bucket_policy(
            bp.denies_unencrypted_uploads,
            "denies s3:PutObject unless s3:x-amz-server-side-encryption is aws:kms",
        ),
        applies=c.to_artifact_bucket,
        rationale="Enforces SSE-KMS server-side for callers the guard does not cover.",
        remediation='Add a Deny of "s3:PutObject" for Principal "*" on Resource '
        '"arn:aws:s3:::<bucket>/*" with Condition {"StringNotEquals": '
        '{"s3:x-amz-server-side-encryption": "aws:kms"}} (ArtifactStore.ensure() does this).',
        references=(
            "Seed:3",
            "Config:s3-bucket-server-side-encryption-enabled",
            "IAM:s3:x-amz-server-side-encryption",
        ),
    ),
    Rule(
        id="SM408",
        name="artifact-bucket-public-access-block",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets block all public access",
        fields={"PutPublicAccessBlock": ("PublicAccessBlockConfiguration",)},
        check=c.all_true(*_BPA_FLAGS),
        applies=c.to_artifact_bucket,
        rationale="A public model or dataset invites model theft and inversion.",
        remediation="Set all four PublicAccessBlockConfiguration flags to true.",
        references=(
            "Seed:3",
            "SecurityHub:S3.8",
            "Config:s3-bucket-level-public-access-prohibited",
            "Prowler:s3_bucket_level_public_access_block",
            "Checkov:CKV_AWS_53",
            "Checkov:CKV_AWS_54",
            "Checkov:CKV_AWS_55",
            "Checkov:CKV_AWS_56",
            "Checkov:CKV2_AWS_6",
        ),
    ),
    Rule(
        id="SM409",
        name="account-public-access-block",
        severity=Severity.MEDIUM,
        service="s3control",
        title="The account blocks S3 public access",
        fields={"PutPublicAccessBlock": ("PublicAccessBlockConfiguration",)},
        check=c.all_true(*_BPA_FLAGS),
        rationale="The account-level block is the backstop for every bucket, including ones "
        "created outside this SDK.",
        remediation="Set all four account-level PublicAccessBlockConfiguration flags to true.",
        references=(
            "Seed:3",
            "SecurityHub:S3.1",
            "Config:s3-account-level-public-access-blocks-periodic",
            "Prowler:s3_account_level_public_access_blocks",
        ),
    ),
    Rule(
        id="SM410",
        name="kms-key-rotation",
        severity=Severity.MEDIUM,
        service="kms",
        title="Customer KMS keys keep automatic rotation on",
        fields={"DisableKeyRotation": ("KeyId",)},
        check=_never("disables automatic rotation of a customer key"),
        rationale="Rotation limits how much data one key version protects.",
        remediation="Keep rotation enabled (EnableKeyRotation); waive SM410 for keys that "
        "cannot rotate (imported key material).",
        references=(
            "Seed:3",
            "SecurityHub:KMS.4",
            "Config:cmk-backing-key-rotation-enabled",
            "Prowler:kms_cmk_rotation_enabled",
            "Checkov:CKV_AWS_7",
        ),
    ),
    Rule(
        id="SM411",
        name="artifact-bucket-logging-kept",
        severity=Severity.MEDIUM,
        service="s3",
        title="Server access logging of artifact buckets is not turned off",
        fields={"PutBucketLogging": ("BucketLoggingStatus.LoggingEnabled.TargetBucket",)},
        check=c.present("without LoggingEnabled.TargetBucket the request turns logging off"),
        applies=c.to_artifact_bucket,
        rationale="Access logs record who read or replaced a model or dataset; a "
        "PutBucketLogging without LoggingEnabled silently removes that evidence.",
        remediation="Keep BucketLoggingStatus.LoggingEnabled with a TargetBucket (SM433 "
        "audits the current state).",
        references=("Seed:6", "SecurityHub:S3.9", "Config:s3-bucket-logging-enabled"),
    ),
    Rule(
        id="SM412",
        name="artifact-bucket-acls-disabled",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets keep ACLs disabled (BucketOwnerEnforced)",
        fields={"PutBucketOwnershipControls": ("OwnershipControls.Rules[].ObjectOwnership",)},
        check=c.equals("BucketOwnerEnforced", when_absent="ACLs enabled"),
        applies=c.to_artifact_bucket,
        rationale="With ACLs enabled an object ACL can make one model or dataset public or "
        "grant another account access, around the bucket policy.",
        remediation='Set ObjectOwnership to "BucketOwnerEnforced".',
        references=("Seed:2", "SecurityHub:S3.12", "Prowler:s3_bucket_acl_prohibited"),
    ),
    Rule(
        id="SM420",
        name="feature-group-offline-cmk",
        severity=Severity.MEDIUM,
        title="Feature store offline store is encrypted with a customer-managed KMS key",
        fields={"CreateFeatureGroup": ("OfflineStoreConfig?.S3StorageConfig.KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("s3"),
        rationale="The offline store is a training dataset; it deserves the same key as other artifacts.",
        remediation="Set OfflineStoreConfig.S3StorageConfig.KmsKeyId to a customer-managed key.",
        references=(
            "Seed:3",
            "SecurityHub:SageMaker.17",
            "Config:sagemaker-featuregroup-encryption-at-rest",
            "IAM:sagemaker:FeatureGroupOfflineStoreKmsKey",
        ),
    ),
    Rule(
        id="SM421",
        name="feature-group-online-cmk",
        severity=Severity.MEDIUM,
        title="Feature store online store is encrypted with a customer-managed KMS key",
        fields={"CreateFeatureGroup": ("OnlineStoreConfig?.SecurityConfig.KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="Online features are served to production models.",
        remediation="Set OnlineStoreConfig.SecurityConfig.KmsKeyId to a customer-managed key.",
        references=(
            "Seed:3",
            "SecurityHub:SageMaker.18",
            "Config:sagemaker-featuregroup-online-store-encryption",
            "IAM:sagemaker:FeatureGroupOnlineStoreKmsKey",
        ),
    ),
)
