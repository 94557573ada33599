"""SM44x-SM45x: nothing weakens an artifact bucket (policies, ACLs, encryption, versions,
replication, public access).

Every rule here applies to a request addressed to one of the policy's artifact buckets,
or through an access point ARN or alias while the policy names artifact buckets (S3
alone knows which bucket an access point stands for: fail closed, as the registry's s3
stance does).  Suspending versioning is SM403's (``sm4_storage``), the TLS and SSE-KMS
denies of a bucket policy SM406/SM407's; who a bucket policy lets in is read by the
principal analyzer (``_principals.py``), where only ``trusted-accounts`` (the caller's
own account when the policy names none) count as the organisation.

Lifecycle rules keep at least :data:`MIN_RETENTION_DAYS` (30) days: the window in
which a tampered or poisoned model is noticed and rolled back to its previous version.
A rule that expires current versions sooner, on a fixed ``Date``, or deletes
noncurrent versions (the history) sooner, is refused; ``ExpiredObjectDeleteMarker``
alone passes (it only removes delete markers no version is left behind).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls._principals import resource_policy_check
from secure_sagemaker.controls.operations.s3 import artifact_bucket_or_access_point as protected
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Rule, Severity, Verdict, fail

MIN_RETENTION_DAYS = 30
"""The fewest days a lifecycle rule may keep a current or previous version."""

_PRIVATE_ACLS = ("private", "bucket-owner-full-control", "log-delivery-write")
_LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"  # a service, as SM438
_ACL_OPERATIONS = ("PutBucketAcl", "PutObjectAcl")
_WRITES = ("PutObject", "CopyObject", "CreateMultipartUpload")
_OBJECT_GRANTS = ("GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP")
_BUCKET_GRANTS = (*_OBJECT_GRANTS, "GrantWrite")
_ACL_REFS = (
    "Seed:2",
    "SecurityHub:S3.2",
    "SecurityHub:S3.3",
    "SecurityHub:S3.12",
    "Config:s3-bucket-acl-prohibited",
    "Config:s3-bucket-public-read-prohibited",
    "Config:s3-bucket-public-write-prohibited",
    "Prowler:s3_bucket_acl_prohibited",
    "Checkov:CKV_AWS_20",
    "Checkov:CKV_AWS_57",
)


def _never(what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        return fail(what)

    return check


def _private_acl(value: Any, ctx: Context) -> Verdict:
    """No ACL, ``private``, ``bucket-owner-full-control``, or ``log-delivery-write``
    (S3 server access log delivery, an AWS service)."""
    if value is MISSING or (isinstance(value, str) and value in _PRIVATE_ACLS):
        return PASS
    return fail("grants access beyond the bucket owner (a public or shared canned ACL)")


def _no_grant(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return PASS
    return fail("grants access through an ACL to a grantee the guard cannot tell from the owner")


def _owner_only(value: Any, ctx: Context) -> Verdict:
    """An AccessControlPolicy whose every grant goes to its own Owner."""
    if value is MISSING:
        return PASS
    if not isinstance(value, Mapping):
        return fail("must be an object with Grants and Owner")
    owner = value.get("Owner")
    owner_id = owner.get("ID") if isinstance(owner, Mapping) else None
    grants = value.get("Grants", [])
    if not isinstance(grants, list):
        return fail("must be a list of grants", "Grants")
    for i, grant in enumerate(grants):
        grantee = grant.get("Grantee") if isinstance(grant, Mapping) else None
        if not isinstance(grantee, Mapping):
            return fail("must name a grantee", f"Grants[{i}]")
        if grantee.get("Type") == "Group" and grantee.get("URI") == _LOG_DELIVERY:
            continue  # S3 server access log delivery: an AWS service
        if grantee.get("Type") == "Group" or "URI" in grantee:
            return fail(
                "grants a group (everyone, or every AWS account)",
                f"Grants[{i}].Grantee",
            )
        if not owner_id or grantee.get("ID") != owner_id:
            return fail("grants someone other than the owner", f"Grants[{i}].Grantee")
    return PASS


def _days(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _keeps_versions(rule: Any, ctx: Context) -> Verdict:
    """A lifecycle rule keeps current and previous versions >= MIN_RETENTION_DAYS."""
    if not isinstance(rule, Mapping):
        return fail("must be a lifecycle rule object")
    if rule.get("Status") == "Disabled":
        return PASS  # inert; enabling it is another request, judged again
    floor = MIN_RETENTION_DAYS
    expiration = rule.get("Expiration")
    if expiration is not None:
        if not isinstance(expiration, Mapping):
            return fail("must be an object", "Expiration")
        if "Date" in expiration:
            return fail("expires current versions on a fixed date", "Expiration.Date")
        if "Days" in expiration:
            if expiration.get("ExpiredObjectDeleteMarker") is True:
                return fail(
                    "combines ExpiredObjectDeleteMarker with Days (S3 refuses it)",
                    "Expiration.ExpiredObjectDeleteMarker",
                )
            days = _days(expiration["Days"])
            if days is None or days < floor:
                return fail(
                    f"expires current versions after fewer than {floor} days", "Expiration.Days"
                )
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent is not None:
        if not isinstance(noncurrent, Mapping):
            return fail("must be an object", "NoncurrentVersionExpiration")
        days = _days(noncurrent.get("NoncurrentDays"))
        if days is None or days < floor:
            return fail(
                f"permanently deletes previous versions after fewer than {floor} days",
                "NoncurrentVersionExpiration.NoncurrentDays",
            )
    return PASS


def deletion_allowed(bucket: object, allow_deletions: Mapping[str, str]) -> bool:
    """Whether ``allow_deletions`` names the bucket: its name, ``s3://name`` or
    ``arn:<partition>:s3:::name``; an access point by its exact ARN or alias."""
    if not isinstance(bucket, str) or not bucket:
        return False
    for name in allow_deletions:
        if name == bucket or name.removeprefix("s3://").rstrip("/") == bucket:
            return True
        if name.startswith("arn:") and name.endswith(f":s3:::{bucket}"):
            return True
    return False


def _version_kept(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return PASS  # a delete marker: every version stays
    if deletion_allowed(ctx.params.get("Bucket"), ctx.policy.allow_deletions):
        return PASS
    return fail("permanently deletes an object version of an artifact bucket")


def _bucket_name(arn: Any) -> str | None:
    if not isinstance(arn, str):
        return None
    _, sep, name = arn.partition(":::")
    return name if sep and arn.startswith("arn:") and ":s3:::" in arn and "/" not in name else None


def _protected_destination(value: Any, ctx: Context) -> Verdict:
    """A replication destination is one of the policy's artifact buckets (an S3 bucket
    ARN names no account, so no other bucket can be attributed to a trusted account),
    and a Destination.Account is a trusted account."""
    if not isinstance(value, Mapping):
        return fail("must be a destination object")
    if "Account" in value and value["Account"] not in ctx.policy.trusted_accounts:
        return fail("replicates to an account that is not one of the trusted accounts", "Account")
    if not ctx.policy.is_artifact_bucket(_bucket_name(value.get("Bucket"))):
        return fail(
            "replicates to a bucket that is not one of the policy's artifact buckets, so "
            "its account cannot be attributed",
            "Bucket",
        )
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM440",
        name="artifact-bucket-policy-kept",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact bucket policies are not deleted",
        fields={"DeleteBucketPolicy": ("Bucket",)},
        check=_never("deletes the policy of an artifact bucket"),
        applies=protected,
        rationale="The bucket policy carries the TLS-only and SSE-KMS denies that protect "
        "the bucket from callers the guard does not cover; deleting it drops them at once.",
        remediation="Do not delete an artifact bucket's policy: replace it with "
        "PutBucketPolicy keeping the TLS-only and SSE-KMS denies (SM406, SM407; "
        "ArtifactStore.ensure() writes them), or waive SM440 with a justification.",
        references=("Seed:3", "SecurityHub:S3.5", "Config:s3-bucket-ssl-requests-only"),
    ),
    Rule(
        id="SM441",
        name="artifact-bucket-encryption-kept",
        severity=Severity.HIGH,
        service="s3",
        title="Default encryption of artifact buckets is not deleted",
        fields={"DeleteBucketEncryption": ("Bucket",)},
        check=_never("deletes the default encryption of an artifact bucket"),
        applies=protected,
        rationale="Without its default configuration the bucket falls back to SSE-S3: "
        "writes that omit the SSE headers are no longer encrypted with the customer key.",
        remediation="Do not delete it; change it with PutBucketEncryption to SSE-KMS with "
        "a customer-managed key (SM405).",
        references=(
            "Seed:3",
            "SecurityHub:S3.17",
            "Config:s3-default-encryption-kms",
            "Prowler:s3_bucket_kms_encryption",
            "Checkov:CKV_AWS_145",
        ),
    ),
    Rule(
        id="SM442",
        name="artifact-bucket-public-access-block-kept",
        severity=Severity.HIGH,
        service="s3",
        title="The public access block of artifact buckets is not deleted",
        fields={"DeletePublicAccessBlock": ("Bucket",)},
        check=_never("deletes the public access block of an artifact bucket"),
        applies=protected,
        rationale="The block is what stops a later public policy or ACL from taking "
        "effect; deleting it leaves only the account-level block between a model and the "
        "internet.",
        remediation="Do not delete it; keep all four flags true with PutPublicAccessBlock (SM408).",
        references=(
            "Seed:3",
            "SecurityHub:S3.8",
            "Config:s3-bucket-level-public-access-prohibited",
            "Prowler:s3_bucket_level_public_access_block",
        ),
    ),
    Rule(
        id="SM443",
        name="artifact-bucket-policy-not-opened",
        severity=Severity.CRITICAL,
        service="s3",
        title="Artifact bucket policies grant no public or cross-account access",
        fields={"PutBucketPolicy": ("Policy?",)},  # absent (a bucket without one): private
        check=resource_policy_check("bucket policy"),
        applies=protected,
        rationale="An Allow for every principal publishes the models and data; one for "
        "another account hands them over (and S3's public access block does not stop "
        "cross-account grants).",
        remediation="Allow only principals of the policy's trusted-accounts or AWS service "
        "principals (pinned with aws:SourceAccount), or pin a wildcard principal with "
        "aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce; add a partner account "
        "to trusted-accounts deliberately.",
        references=(
            "Seed:2",
            "SecurityHub:S3.2",
            "SecurityHub:S3.3",
            "SecurityHub:S3.6",
            "Config:s3-bucket-policy-grantee-check",
            "Config:s3-bucket-public-read-prohibited",
            "Prowler:s3_bucket_cross_account_access",
            "Prowler:s3_bucket_policy_public_write_access",
            "Checkov:CKV_AWS_70",
        ),
    ),
    Rule(
        id="SM444",
        name="artifact-acl-private",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets and objects get no public or shared canned ACL",
        fields={op: ("ACL",) for op in (*_ACL_OPERATIONS, *_WRITES)},
        check=_private_acl,
        applies=protected,
        rationale="A canned ACL such as public-read or authenticated-read opens one "
        "object, or the whole bucket, around the bucket policy (log-delivery-write grants "
        "only S3's log delivery service).",
        remediation='Leave ACL out, or send "private" (or "bucket-owner-full-control"); '
        "grant access in the bucket policy instead.",
        references=_ACL_REFS,
    ),
    Rule(
        id="SM445",
        name="artifact-acl-no-grants",
        severity=Severity.HIGH,
        service="s3",
        title="Requests to artifact buckets carry no ACL grant headers",
        fields={
            **{op: _BUCKET_GRANTS for op in _ACL_OPERATIONS},
            **{op: _OBJECT_GRANTS for op in _WRITES},
        },
        check=_no_grant,
        applies=protected,
        rationale="A Grant* header gives a canonical user, an e-mail address or a group "
        "(AllUsers) access to the bucket or object, outside the bucket policy.",
        remediation="Leave out GrantFullControl, GrantRead, GrantReadACP, GrantWrite and "
        "GrantWriteACP: artifact buckets keep ACLs disabled (SM412); grant access in the "
        "bucket policy.",
        references=_ACL_REFS,
    ),
    Rule(
        id="SM446",
        name="artifact-acl-owner-only",
        severity=Severity.HIGH,
        service="s3",
        title="ACLs set on artifact buckets and objects grant only their owner",
        fields={op: ("AccessControlPolicy",) for op in _ACL_OPERATIONS},
        check=_owner_only,
        applies=protected,
        rationale="An explicit ACL granting a group (AllUsers, AuthenticatedUsers) or "
        "another canonical user opens the bucket or object around the bucket policy.",
        remediation="Grant only the Owner's own canonical ID (and, for server access logs, "
        "the S3 LogDelivery group) in AccessControlPolicy.Grants, or leave ACLs disabled "
        "(SM412).",
        references=_ACL_REFS,
    ),
    Rule(
        id="SM447",
        name="artifact-lifecycle-keeps-versions",
        severity=Severity.HIGH,
        service="s3",
        title=f"Lifecycle rules of artifact buckets keep every version at least "
        f"{MIN_RETENTION_DAYS} days",
        fields={
            "PutBucketLifecycleConfiguration": ("LifecycleConfiguration.Rules[]",),
            "PutBucketLifecycle": ("LifecycleConfiguration.Rules[]",),
        },
        check=_keeps_versions,
        applies=protected,
        rationale="A lifecycle rule deletes without any further request: one that expires "
        "noncurrent versions within days erases the history versioning keeps for rollback "
        "(a poisoned model can no longer be reverted), and one that expires current "
        "versions hides every model.",
        remediation=f"Set Expiration.Days and NoncurrentVersionExpiration.NoncurrentDays "
        f"to at least {MIN_RETENTION_DAYS} (no Expiration.Date), or leave them out; "
        "transitions and AbortIncompleteMultipartUpload are unrestricted.",
        references=(
            "Seed:7",
            "SecurityHub:S3.13",
            "Config:s3-lifecycle-policy-check",
            "Prowler:s3_bucket_lifecycle_enabled",
        ),
    ),
    Rule(
        id="SM448",
        name="artifact-object-versions-kept",
        severity=Severity.HIGH,
        service="s3",
        title="Object versions in artifact buckets are not deleted permanently",
        fields={
            "DeleteObject": ("VersionId",),
            "DeleteObjects": ("Delete.Objects[].VersionId",),
        },
        check=_version_kept,
        applies=protected,
        rationale="Deleting with a VersionId removes that version for good: the history "
        "that lets a tampered model be rolled back.  A delete without VersionId only adds "
        "a delete marker and stays recoverable.",
        remediation="Delete without VersionId (a recoverable delete marker); to restore an "
        "object, copy its previous version (CopyObject with ?versionId=) instead of "
        "deleting the newer one.  To purge versions of a bucket, name it in "
        'allow-deletions with a justification: {"<bucket>" = "<reason, owner, expiry>"}.',
        references=(
            "Seed:7",
            "SecurityHub:S3.20",
            "Prowler:s3_bucket_no_mfa_delete",
            "IAM:s3:DeleteObjectVersion",
        ),
    ),
    Rule(
        id="SM449",
        name="artifact-replication-protected",
        severity=Severity.HIGH,
        service="s3",
        title="Artifact buckets replicate only to artifact buckets in trusted accounts",
        fields={"PutBucketReplication": ("ReplicationConfiguration.Rules[].Destination",)},
        check=_protected_destination,
        applies=protected,
        rationale="Replication copies every new model and dataset to its destination "
        "without any further request; a bucket outside the policy is protected by nothing "
        "the policy enforces, and one in another account belongs to someone else.",
        remediation="Replicate only to one of the policy's artifact-buckets (add the "
        "replica bucket there: it holds the same models and gets the same protection); a "
        "Destination.Account must be one of trusted-accounts.",
        references=("Seed:2", "Seed:7"),
    ),
)
