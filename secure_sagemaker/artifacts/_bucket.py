"""The artifact bucket's secure configuration: read it, judge it with the catalog,
and bring it to the secure state without weakening anything that is there."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import botocore.exceptions

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.controls._bucket_policy import denies_insecure_transport
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import ArtifactStoreError, MFADeleteRequiredError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = [
    "MFA_DELETE_HELP",
    "ArtifactStoreError",
    "BucketState",
    "EnsureReport",
    "MFADeleteRequiredError",
    "apply_secure_configuration",
    "bucket_exists",
    "bucket_findings",
    "create_bucket",
    "merge_policy",
    "read_state",
    "required_statements",
]

SID_TLS = "SecureSageMakerDenyInsecureTransport"
SID_SSE = "SecureSageMakerDenyUnencryptedUploads"
SID_KEY = "SecureSageMakerDenyOtherKmsKeys"
BPA = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
RESOURCE_TYPE = "AWS::S3::Bucket"

MFA_DELETE_HELP = (
    "MFA delete is off for this bucket (rule SM404). S3 lets only the bucket owner's root "
    "user turn it on, with the root user's MFA device, through PutBucketVersioning with "
    "MFADelete=Enabled and the x-amz-mfa header; no IAM user or role can, so "
    "ArtifactStore.ensure() cannot do it for you. Fix: sign in as the root user and run "
    "`aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration "
    "Status=Enabled,MFADelete=Enabled --mfa 'MFA_DEVICE_ARN CODE'`, or call "
    "ensure(require_mfa_delete=False) to accept versioning without MFA delete "
    "(waive SM404 in the policy to silence the finding)."
)


def _get(call: Callable[[], Any], *missing: str) -> Any:
    """``call()``, or ``None`` when it fails with one of the not-configured codes."""
    try:
        return call()
    except botocore.exceptions.ClientError as err:
        if error_code(err) in missing:
            return None
        raise


@attrs.frozen
class BucketState:
    """What the bucket's configuration is now (each as the Get* call returns it)."""

    versioning: str  # "Enabled" | "Suspended" | "Disabled" (never enabled)
    mfa_delete: str  # "Enabled" | "Disabled"
    encryption: Mapping[str, Any]
    public_access_block: Mapping[str, Any]
    ownership: str | None
    policy: str | None
    logging: Mapping[str, Any] | None


def read_state(s3: Any, bucket: str) -> BucketState:
    """Read the bucket's security configuration.  Raises botocore's ``ClientError``."""
    versioning = s3.get_bucket_versioning(Bucket=bucket)
    encryption = _get(
        lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"],
        "ServerSideEncryptionConfigurationNotFoundError",
    )
    pab = _get(
        lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "NoSuchPublicAccessBlockConfiguration",
    )
    ownership = _get(
        lambda: s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"],
        "OwnershipControlsNotFoundError",
    )
    policy = _get(lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"], "NoSuchBucketPolicy")
    logging_enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    rules = (ownership or {}).get("Rules") or [{}]
    return BucketState(
        versioning=versioning.get("Status") or "Disabled",
        mfa_delete=versioning.get("MFADelete") or "Disabled",
        # since January 2023 every bucket without a configuration encrypts with SSE-S3
        encryption=encryption
        or {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        public_access_block=pab or {},
        ownership=rules[0].get("ObjectOwnership"),
        policy=policy,
        logging=logging_enabled,
    )


# ----------------------------------------------------------------- findings


def bucket_findings(
    state: BucketState, bucket: str, policy: SecurityPolicy, region: str | None
) -> list[Finding]:
    """Judge the state with the catalog's S3 rules (SM403-SM408, SM433 where present)."""
    pol = policy
    if not policy.is_artifact_bucket(bucket):
        pol = attrs.evolve(policy, artifact_buckets=(*policy.artifact_buckets, bucket))
    views: list[tuple[str, dict[str, Any]]] = [
        (
            "PutBucketVersioning",
            {
                "VersioningConfiguration": {
                    "Status": state.versioning,
                    "MFADelete": state.mfa_delete,
                }
            },
        ),
        ("PutBucketEncryption", {"ServerSideEncryptionConfiguration": state.encryption}),
        ("PutPublicAccessBlock", {"PublicAccessBlockConfiguration": state.public_access_block}),
        ("PutBucketPolicy", {"Policy": state.policy} if state.policy else {}),
        ("@Bucket", {"Logging": state.logging} if state.logging else {}),
    ]
    out: list[Finding] = []
    for operation, params in views:
        for finding in evaluate(operation, {"Bucket": bucket, **params}, pol, region=region):
            if CATALOG.rule(finding.rule_id).service != "s3":
                continue  # e.g. SM409 judges the account-level PutPublicAccessBlock
            out.append(
                attrs.evolve(
                    finding,
                    resource=f"arn:aws:s3:::{bucket}",
                    resource_type=RESOURCE_TYPE,
                    region=region or "",
                )
            )
    return out


# ----------------------------------------------------------------- the bucket policy


def required_statements(
    bucket: str, kms_key_id: str, *, partition: str = "aws"
) -> list[dict[str, Any]]:
    """The deny statements every artifact bucket policy carries (TLS only, SSE-KMS
    only, with ``kms_key_id`` only); the audit template's report bucket carries them
    too (``partition`` and the names are then CloudFormation ``${...}``)."""
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    return [
        {
            "Sid": SID_TLS,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": SID_SSE,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        },
        {
            "Sid": SID_KEY,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {
                "StringNotEqualsIfExists": {
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": kms_key_id
                }
            },
        },
    ]


def _without_sid(statement: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in statement.items() if k != "Sid"}


def merge_policy(
    existing: str | None, required: list[dict[str, Any]], bucket: str | None = None
) -> tuple[str, list[str]]:
    """Add each required statement the policy lacks; never drop or change one.

    Returns ``(document, added_sids)``; ``added_sids`` is empty when nothing changed.
    A required statement counts as present when an equal statement (ignoring ``Sid``)
    is there, or - for TLS-only - when the policy already denies insecure transport.
    """
    doc: dict[str, Any] = (
        json.loads(existing) if existing else {"Version": "2012-10-17", "Statement": []}
    )
    statements = doc.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else list(statements)
    sids = {s.get("Sid") for s in statements if isinstance(s, Mapping)}
    added: list[str] = []
    for wanted in required:
        present = any(
            isinstance(s, Mapping) and _without_sid(s) == _without_sid(wanted) for s in statements
        )
        if wanted["Sid"] == SID_TLS and denies_insecure_transport(
            {"Statement": statements}, bucket
        ):
            present = True
        if present:
            continue
        sid, n = wanted["Sid"], 2
        while sid in sids:
            sid, n = f"{wanted['Sid']}{n}", n + 1
        statements.append({**copy.deepcopy(wanted), "Sid": sid})
        sids.add(sid)
        added.append(sid)
    doc["Statement"] = statements
    doc.setdefault("Version", "2012-10-17")
    return json.dumps(doc), added


# ----------------------------------------------------------------- the report


@attrs.frozen
class EnsureReport:
    """What :meth:`ArtifactStore.ensure` found and did.

    ``created``: the bucket was created; ``changes``: one line per setting changed
    (empty when the bucket was already secure); ``mfa_delete``: ``"Enabled"`` or
    ``"Disabled"`` (see :data:`MFA_DELETE_HELP`); ``findings``: :meth:`check` after.
    """

    bucket: str
    created: bool
    changes: tuple[str, ...]
    mfa_delete: str
    findings: tuple[Finding, ...]

    @property
    def failed(self) -> tuple[Finding, ...]:
        """The findings that still fail (typically only SM404, MFA delete)."""
        return tuple(f for f in self.findings if f.failed)


def bucket_exists(s3: Any, bucket: str) -> bool:
    """True when ``bucket`` exists (botocore errors other than "not found" propagate)."""
    try:
        s3.head_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as err:
        if error_code(err) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def create_bucket(s3: Any, bucket: str, region: str | None) -> None:
    """Create ``bucket`` with ACLs off (``BucketOwnerEnforced``) in ``region``."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)


def apply_secure_configuration(
    s3: Any,
    bucket: str,
    kms_key_id: str,
    state: BucketState,
    log_bucket: str | None,
    log_prefix: str,
) -> list[str]:
    """Bring ``bucket`` from ``state`` to the secure configuration; the changes made."""
    changes: list[str] = []
    if any(state.public_access_block.get(k) is not True for k in BPA):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict(BPA))
        changes.append("blocked all public access")
    if state.ownership != "BucketOwnerEnforced":
        s3.put_bucket_ownership_controls(
            Bucket=bucket,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        changes.append("set object ownership to BucketOwnerEnforced (ACLs off)")
    rule = {
        "ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": kms_key_id,
        },
        "BucketKeyEnabled": True,
    }
    if list(state.encryption.get("Rules", [])) != [rule]:
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
        changes.append("set default encryption to SSE-KMS with the store's key")
    if state.versioning != "Enabled":
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        changes.append("enabled versioning")
    document, added = merge_policy(state.policy, required_statements(bucket, kms_key_id), bucket)
    if added:
        s3.put_bucket_policy(Bucket=bucket, Policy=document)
        changes.append("added bucket policy statements " + ", ".join(added))
    if log_bucket is not None:
        target = {"TargetBucket": log_bucket, "TargetPrefix": log_prefix}
        current = state.logging or {}
        if {k: current.get(k) for k in target} != target:
            s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": target})
            changes.append("enabled server access logging")
    return changes
