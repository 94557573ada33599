"""Examples for sm4_bucket_guard: one secure and one insecure request per rule; then
the cases each rule must get right (access points, thresholds, allow-deletions)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from secure_sagemaker.controls.sm4_bucket_guard import MIN_RETENTION_DAYS, deletion_allowed
from tests._examples import BUCKET, KMS_ONLY, POLICY, TLS_ONLY, bucket_policy, put
from tests.controls._check import check_example

OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
OTHER_USER = "a" * 64
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
OTHER = "222222222222"
ACCESS_POINT = "arn:aws:s3:us-east-1:123456789012:accesspoint/models"


def acp(*grantees: dict[str, Any]) -> dict[str, Any]:
    grants = [{"Grantee": g, "Permission": "FULL_CONTROL"} for g in grantees]
    return {"Grants": grants, "Owner": {"ID": OWNER}}


def owner() -> dict[str, Any]:
    return {"Type": "CanonicalUser", "ID": OWNER}


def lifecycle(**rule: Any) -> dict[str, Any]:
    base = {"ID": "tidy", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}}
    return {"Bucket": BUCKET, "LifecycleConfiguration": {"Rules": [{**base, **rule}]}}


def replication(**destination: Any) -> dict[str, Any]:
    return {
        "Bucket": BUCKET,
        "ReplicationConfiguration": {
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [
                {
                    "ID": "dr",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": destination,
                }
            ],
        },
    }


ALLOW_ROLE = {
    "Sid": "Team",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:role/ml"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}
PUBLIC_READ = {
    "Sid": "Public",
    "Effect": "Allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/*",
}
KEEP_90 = {"NoncurrentVersionExpiration": {"NoncurrentDays": 90}}
DELETE_VERSION = {"Bucket": BUCKET, "Key": "models/m.tar.gz", "VersionId": "v1"}

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM440": ("DeleteBucketPolicy", None, {"Bucket": BUCKET}),
    "SM441": ("DeleteBucketEncryption", None, {"Bucket": BUCKET}),
    "SM442": ("DeletePublicAccessBlock", None, {"Bucket": BUCKET}),
    "SM443": (
        "PutBucketPolicy",
        {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY)},
        {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY, PUBLIC_READ)},
    ),
    "SM444": ("PutObject", put(ACL="bucket-owner-full-control"), put(ACL="public-read")),
    "SM445": (
        "PutObjectAcl",
        {"Bucket": BUCKET, "Key": "m", "ACL": "private"},
        {"Bucket": BUCKET, "Key": "m", "GrantRead": f'uri="{ALL_USERS}"'},
    ),
    "SM446": (
        "PutBucketAcl",
        {"Bucket": BUCKET, "AccessControlPolicy": acp(owner())},
        {
            "Bucket": BUCKET,
            "AccessControlPolicy": acp(owner(), {"Type": "Group", "URI": ALL_USERS}),
        },
    ),
    "SM447": (
        "PutBucketLifecycleConfiguration",
        lifecycle(**KEEP_90, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1}),
        lifecycle(NoncurrentVersionExpiration={"NoncurrentDays": 1}),
    ),
    "SM448": ("DeleteObject", {"Bucket": BUCKET, "Key": "models/m.tar.gz"}, DELETE_VERSION),
    "SM449": (
        "PutBucketReplication",
        replication(Bucket=f"arn:aws:s3:::{BUCKET}"),
        replication(Bucket="arn:aws:s3:::somebody-elses-bucket"),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def failed(operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY) -> list[str]:
    found = ss.evaluate(operation, params, policy, service="s3")
    return sorted(f.rule_id for f in found if f.failed and f.rule_id.startswith("SM44"))


# ----------------------------------------------------------------- scope


@pytest.mark.parametrize("bucket", [ACCESS_POINT, "models-ab12cd34ef56gh78ij90kl12mn34op-s3alias"])
def test_a_request_through_an_access_point_is_judged(bucket: str) -> None:
    assert failed("DeleteBucketPolicy", {"Bucket": bucket}) == ["SM440"]
    assert failed("DeleteObject", {**DELETE_VERSION, "Bucket": bucket}) == ["SM448"]
    no_buckets = attrs.evolve(POLICY, artifact_buckets=())
    assert failed("DeleteBucketPolicy", {"Bucket": bucket}, no_buckets) == []


def test_other_buckets_are_not_judged() -> None:
    assert failed("DeleteBucketPolicy", {"Bucket": "scratch"}) == []
    assert failed("PutObject", put(Bucket="scratch", ACL="public-read")) == []
    assert failed("DeleteObject", {**DELETE_VERSION, "Bucket": "scratch"}) == []


def test_suspending_versioning_through_an_access_point_is_refused_by_sm403() -> None:
    found = ss.evaluate(
        "PutBucketVersioning",
        {"Bucket": ACCESS_POINT, "VersioningConfiguration": {"Status": "Suspended"}},
        POLICY,
        service="s3",
    )
    assert [f.rule_id for f in found if f.failed] == ["SM403"]


# ----------------------------------------------------------------- bucket policy


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (ALLOW_ROLE, []),  # trusted_accounts is filled by the guard; here it is empty
        (
            {
                **ALLOW_ROLE,
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            },
            [],
        ),
        (
            {**PUBLIC_READ, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
            [],
        ),
        ({**PUBLIC_READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, ["SM443"]),
        ({**ALLOW_ROLE, "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}, ["SM443"]),
    ],
)
def test_the_bucket_policy_grants_only_trusted_accounts(
    statement: dict[str, Any], expected: list[str]
) -> None:
    policy = attrs.evolve(POLICY, trusted_accounts=("123456789012",))
    params = {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY, statement)}
    assert failed("PutBucketPolicy", params, policy) == expected


def test_the_artifact_store_s_own_bucket_policy_passes_every_rule() -> None:
    from secure_sagemaker.artifacts._bucket import required_statements

    document = bucket_policy(*required_statements(BUCKET, POLICY.kms_key_id or ""))
    found = ss.evaluate(
        "PutBucketPolicy", {"Bucket": BUCKET, "Policy": document}, POLICY, service="s3"
    )
    assert found and [f.rule_id for f in found if f.failed] == []


# ----------------------------------------------------------------- ACLs


@pytest.mark.parametrize(
    "acl",
    [
        "public-read",
        "public-read-write",
        "authenticated-read",
        "aws-exec-read",
        "bucket-owner-read",
    ],
)
@pytest.mark.parametrize(
    "operation",
    ["PutObject", "CopyObject", "CreateMultipartUpload", "PutObjectAcl", "PutBucketAcl"],
)
def test_every_canned_acl_but_private_is_refused_on_every_operation(
    operation: str, acl: str
) -> None:
    params = {"Bucket": BUCKET, "Key": "m", "CopySource": f"{BUCKET}/n", "ACL": acl}
    assert "SM444" in failed(operation, params)
    assert "SM444" not in failed(operation, {**params, "ACL": "private"})


@pytest.mark.parametrize(
    "grantee",
    [
        {"Type": "CanonicalUser", "ID": OTHER_USER},
        {"Type": "AmazonCustomerByEmail", "EmailAddress": "someone@example.com"},
        {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
    ],
)
def test_an_explicit_acl_grants_only_its_owner(grantee: dict[str, Any]) -> None:
    assert failed(
        "PutObjectAcl", {"Bucket": BUCKET, "Key": "m", "AccessControlPolicy": acp(grantee)}
    ) == ["SM446"]
    no_owner = {"Grants": [{"Grantee": owner(), "Permission": "READ"}]}
    assert failed("PutBucketAcl", {"Bucket": BUCKET, "AccessControlPolicy": no_owner}) == ["SM446"]


def test_s3_log_delivery_is_a_service_not_an_exposure() -> None:
    logs = {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}
    assert (
        failed("PutBucketAcl", {"Bucket": BUCKET, "AccessControlPolicy": acp(owner(), logs)}) == []
    )
    assert failed("PutBucketAcl", {"Bucket": BUCKET, "ACL": "log-delivery-write"}) == []


def test_grant_headers_are_refused_on_writes() -> None:
    assert failed(
        "CreateMultipartUpload",
        {"Bucket": BUCKET, "Key": "m", "GrantFullControl": f'id="{OTHER_USER}"'},
    ) == ["SM445"]
    assert failed("PutBucketAcl", {"Bucket": BUCKET, "GrantWrite": f'uri="{ALL_USERS}"'}) == [
        "SM445"
    ]


# ----------------------------------------------------------------- lifecycle


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Expiration": {"Days": MIN_RETENTION_DAYS}}, []),
        ({"Expiration": {"Days": MIN_RETENTION_DAYS - 1}}, ["SM447"]),
        ({"Expiration": {"Date": "2030-01-01T00:00:00Z"}}, ["SM447"]),
        ({"Expiration": {"ExpiredObjectDeleteMarker": True}}, []),
        ({"Expiration": {"ExpiredObjectDeleteMarker": True, "Days": 90}}, ["SM447"]),
        ({"NoncurrentVersionExpiration": {"NoncurrentDays": MIN_RETENTION_DAYS}}, []),
        (
            {"NoncurrentVersionExpiration": {"NoncurrentDays": 7, "NewerNoncurrentVersions": 3}},
            ["SM447"],
        ),
        ({"NoncurrentVersionExpiration": {"NewerNoncurrentVersions": 3}}, ["SM447"]),
        ({"NoncurrentVersionExpiration": {"NoncurrentDays": 1}, "Status": "Disabled"}, []),
        ({"Transitions": [{"Days": 0, "StorageClass": "GLACIER_IR"}]}, []),
    ],
)
def test_lifecycle_rules_keep_versions_at_least_the_threshold(
    rule: dict[str, Any], expected: list[str]
) -> None:
    assert failed("PutBucketLifecycleConfiguration", lifecycle(**rule)) == expected
    assert failed("PutBucketLifecycle", lifecycle(**rule)) == expected


# ----------------------------------------------------------------- permanent deletions


def test_deleting_versions_is_refused_unless_allow_deletions_names_the_bucket() -> None:
    batch = {
        "Bucket": BUCKET,
        "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}]},
    }
    assert failed("DeleteObjects", batch) == ["SM448"]
    assert failed("DeleteObjects", {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": "a"}]}}) == []
    for name in (BUCKET, f"s3://{BUCKET}", f"arn:aws:s3:::{BUCKET}"):
        allowed = attrs.evolve(POLICY, allow_deletions={name: "purge drafts; ml-platform; 2027-01"})
        assert failed("DeleteObjects", batch, allowed) == []
        assert failed("DeleteObject", DELETE_VERSION, allowed) == []
    other = attrs.evolve(POLICY, allow_deletions={"other-bucket": "why; who; when"})
    assert failed("DeleteObject", DELETE_VERSION, other) == ["SM448"]


def test_deletion_allowed_never_matches_by_prefix() -> None:
    assert not deletion_allowed(BUCKET, {BUCKET + "-x": "j"})
    assert not deletion_allowed(BUCKET, {f"arn:aws:s3:::x{BUCKET}": "j"})
    assert deletion_allowed(ACCESS_POINT, {ACCESS_POINT: "j"})
    assert not deletion_allowed(None, {"": "j"})


# ----------------------------------------------------------------- replication


def test_replication_goes_only_to_artifact_buckets_of_trusted_accounts() -> None:
    trusted = attrs.evolve(POLICY, trusted_accounts=("123456789012",))
    ours = f"arn:aws:s3:::{BUCKET}"
    assert (
        failed("PutBucketReplication", replication(Bucket=ours, Account="123456789012"), trusted)
        == []
    )
    assert failed("PutBucketReplication", replication(Bucket=ours, Account=OTHER), trusted) == [
        "SM449"
    ]
    # a trusted Account does not attribute a bucket ARN: S3 bucket ARNs name no account
    assert failed(
        "PutBucketReplication",
        replication(Bucket="arn:aws:s3:::dr-copy", Account="123456789012"),
        trusted,
    ) == ["SM449"]
