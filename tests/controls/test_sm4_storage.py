"""SM4xx examples: S3 artifact buckets, KMS keys, account state.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm4_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.controls import _bucket_policy as bp
from secure_sagemaker.rules import Context
from tests._examples import (
    ACCOUNT,
    BPA,
    BUCKET,
    KEY,
    KMS_ONLY,
    POLICY,
    TLS_ONLY,
    bucket_policy,
    drop,
    put,
)
from tests._examples_account import account, key_policy, kms_key
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM401": ("PutObject", put(), put(ServerSideEncryption="AES256")),
    "SM402": ("CreateMultipartUpload", drop(put(), "Body"), drop(drop(put(), "Body"), "SSEKMSKeyId")),
    "SM403": ("PutBucketVersioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}},
              {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Suspended"}}),
    "SM404": ("PutBucketVersioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}},
              {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled", "MFADelete": "Disabled"}}),
    "SM405": ("PutBucketEncryption", {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": True}]}},
              {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {"Rules": [
                  {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}),
    "SM406": ("PutBucketPolicy", {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY)},
              {"Bucket": BUCKET, "Policy": bucket_policy(KMS_ONLY)}),
    "SM407": ("PutBucketPolicy", {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY)},
              {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY)}),
    "SM408": ("PutPublicAccessBlock", {"Bucket": BUCKET, "PublicAccessBlockConfiguration": BPA},
              {"Bucket": BUCKET, "PublicAccessBlockConfiguration": {**BPA, "RestrictPublicBuckets": False}}),
    "SM409": ("PutPublicAccessBlock", {"AccountId": ACCOUNT, "PublicAccessBlockConfiguration": BPA},
              {"AccountId": ACCOUNT, "PublicAccessBlockConfiguration": {**BPA, "BlockPublicAcls": False}}),
    "SM410": ("DisableKeyRotation", None, {"KeyId": KEY}),
    "SM411": ("PutBucketLogging",
              {"Bucket": BUCKET, "BucketLoggingStatus": {"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "a/"}}},
              {"Bucket": BUCKET, "BucketLoggingStatus": {}}),
    "SM412": ("PutBucketOwnershipControls",
              {"Bucket": BUCKET, "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
              {"Bucket": BUCKET, "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}),
    "SM420": ("CreateFeatureGroup", {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
                                     "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
                                     "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs", "KmsKeyId": KEY}}},
              {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
               "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
               "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs"}}}),
    "SM421": ("CreateFeatureGroup", {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
                                     "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
                                     "OnlineStoreConfig": {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": KEY}}},
              {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
               "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
               "OnlineStoreConfig": {"EnableOnlineStore": True}}),
    "SM430": ("@KmsKey", kms_key(), kms_key(KeyRotationEnabled=False)),
    "SM431": ("@KmsKey", kms_key(), kms_key(KeyState="PendingDeletion")),
    "SM432": ("@KmsKey", kms_key(), kms_key(Policy=key_policy("*"))),
    "SM433": (
        "@Bucket",
        {
            "Bucket": "ml-artifacts-bucket",
            "Logging": {"TargetBucket": "ml-access-logs", "TargetPrefix": "ml-artifacts-bucket/"},
        },
        {"Bucket": "ml-artifacts-bucket"},
    ),
    "SM434": (
        "@Account",
        account(),
        account(GuardDuty={"Status": "ENABLED", "S3Protection": "DISABLED"}),
    ),
    "SM435": ("@Account", account(), {k: v for k, v in account().items() if k != "Macie"}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


# ----------------------------------------------------------------- SM406/SM407: this bucket

ARN = f"arn:aws:s3:::{BUCKET}"


def _policy_failures(*statements: dict[str, Any], region: str = "us-east-1") -> list[str]:
    params = {"Bucket": BUCKET, "Policy": bucket_policy(*statements)}
    found = ss.evaluate("PutBucketPolicy", params, POLICY, region=region, service="s3")
    return sorted(f.rule_id for f in found if f.failed and f.rule_id in ("SM406", "SM407"))


@pytest.mark.parametrize(
    ("resource", "covers"),
    [
        ([ARN, f"{ARN}/*"], True),
        ("*", True),
        ("arn:aws:s3:::*", True),
        (f"{ARN}*", True),
        ([ARN, "arn:aws:s3:::*/*"], True),
        ("arn:aws:s3:::other-bucket", False),  # another bucket
        (["arn:aws:s3:::other-bucket", "arn:aws:s3:::other-bucket/*"], False),
        (f"{ARN}/*", False),  # the objects only: bucket-level calls go over plain HTTP
        (ARN, False),  # the bucket only
        ([ARN, f"{ARN}/models/*"], False),  # one prefix
        ([ARN.upper(), f"{ARN.upper()}/*"], False),  # ARNs match case-sensitively
        ([f"{ARN}-old", f"{ARN}-old/*"], False),
    ],
)
def test_the_tls_deny_must_cover_this_bucket_and_all_its_objects(resource: Any, covers: bool) -> None:
    tls = {**TLS_ONLY, "Resource": resource}
    assert _policy_failures(tls, KMS_ONLY) == ([] if covers else ["SM406"])


@pytest.mark.parametrize(
    ("change", "counts"),
    [
        ({"Principal": {"AWS": "*"}}, True),
        ({"Action": ["s3:GetObject", "S3:*"]}, True),
        ({"Action": "s3:**"}, True),
        ({"Effect": "deny"}, True),
        ({"Condition": {"BoolIfExists": {"aws:SecureTransport": False}}}, True),
        ({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}, False),
        ({"Action": "s3:GetObject"}, False),
        ({"Effect": "Allow"}, False),
        ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, False),
        ({"Condition": {"Bool": {"aws:SecureTransport": "false"},
                        "StringEquals": {"aws:PrincipalAccount": "111122223333"}}}, False),
        ({"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}}, False),
    ],
)
def test_the_tls_deny_must_deny_everyone_everything_without_tls(change: dict[str, Any], counts: bool) -> None:
    assert _policy_failures({**TLS_ONLY, **change}, KMS_ONLY) == ([] if counts else ["SM406"])


def test_a_not_resource_deny_counts_only_when_it_excludes_nothing_of_this_bucket() -> None:
    tls = drop(TLS_ONLY, "Resource")
    assert _policy_failures({**tls, "NotResource": "arn:aws:s3:::other/*"}, KMS_ONLY) == []
    assert _policy_failures({**tls, "NotResource": f"{ARN}/public/*"}, KMS_ONLY) == ["SM406"]
    assert _policy_failures({**tls, "NotResource": "arn:aws:s3:::*"}, KMS_ONLY) == ["SM406"]


def test_the_partition_follows_the_region() -> None:
    cn = {**TLS_ONLY, "Resource": [f"arn:aws-cn:s3:::{BUCKET}", f"arn:aws-cn:s3:::{BUCKET}/*"]}
    kms_cn = {**KMS_ONLY, "Resource": f"arn:aws-cn:s3:::{BUCKET}/*"}
    assert _policy_failures(cn, kms_cn, region="cn-north-1") == []
    assert _policy_failures(cn, kms_cn, region="us-east-1") == ["SM406", "SM407"]


@pytest.mark.parametrize(
    ("change", "counts"),
    [
        ({"Resource": f"{ARN}/*"}, True),
        ({"Action": "s3:Put*"}, True),
        ({"Resource": "arn:aws:s3:::other-bucket/*"}, False),
        ({"Resource": f"{ARN}/models/*"}, False),
        ({"Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
                        "StringEquals": {"aws:PrincipalAccount": "111122223333"}}}, False),
    ],
)
def test_the_sse_kms_deny_must_cover_every_object_of_this_bucket(change: dict[str, Any], counts: bool) -> None:
    assert _policy_failures(TLS_ONLY, {**KMS_ONLY, **change}) == ([] if counts else ["SM407"])


def test_the_artifact_store_s_statements_satisfy_sm406_and_sm407() -> None:
    from secure_sagemaker.artifacts._bucket import required_statements

    assert _policy_failures(*required_statements(BUCKET, KEY)) == []
    assert bp.denies_insecure_transport(bucket_policy(*required_statements(BUCKET, KEY)), BUCKET)


def test_without_a_bucket_the_requirements_accept_any_resource() -> None:
    """The store's merge asks whether an existing policy already denies plain HTTP."""
    other = {**TLS_ONLY, "Resource": "arn:aws:s3:::other-bucket"}
    assert bp.denies_insecure_transport(bucket_policy(other))
    assert not bp.denies_insecure_transport(bucket_policy(other), BUCKET)


def test_a_request_that_names_no_bucket_by_name_fails_sm406() -> None:
    check = CATALOG.rule("SM406").check
    ctx = Context(POLICY, {"Bucket": "arn:aws:s3:us-east-1:123456789012:accesspoint/a"}, "PutBucketPolicy")
    assert not check(bucket_policy(TLS_ONLY), ctx).passed
