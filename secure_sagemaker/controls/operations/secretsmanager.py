"""Secrets Manager: every operation no rule judges is refused (SM000); none is allowed.

Resource policies, deletion, rotation, replication and values (on protected secrets)
are judged by SM50x and SM52x (``controls/sm5_secrets.py``, ``sm5_secret_guard.py``).
What remains changes a secret's state or who can read it with nothing to judge it:
removing a resource policy (it may hold the Deny that pins access), cutting a replica
loose, restoring a deleted secret, and tags, since with ABAC they decide who can read
a secret.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

SERVICE = ServiceOperations(
    service="secretsmanager",
    stance="refuse",
    unknown=names("""
        DeleteResourcePolicy DisassociateCrossAccountReplica RestoreSecret
        StopReplicationToReplica TagResource UntagResource
    """),
)
