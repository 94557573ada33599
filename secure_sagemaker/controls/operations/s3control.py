"""S3 Control: every operation no rule judges and none allows is refused (SM000).

Access points, access grants, Multi-Region access points, batch jobs and account settings
all change who can reach which data.  Only Storage Lens configuration tags are allowed;
``TagResource`` and job tags stay unknown: bucket, access point and access grant tags drive
ABAC, and job tags gate who may update a batch job.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_STORAGE_LENS_TAGS = names("""
    DeleteStorageLensConfigurationTagging PutStorageLensConfigurationTagging
""")

SERVICE = ServiceOperations(
    service="s3control",
    stance="refuse",
    allowed={
        **dict.fromkeys(
            _STORAGE_LENS_TAGS, "tags of a Storage Lens dashboard only; they grant no access"
        ),
    },
    unknown=names("""
        AssociateAccessGrantsIdentityCenter CreateAccessGrant CreateAccessGrantsInstance
        CreateAccessGrantsLocation CreateAccessPoint CreateAccessPointForObjectLambda
        CreateBucket CreateJob CreateMultiRegionAccessPoint CreateStorageLensGroup
        DeleteAccessGrant DeleteAccessGrantsInstance DeleteAccessGrantsInstanceResourcePolicy
        DeleteAccessGrantsLocation DeleteAccessPoint DeleteAccessPointForObjectLambda
        DeleteAccessPointPolicy DeleteAccessPointPolicyForObjectLambda DeleteAccessPointScope
        DeleteBucket DeleteBucketLifecycleConfiguration DeleteBucketPolicy
        DeleteBucketReplication DeleteBucketTagging DeleteJobTagging
        DeleteMultiRegionAccessPoint DeletePublicAccessBlock DeleteStorageLensConfiguration
        DeleteStorageLensGroup DissociateAccessGrantsIdentityCenter
        PutAccessGrantsInstanceResourcePolicy PutAccessPointConfigurationForObjectLambda
        PutAccessPointPolicy PutAccessPointPolicyForObjectLambda PutAccessPointScope
        PutBucketLifecycleConfiguration PutBucketPolicy PutBucketReplication PutBucketTagging
        PutBucketVersioning PutJobTagging PutMultiRegionAccessPointPolicy
        PutStorageLensConfiguration SubmitMultiRegionAccessPointRoutes TagResource UntagResource
        UpdateAccessGrantsLocation UpdateJobPriority UpdateJobStatus UpdateStorageLensGroup
    """),
)
