"""Nothing opens or weakens an artifact bucket (issue 13), end to end: with the guard
installed against the embedded emulator, each weakening S3 call is refused before
anything is sent (0 HTTP requests on that client) with its rule ID, and a secure
variant of it is sent.  Where moto does not implement an operation or a case, the
secure variant is only asserted *sent* and moto's error accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from secure_sagemaker.artifacts._bucket import required_statements
from tests._examples import BUCKET, POLICY
from tests._guarded import Sent, refused, sent_anyway

pytestmark = pytest.mark.e2e

SCRATCH = "scratch-bucket"
REPLICA = "ml-artifacts-replica"
FOREIGN = "444455556666"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
OTHER_USER = "a" * 64
ACCESS_POINT = "arn:aws:s3:us-east-1:123456789012:accesspoint/models"


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def world(fresh_aws: Any) -> Iterator[dict[str, Any]]:
    """The artifact bucket (versioned, one object in two versions), its replica (also an
    artifact bucket) and a scratch bucket the policy does not protect."""
    session = fresh_aws.session()
    account = session.client("sts").get_caller_identity()["Account"]
    s3 = session.client("s3", region_name="us-east-1")
    for name in (BUCKET, REPLICA, SCRATCH):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    versions = [
        s3.put_object(Bucket=b, Key="m.bin", Body=b"v")["VersionId"]
        for b in (BUCKET, BUCKET, SCRATCH)
    ]
    policy = attrs.evolve(POLICY, artifact_buckets=[BUCKET, REPLICA])
    yield {"session": session, "account": account, "versions": versions, "policy": policy}
    ss.uninstall()


def _s3(world: dict[str, Any], policy: ss.SecurityPolicy | None = None) -> tuple[Any, Sent]:
    ss.install(policy or world["policy"])
    client = world["session"].client("s3", region_name="us-east-1")
    return client, Sent(client)


# --------------------------------------------------------------------------- deletions


@pytest.mark.parametrize(
    ("method", "operation", "rule_id"),
    [
        ("delete_bucket_policy", "DeleteBucketPolicy", "SM440"),
        ("delete_bucket_encryption", "DeleteBucketEncryption", "SM441"),
        ("delete_public_access_block", "DeletePublicAccessBlock", "SM442"),
    ],
)
def test_an_artifact_bucket_s_protections_are_not_deleted(
    world: dict[str, Any], method: str, operation: str, rule_id: str
) -> None:
    s3, sent = _s3(world)
    refused(getattr(s3, method), sent, rule_id, Bucket=BUCKET)
    refused(getattr(s3, method), sent, rule_id, Bucket=ACCESS_POINT)  # fail closed
    sent_anyway(getattr(s3, method), sent, operation, Bucket=SCRATCH)  # not protected


def test_a_waiver_lets_a_protection_go(world: dict[str, Any]) -> None:
    waived = attrs.evolve(world["policy"], waivers={"SM440": "rebuild; ml-platform; 2027-01"})
    s3, sent = _s3(world, waived)
    sent_anyway(s3.delete_bucket_policy, sent, "DeleteBucketPolicy", Bucket=BUCKET)


def test_object_versions_are_not_deleted_for_good(world: dict[str, Any]) -> None:
    s3, sent = _s3(world)
    first, second, scratch = world["versions"]
    refused(s3.delete_object, sent, "SM448", Bucket=BUCKET, Key="m.bin", VersionId=first)
    batch = {"Objects": [{"Key": "m.bin"}, {"Key": "m.bin", "VersionId": second}]}
    refused(s3.delete_objects, sent, "SM448", Bucket=BUCKET, Delete=batch)
    refused(s3.delete_object, sent, "SM448", Bucket=ACCESS_POINT, Key="m.bin", VersionId=first)
    # a delete marker keeps every version; another bucket is not protected
    sent_anyway(s3.delete_object, sent, "DeleteObject", Bucket=BUCKET, Key="m.bin")
    sent_anyway(
        s3.delete_object, sent, "DeleteObject", Bucket=SCRATCH, Key="m.bin", VersionId=scratch
    )
    kept = s3.list_object_versions(Bucket=BUCKET, Prefix="m.bin")
    assert {v["VersionId"] for v in kept["Versions"]} == {first, second}


def test_allow_deletions_lets_the_named_bucket_purge_versions(world: dict[str, Any]) -> None:
    policy = attrs.evolve(
        world["policy"], allow_deletions={BUCKET: "purge drafts; ml-platform; 2027-01"}
    )
    s3, sent = _s3(world, policy)
    first, second, _ = world["versions"]
    sent_anyway(s3.delete_object, sent, "DeleteObject", Bucket=BUCKET, Key="m.bin", VersionId=first)
    kept = s3.list_object_versions(Bucket=BUCKET, Prefix="m.bin")
    assert [v["VersionId"] for v in kept["Versions"]] == [second]


# --------------------------------------------------------------------------- the policy


def test_the_bucket_policy_is_not_opened_and_keeps_its_tls_deny(world: dict[str, Any]) -> None:
    s3, sent = _s3(world)
    store = required_statements(BUCKET, str(world["policy"].kms_key_id))
    read = {
        "Sid": "Read",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    public = {**read, "Principal": "*"}
    foreign = {**read, "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"}}
    own = {**read, "Principal": {"AWS": f"arn:aws:iam::{world['account']}:role/ml"}}
    for statement in (public, foreign):
        refused(
            s3.put_bucket_policy,
            sent,
            "SM443",
            Bucket=BUCKET,
            Policy=policy_document(*store, statement),
        )
    # a TLS deny of another bucket, or of the objects only, does not protect this one
    elsewhere = {**store[0], "Resource": [f"arn:aws:s3:::{SCRATCH}", f"arn:aws:s3:::{SCRATCH}/*"]}
    objects_only = {**store[0], "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    for tls in (elsewhere, objects_only):
        refused(
            s3.put_bucket_policy,
            sent,
            "SM406",
            Bucket=BUCKET,
            Policy=policy_document(tls, *store[1:]),
        )
    # the store's own statements and a grant to the caller's own account (the guard asks
    # STS for it: trusted-accounts is empty)
    sent_anyway(
        s3.put_bucket_policy,
        sent,
        "PutBucketPolicy",
        Bucket=BUCKET,
        Policy=policy_document(*store, own),
    )
    assert (
        json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"][-1]["Sid"] == "Read"
    )


# --------------------------------------------------------------------------- ACLs


def test_no_acl_opens_the_bucket_or_an_object(world: dict[str, Any]) -> None:
    s3, sent = _s3(world)
    obj = {"Bucket": BUCKET, "Key": "m.bin"}
    refused(s3.put_bucket_acl, sent, "SM444", Bucket=BUCKET, ACL="public-read")
    refused(s3.put_object_acl, sent, "SM444", **obj, ACL="authenticated-read")
    refused(s3.put_object, sent, "SM444", **obj, Body=b"w", ACL="public-read")
    refused(
        s3.copy_object, sent, "SM444", **obj, CopySource=f"{BUCKET}/m.bin", ACL="public-read-write"
    )
    refused(s3.create_multipart_upload, sent, "SM444", **obj, ACL="public-read")
    refused(s3.put_object, sent, "SM445", **obj, Body=b"w", GrantRead=f'uri="{ALL_USERS}"')
    refused(s3.put_bucket_acl, sent, "SM445", Bucket=BUCKET, GrantFullControl=f'id="{OTHER_USER}"')
    owner = s3.get_bucket_acl(Bucket=BUCKET)["Owner"]
    everyone = {
        "Grants": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}],
        "Owner": owner,
    }
    refused(s3.put_bucket_acl, sent, "SM446", Bucket=BUCKET, AccessControlPolicy=everyone)
    refused(s3.put_object_acl, sent, "SM446", **obj, AccessControlPolicy=everyone)
    # private ACLs are sent
    sent_anyway(s3.put_object, sent, "PutObject", **obj, Body=b"w", ACL="bucket-owner-full-control")
    sent_anyway(s3.put_object_acl, sent, "PutObjectAcl", **obj, ACL="private")
    mine = {
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}
        ],
        "Owner": owner,
    }
    sent_anyway(s3.put_bucket_acl, sent, "PutBucketAcl", Bucket=BUCKET, AccessControlPolicy=mine)
    grants = s3.get_bucket_acl(Bucket=BUCKET)["Grants"]
    assert all(g["Grantee"].get("URI") != ALL_USERS for g in grants)


# --------------------------------------------------------------------------- versions


def test_versioning_is_not_suspended(world: dict[str, Any]) -> None:
    s3, sent = _s3(world)
    refused(
        s3.put_bucket_versioning,
        sent,
        "SM403",
        Bucket=BUCKET,
        VersioningConfiguration={"Status": "Suspended"},
    )
    refused(
        s3.put_bucket_versioning,
        sent,
        "SM403",
        Bucket=ACCESS_POINT,
        VersioningConfiguration={"Status": "Suspended"},
    )
    sent_anyway(
        s3.put_bucket_versioning,
        sent,
        "PutBucketVersioning",
        Bucket=BUCKET,
        VersioningConfiguration={"Status": "Enabled"},
    )
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"


def _lifecycle(**rule: Any) -> dict[str, Any]:
    return {"Rules": [{"ID": "tidy", "Status": "Enabled", "Filter": {"Prefix": ""}, **rule}]}


def test_lifecycle_rules_keep_the_history(world: dict[str, Any]) -> None:
    s3, sent = _s3(world)
    put = s3.put_bucket_lifecycle_configuration
    for rule in (
        {"NoncurrentVersionExpiration": {"NoncurrentDays": 1}},
        {"Expiration": {"Days": 7}},
        {"Expiration": {"Date": "2030-01-01T00:00:00Z"}},
    ):
        refused(put, sent, "SM447", Bucket=BUCKET, LifecycleConfiguration=_lifecycle(**rule))
    keep = _lifecycle(
        NoncurrentVersionExpiration={"NoncurrentDays": 90},
        AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7},
    )
    sent_anyway(
        put, sent, "PutBucketLifecycleConfiguration", Bucket=BUCKET, LifecycleConfiguration=keep
    )
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90


def _replication(account: str, bucket: str, **destination: Any) -> dict[str, Any]:
    return {
        "Role": f"arn:aws:iam::{account}:role/replication",
        "Rules": [
            {
                "ID": "dr",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{bucket}", **destination},
            }
        ],
    }


def test_replication_goes_only_to_artifact_buckets_of_trusted_accounts(
    world: dict[str, Any],
) -> None:
    s3, sent = _s3(world)
    account = world["account"]
    put = s3.put_bucket_replication
    for config in (
        _replication(account, SCRATCH),  # not an artifact bucket: its account is unknown
        _replication(account, "somebody-elses-bucket", Account=FOREIGN),
        _replication(account, REPLICA, Account=FOREIGN),
    ):
        refused(put, sent, "SM449", Bucket=BUCKET, ReplicationConfiguration=config)
    sent_anyway(
        put,
        sent,
        "PutBucketReplication",
        Bucket=BUCKET,
        ReplicationConfiguration=_replication(account, REPLICA, Account=account),
    )
    rules = s3.get_bucket_replication(Bucket=BUCKET)["ReplicationConfiguration"]["Rules"]
    assert rules[0]["Destination"]["Bucket"] == f"arn:aws:s3:::{REPLICA}"
