"""IAM: every operation no rule judges and none allows is refused (SM000).

Allowed: starting access reports, and tags of resources that are not principals.  Tags of
roles and users are unknown: ``aws:PrincipalTag`` and ``iam:ResourceTag`` conditions make
them permissions.  Everything that changes policies, principals, credentials, identity
providers or account settings is unknown.

Judged by rules (SM6xx), so not listed here: policy documents, trust policies,
managed-policy attachments, SetDefaultPolicyVersion (SM610) and permissions boundaries
(SM611, SM612).  DeleteRolePolicy and DetachRolePolicy stay unknown although they
usually narrow a role: the policy removed may hold the Deny statements of the
guardrails (``guardrails(form="iam")``), and only reading it could tell; the package's
own rollbacks remove what they created (``removing_what_was_created``), anything else
needs ``allow_operations`` with a justification.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_REPORTS = names("""
    GenerateCredentialReport GenerateOrganizationsAccessReport
    GenerateServiceLastAccessedDetails
""")
_TAGS = names("""
    TagInstanceProfile TagMFADevice TagOpenIDConnectProvider TagPolicy TagSAMLProvider
    TagServerCertificate UntagInstanceProfile UntagMFADevice UntagOpenIDConnectProvider
    UntagPolicy UntagSAMLProvider UntagServerCertificate
""")

SERVICE = ServiceOperations(
    service="iam",
    stance="refuse",
    allowed={
        **dict.fromkeys(_REPORTS, "starts an access report; changes no permission"),
        **dict.fromkeys(_TAGS, "tags of a resource that is not a principal"),
    },
    unknown=names("""
        AcceptDelegationRequest AcquireRole AddClientIDToOpenIDConnectProvider
        AddRoleToInstanceProfile AddUserToGroup AssociateDelegationRequest AttachGroupPolicy
        AttachUserPolicy ChangePassword CreateAccessKey CreateAccountAlias
        CreateDelegationRequest CreateGroup CreateInstanceProfile CreateLoginProfile
        CreateOpenIDConnectProvider CreateSAMLProvider CreateServiceLinkedRole
        CreateServiceSpecificCredential CreateUser CreateVirtualMFADevice DeactivateMFADevice
        DeleteAccessKey DeleteAccountAlias DeleteAccountPasswordPolicy DeleteGroup
        DeleteGroupPolicy DeleteInstanceProfile DeleteLoginProfile DeleteOpenIDConnectProvider
        DeletePolicy DeletePolicyVersion DeleteRole
        DeleteRolePolicy DeleteSAMLProvider DeleteSSHPublicKey DeleteServerCertificate
        DeleteServiceLinkedRole DeleteServiceSpecificCredential DeleteSigningCertificate
        DeleteUser DeleteUserPermissionsBoundary DeleteUserPolicy DeleteVirtualMFADevice
        DetachGroupPolicy DetachRolePolicy DetachUserPolicy
        DisableOrganizationsRootCredentialsManagement DisableOrganizationsRootSessions
        DisableOutboundWebIdentityFederation EnableMFADevice
        EnableOrganizationsRootCredentialsManagement EnableOrganizationsRootSessions
        EnableOutboundWebIdentityFederation PutAccountProperties PutGroupPolicy
        PutUserPermissionsBoundary PutUserPolicy
        RejectDelegationRequest RemoveClientIDFromOpenIDConnectProvider
        RemoveRoleFromInstanceProfile RemoveUserFromGroup ResetServiceSpecificCredential
        ResyncMFADevice SendDelegationToken
        SetSecurityTokenServicePreferences TagRole TagUser UntagRole UntagUser UpdateAccessKey
        UpdateAccountPasswordPolicy UpdateDelegationRequest UpdateGroup UpdateLoginProfile
        UpdateOpenIDConnectProvider UpdateOpenIDConnectProviderThumbprint UpdateRole
        UpdateRoleDescription UpdateSAMLProvider UpdateSSHPublicKey UpdateServerCertificate
        UpdateServiceSpecificCredential UpdateSigningCertificate UpdateUser UploadSSHPublicKey
        UploadServerCertificate UploadSigningCertificate
    """),
)
