"""STS: unknown operations are logged (SM001), refused only with ``block_at = "low"``.

Assuming a role issues temporary credentials and changes nothing: allowed (the role's trust
and permission policies are IAM's, judged there).  ``AssumeRoot`` opens a privileged root
session on a member account: unknown.  ``DecodeAuthorizationMessage`` only reads; ``Get*``
(session tokens, caller identity) are read-only by prefix.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

SERVICE = ServiceOperations(
    service="sts",
    stance="log",
    allowed={
        **dict.fromkeys(
            names("""AssumeRole AssumeRoleWithSAML AssumeRoleWithWebIdentity"""),
            "issues temporary credentials; changes no resource",
        ),
    },
    read=names("""DecodeAuthorizationMessage"""),
    unknown=names("""AssumeRoot"""),
)
