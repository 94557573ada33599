"""S3: unknown operations are refused when they target one of the policy's artifact buckets,
logged elsewhere.

Object data (uploading parts, completing, aborting, restoring, renaming, annotating
objects) and tags are allowed: none changes a bucket's encryption, policy, ACLs,
versioning, logging or public-access block.  Deleting objects is judged (SM448: a
``VersionId`` deletes history for good), as are deleting a bucket's policy, default
encryption or public access block, ACLs, lifecycle and replication rules
(``controls/sm4_bucket_guard.py``).  Bucket tags grant no access (with ABAC on, S3
refuses ``PutBucketTagging``; the ABAC switch and s3control's tagging are unknown).
Every other bucket setting, object lock or retention and ``UpdateObjectEncryption`` is
unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker._operations import ServiceOperations, names

__all__ = ["SERVICE", "artifact_bucket_or_access_point"]

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

_ALIAS_SUFFIXES = ("-s3alias", "--op-s3", "--ol-s3")
"""How access point aliases end: S3 alone knows which bucket they stand for."""


def artifact_bucket_or_access_point(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    """Whether the request's ``Bucket`` is one of the policy's artifact buckets.

    An access point or Outposts ARN, or an access point alias, may stand for an
    artifact bucket and cannot be resolved without calling AWS: protected whenever the
    policy names artifact buckets.  No ``Bucket``, or one that is not a string (botocore
    refuses it anyway): not protected.
    """
    bucket = params.get("Bucket")
    if not isinstance(bucket, str):
        return False
    if bucket.startswith("arn:") or bucket.endswith(_ALIAS_SUFFIXES):
        return bool(policy.artifact_buckets)
    return policy.is_artifact_bucket(bucket)


_OBJECT_DATA = names("""
    AbortMultipartUpload CompleteMultipartUpload DeleteObjectAnnotation
    PutObjectAnnotation RenameObject RestoreObject UploadPart UploadPartCopy
""")
_TAGS = names("""
    DeleteBucketTagging DeleteObjectTagging PutBucketTagging PutObjectTagging
""")

SERVICE = ServiceOperations(
    service="s3",
    stance="protected",
    scope="artifact buckets",
    protected=artifact_bucket_or_access_point,
    allowed={
        **dict.fromkeys(_OBJECT_DATA, "object data; the bucket's protection is unchanged"),
        **dict.fromkeys(_TAGS, "tags only"),
        "CreateBucket": "creates a new bucket: S3 blocks public access and disables ACLs on "
        "new buckets, and every later change to it is judged",
        "CreateSession": "issues directory-bucket session credentials; changes no configuration",
    },
    unknown=names("""
        CreateBucketMetadataConfiguration CreateBucketMetadataTableConfiguration
        DeleteBucket DeleteBucketAnalyticsConfiguration DeleteBucketCors
        DeleteBucketIntelligentTieringConfiguration DeleteBucketInventoryConfiguration
        DeleteBucketLifecycle DeleteBucketMetadataConfiguration
        DeleteBucketMetadataTableConfiguration DeleteBucketMetricsConfiguration
        DeleteBucketOwnershipControls DeleteBucketReplication
        DeleteBucketWebsite PutBucketAbac
        PutBucketAccelerateConfiguration PutBucketAnalyticsConfiguration
        PutBucketCors PutBucketIntelligentTieringConfiguration PutBucketInventoryConfiguration
        PutBucketMetricsConfiguration PutBucketNotification PutBucketNotificationConfiguration
        PutBucketRequestPayment PutBucketWebsite
        PutObjectLegalHold PutObjectLockConfiguration PutObjectRetention
        UpdateBucketMetadataAnnotationTableConfiguration
        UpdateBucketMetadataInventoryTableConfiguration
        UpdateBucketMetadataJournalTableConfiguration UpdateObjectEncryption
        WriteGetObjectResponse
    """),
)
