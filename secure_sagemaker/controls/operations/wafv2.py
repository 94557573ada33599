"""WAF: unknown operations are logged (SM001), refused only with ``block_at = "low"``.

Web ACL creation and updates are judged (SM8xx); deleting or disassociating web ACLs, rule
groups, IP and regex sets, logging and permission policies is unknown.  Allowed: tags.
``CheckCapacity`` and ``GenerateMobileSdkReleaseUrl`` only read.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

SERVICE = ServiceOperations(
    service="wafv2",
    stance="log",
    allowed={
        **dict.fromkeys(names("""TagResource UntagResource"""), "tags only"),
    },
    read=names("""CheckCapacity GenerateMobileSdkReleaseUrl"""),
    unknown=names("""
        AssociateWebACL CreateAPIKey CreateIPSet CreateRegexPatternSet CreateRuleGroup
        DeleteAPIKey DeleteFirewallManagerRuleGroups DeleteIPSet DeleteLoggingConfiguration
        DeletePermissionPolicy DeleteRegexPatternSet DeleteRuleGroup DeleteWebACL
        DisassociateWebACL PutLoggingConfiguration PutManagedRuleSetVersions PutPermissionPolicy
        UpdateIPSet UpdateManagedRuleSetVersionExpiryDate UpdateRegexPatternSet UpdateRuleGroup
    """),
)
