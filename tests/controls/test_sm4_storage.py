"""SM4xx examples: S3 artifact buckets, KMS keys, account state.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm4_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import ACCOUNT, BPA, BUCKET, KEY, KMS_ONLY, TLS_ONLY, bucket_policy, drop, put
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
