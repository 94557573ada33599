"""SM1xx - notebook instances, their lifecycle configs, and Studio domains."""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

NB = "CreateNotebookInstance"
NB_UPDATE = "UpdateNotebookInstance"
LCC = ("CreateNotebookInstanceLifecycleConfig", "UpdateNotebookInstanceLifecycleConfig")

_SHORTEST_SESSION = 1800  # the API's minimum
PRESIGNED_URLS = (
    "CreatePresignedNotebookInstanceUrl",
    "CreatePresignedDomainUrl",
    "CreatePresignedMlflowTrackingServerUrl",
    "CreatePresignedMlflowAppUrl",
    "CreatePartnerAppPresignedUrl",
)


def _short_session(value: Any, ctx: Context) -> Verdict:
    longest = ctx.policy.max_presigned_session_seconds
    if value is MISSING:
        return fail("is absent, so the session lasts 12 hours")
    if isinstance(value, bool) or not isinstance(value, int) or value > longest:
        return fail(f"must be at most {longest} seconds (max-presigned-session-seconds)")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM101",
        name="notebook-in-private-subnet",
        severity=Severity.HIGH,
        title="Notebook instance runs in a customer VPC subnet",
        fields={NB: ("SubnetId",)},
        check=c.subnets,
        default=c.policy_subnet,
        rationale="Without SubnetId the notebook runs in the SageMaker service VPC, "
        "outside your network controls, flow logs and VPC endpoints.",
        remediation="Set SubnetId to one of the policy's private subnets (or set "
        "subnets in the policy so it is filled in).",
        references=(
            "Seed:1",
            "SecurityHub:SageMaker.2",
            "Config:sagemaker-notebook-instance-inside-vpc",
            "Prowler:sagemaker_notebook_instance_vpc_settings_configured",
            "Checkov:CKV_AWS_306",
            "IAM:sagemaker:VpcSubnets",
        ),
    ),
    Rule(
        id="SM102",
        name="notebook-security-groups",
        severity=Severity.HIGH,
        title="Notebook instance uses the policy's security groups",
        fields={NB: ("SecurityGroupIds",)},
        check=c.security_groups,
        default=c.policy_security_groups,
        rationale="Security groups are the notebook's firewall in the VPC; ad-hoc groups "
        "often allow ingress from anywhere.",
        remediation="Set SecurityGroupIds to the policy's security groups.",
        references=(
            "Seed:1",
            "SecurityHub:SageMaker.2",
            "Config:sagemaker-notebook-instance-inside-vpc",
            "Checkov:CKV_AWS_306",
            "IAM:sagemaker:VpcSecurityGroupIds",
        ),
    ),
    Rule(
        id="SM103",
        name="notebook-no-direct-internet",
        severity=Severity.HIGH,
        title="Notebook instance has no direct internet access",
        fields={NB: ("DirectInternetAccess",)},
        check=c.equals("Disabled", when_absent="Enabled"),
        default=c.const("Disabled"),
        rationale="Direct internet access lets code in the notebook exfiltrate data and "
        "bypasses the VPC. The API default is Enabled, so an absent field fails "
        "(Checkov CKV_AWS_122 wrongly passes it; Prowler's check reads RootAccess).",
        remediation='Set DirectInternetAccess="Disabled" and reach AWS through VPC endpoints.',
        references=(
            "Seed:1",
            "SecurityHub:SageMaker.1",
            "Config:sagemaker-notebook-no-direct-internet-access",
            "Prowler:sagemaker_notebook_instance_without_direct_internet_access_configured",
            "Checkov:CKV_AWS_122",
            "IAM:sagemaker:DirectInternetAccess",
        ),
    ),
    Rule(
        id="SM104",
        name="notebook-no-root-access",
        severity=Severity.HIGH,
        title="Notebook instance users have no root access",
        fields={NB: ("RootAccess",), NB_UPDATE: ("RootAccess?",)},
        check=c.equals("Disabled", when_absent="Enabled"),
        default=c.const("Disabled"),
        rationale="Root lets notebook users change the instance's software, network and "
        "credentials configuration. The API default is Enabled.",
        remediation='Set RootAccess="Disabled"; install packages with lifecycle configs.',
        references=(
            "Seed:2",
            "SecurityHub:SageMaker.3",
            "Config:sagemaker-notebook-instance-root-access-check",
            "Prowler:sagemaker_notebook_instance_root_access_disabled",
            "Checkov:CKV_AWS_307",
            "IAM:sagemaker:RootAccess",
        ),
    ),
    Rule(
        id="SM105",
        name="notebook-volume-cmk",
        severity=Severity.HIGH,
        title="Notebook storage volume is encrypted with a customer-managed KMS key",
        fields={NB: ("KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="A customer key lets you audit, restrict and revoke access to notebook "
        "data; the default AWS-managed key cannot be controlled.",
        remediation="Set KmsKeyId to a customer-managed key (policy kms-key-id or kms-keys.volume).",
        references=(
            "Seed:3",
            "SecurityHub:SageMaker.21",
            "Config:sagemaker-notebook-instance-kms-key-configured",
            "Prowler:sagemaker_notebook_instance_encryption_enabled",
            "Checkov:CKV_AWS_22",
            "Checkov:CKV_AWS_187",
            "IAM:sagemaker:VolumeKmsKey",
        ),
    ),
    Rule(
        id="SM106",
        name="notebook-imdsv2",
        severity=Severity.MEDIUM,
        title="Notebook instance requires IMDSv2",
        fields={
            NB: ("InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion",),
            NB_UPDATE: (
                "InstanceMetadataServiceConfiguration?.MinimumInstanceMetadataServiceVersion",
            ),
        },
        check=c.equals("2", when_absent="1, IMDSv1 allowed"),
        default=c.const("2"),
        rationale="IMDSv1 lets server-side request forgery read the instance role's "
        "credentials; IMDSv2 requires a session token.",
        remediation='Set InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"}.',
        references=(
            "Seed:1",
            "Checkov:CKV_AWS_371",
            "IAM:sagemaker:MinimumInstanceMetadataServiceVersion",
        ),
    ),
    Rule(
        id="SM107",
        name="notebook-supported-platform",
        severity=Severity.MEDIUM,
        title="Notebook instance runs on a supported platform",
        fields={NB: ("PlatformIdentifier",)},
        check=c.equals("notebook-al2023-v1", when_absent="an older Amazon Linux platform"),
        default=c.const("notebook-al2023-v1"),
        rationale="Platforms at end of support receive no security patches.",
        remediation='Set PlatformIdentifier="notebook-al2023-v1".',
        references=(
            "Seed:1",
            "SecurityHub:SageMaker.8",
            "Config:sagemaker-notebook-instance-platform-version",
        ),
    ),
    Rule(
        id="SM108",
        name="notebook-git-repository",
        severity=Severity.LOW,
        title="Notebook instance is tied to a git repository",
        fields={NB: ("DefaultCodeRepository",)},
        check=c.present("notebook code is not versioned"),
        rationale="Notebooks tied to git keep a versioned, reviewable history of the code "
        "that produced a model.",
        remediation="Set DefaultCodeRepository to a git URL or a SageMaker code repository name.",
        references=("Seed:7",),
    ),
    Rule(
        id="SM110",
        name="code-repository-no-credentials",
        severity=Severity.HIGH,
        title="Git repository URLs carry no credentials",
        fields={
            NB: ("DefaultCodeRepository", "AdditionalCodeRepositories[]"),
            NB_UPDATE: ("DefaultCodeRepository", "AdditionalCodeRepositories[]"),
            "CreateCodeRepository": ("GitConfig.RepositoryUrl",),
        },
        check=c.no_secrets_in_text,
        rationale="A token in a repository URL (https://user:token@host/...) is stored in "
        "plain text and returned by every Describe call.",
        remediation="Register the repository with CreateCodeRepository and "
        "GitConfig.SecretArn pointing at a Secrets Manager secret, and use its name.",
        references=("Seed:4", "Seed:7"),
    ),
    Rule(
        id="SM109",
        name="lifecycle-config-no-secrets",
        severity=Severity.HIGH,
        title="Notebook lifecycle scripts contain no credentials",
        fields={op: ("OnCreate[].Content", "OnStart[].Content") for op in LCC},
        check=c.no_secrets_in_script,
        rationale="Lifecycle scripts are readable by anyone who can describe the config "
        "and are stored unencrypted in the API.",
        remediation="Read credentials at run time from Secrets Manager (aws secretsmanager "
        "get-secret-value) instead of writing them into the script.",
        references=(
            "Seed:4",
            "Prowler:sagemaker_notebook_instance_no_secrets",
            "IAM:sagemaker:NotebookInstanceLifecycleConfigArns",
        ),
    ),
    Rule(
        id="SM111",
        name="studio-domain-vpc-only",
        severity=Severity.HIGH,
        title="Studio domain sends all traffic through the VPC",
        fields={
            "CreateDomain": ("AppNetworkAccessType",),
            "UpdateDomain": ("AppNetworkAccessType?",),
        },
        check=c.equals("VpcOnly", when_absent="PublicInternetOnly"),
        default=c.const("VpcOnly"),
        rationale="PublicInternetOnly (the default) gives every Studio app direct internet access.",
        remediation='Set AppNetworkAccessType="VpcOnly" with private subnets and VPC endpoints.',
        references=(
            "Seed:1",
            "Config:sagemaker-domain-in-vpc",
            "Prowler:sagemaker_domain_vpc_only_enabled",
            "IAM:sagemaker:AppNetworkAccessType",
        ),
    ),
    Rule(
        id="SM112",
        name="studio-domain-subnets",
        severity=Severity.HIGH,
        title="Studio domain uses the policy's private subnets",
        fields={"CreateDomain": ("SubnetIds",), "UpdateDomain": ("SubnetIds?",)},
        check=c.subnets,
        default=c.policy_subnets,
        rationale="Studio apps run in these subnets; they must be private ones.",
        remediation="Set SubnetIds to the policy's private subnets.",
        references=("Seed:1", "Config:sagemaker-domain-in-vpc", "IAM:sagemaker:VpcSubnets"),
    ),
    Rule(
        id="SM113",
        name="studio-domain-cmk",
        severity=Severity.HIGH,
        title="Studio domain storage is encrypted with a customer-managed KMS key",
        fields={"CreateDomain": ("KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="The domain's EFS volume holds every user's notebooks and data.",
        remediation="Set KmsKeyId to a customer-managed key.",
        references=(
            "Seed:3",
            "Prowler:sagemaker_domain_encrypted_with_cmk",
            "Checkov:CKV_AWS_187",
            "IAM:sagemaker:VolumeKmsKey",
        ),
    ),
    Rule(
        id="SM114",
        name="studio-domain-sso",
        severity=Severity.MEDIUM,
        title="Studio domain authenticates users through IAM Identity Center",
        fields={"CreateDomain": ("AuthMode",)},
        check=c.equals("SSO", when_absent="none; AuthMode is required"),
        rationale="SSO ties Studio users to your identity provider, with MFA and central "
        "deprovisioning; IAM mode relies on long-lived IAM principals.",
        remediation='Set AuthMode="SSO" (or waive SM114 with the reason IAM mode is needed).',
        references=("Seed:2", "Prowler:sagemaker_domain_sso_configured"),
    ),
    Rule(
        id="SM115",
        name="studio-security-groups",
        severity=Severity.HIGH,
        title="Studio users and spaces use the policy's security groups",
        fields={
            "CreateDomain": ("DefaultUserSettings.SecurityGroups",),
            "UpdateDomain": ("DefaultUserSettings?.SecurityGroups?",),
            "CreateUserProfile": ("UserSettings?.SecurityGroups?",),
            "UpdateUserProfile": ("UserSettings?.SecurityGroups?",),
        },
        check=c.security_groups,
        default=c.policy_security_groups,
        rationale="In VpcOnly mode these groups are the apps' firewall.",
        remediation="Set the SecurityGroups to the policy's security groups.",
        references=("Seed:1", "IAM:sagemaker:VpcSecurityGroupIds"),
    ),
    Rule(
        id="SM116",
        name="studio-execution-role",
        severity=Severity.MEDIUM,
        title="Studio domain sets a default execution role",
        fields={"CreateDomain": ("DefaultUserSettings.ExecutionRole",)},
        check=c.present("users would need broader roles chosen ad hoc"),
        rationale="An explicit, scoped execution role is the basis of least privilege in Studio.",
        remediation="Set DefaultUserSettings.ExecutionRole to a scoped role "
        "(see secure_sagemaker.iam.execution_role_policy).",
        references=("Seed:2",),
    ),
    Rule(
        id="SM117",
        name="studio-image-tagged",
        severity=Severity.LOW,
        title="Studio images and app image configs are tagged",
        fields={"CreateImage": ("Tags",), "CreateAppImageConfig": ("Tags",)},
        check=c.has_tags,
        rationale="Untagged custom images cannot be attributed to an owner or project.",
        remediation="Add Tags (at least the policy's required tag keys).",
        references=(
            "Seed:7",
            "SecurityHub:SageMaker.6",
            "SecurityHub:SageMaker.7",
            "Config:sagemaker-app-image-config-tagged",
            "Config:sagemaker-image-tagged",
        ),
    ),
    Rule(
        id="SM118",
        name="studio-image-description",
        severity=Severity.LOW,
        title="Studio images have a description",
        fields={"CreateImage": ("Description",)},
        check=c.present("reviewers cannot tell what the image is for"),
        rationale="A description documents what a custom image contains and why it exists.",
        remediation="Set Description.",
        references=("Seed:7", "Config:sagemaker-image-description"),
    ),
    Rule(
        id="SM119",
        name="presigned-url-short-session",
        severity=Severity.MEDIUM,
        title="Presigned notebook, Studio, MLflow and partner-app URLs open short sessions",
        fields=dict.fromkeys(PRESIGNED_URLS, ("SessionExpirationDurationInSeconds",)),
        check=_short_session,
        default=c.const(_SHORTEST_SESSION),
        rationale="A presigned URL is a bearer credential to a notebook, Studio, an MLflow "
        "UI or a partner app with the execution role's access; absent, the session lasts "
        "12 hours.",
        remediation=f"Set SessionExpirationDurationInSeconds to {_SHORTEST_SESSION} up to the "
        "policy's max-presigned-session-seconds (default 3600; the guard fills "
        f"{_SHORTEST_SESSION}); raise that maximum or waive SM119 for longer.",
        references=("Seed:2",),
    ),
)
