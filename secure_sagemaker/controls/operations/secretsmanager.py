"""Secrets Manager: every operation no rule judges is refused (SM000); none is allowed.

Values, version stages, resource policies, replication, rotation, deletion and restore all
change a secret's state or who can read it; tags are unknown too, since with ABAC they
decide who can read a secret.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

SERVICE = ServiceOperations(
    service="secretsmanager",
    stance="refuse",
    unknown=names("""
        AssociateCrossAccountReplica CancelRotateSecret DeleteResourcePolicy DeleteSecret
        DisassociateCrossAccountReplica PutResourcePolicy PutSecretValue
        RemoveRegionsFromReplication ReplicateSecretToRegions RestoreSecret
        StopReplicationToReplica TagResource UntagResource UpdateSecretVersionStage
    """),
)
