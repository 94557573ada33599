"""SM12x - Studio spaces, apps, Studio lifecycle configs and domain features."""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Rule, Severity, Verdict, fail

SPACE_OPS = ("CreateSpace", "UpdateSpace")
_REPO_APPS = ("JupyterServerAppSettings", "JupyterLabAppSettings")
_SPEC_APPS = (
    "JupyterServerAppSettings",
    "KernelGatewayAppSettings",
    "CodeEditorAppSettings",
    "JupyterLabAppSettings",
)


def _repositories(settings: str) -> tuple[str, ...]:
    return tuple(f"{settings}?.{app}?.CodeRepositories[].RepositoryUrl" for app in _REPO_APPS)


def disabled_unless(allowed_by: str, feature: str) -> Check:
    """A ``FeatureStatus`` field is not ``ENABLED`` unless the policy's ``allowed_by``
    flag is set; absent is secure (the service default is disabled)."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING or value == "DISABLED" or getattr(ctx.policy, allowed_by):
            return PASS
        return fail(f'must be "DISABLED" or absent: the policy does not allow {feature}')

    return check


def studio_instance_type(value: Any, ctx: Context) -> Verdict:
    """An allowed instance type; ``system`` (the lightweight default app) always passes."""
    if value == "system":
        return PASS
    return c.instance_type_allowed(value, ctx)


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM120",
        name="studio-space-no-remote-access",
        severity=Severity.HIGH,
        title="Studio spaces do not allow remote access",
        fields={op: ("SpaceSettings?.RemoteAccess",) for op in SPACE_OPS},
        check=disabled_unless("allow_remote_access", "remote access to spaces"),
        rationale="Remote access lets a local IDE connect to the space with the execution "
        "role's credentials, outside the Studio web portal and its session controls.",
        remediation='Omit SpaceSettings.RemoteAccess or set it to "DISABLED" (or set '
        "allow-remote-access in the policy).",
        references=("Seed:2",),
    ),
    Rule(
        id="SM121",
        name="studio-code-repository-no-credentials",
        severity=Severity.HIGH,
        title="Studio git repository URLs carry no credentials",
        fields={
            **{op: _repositories("SpaceSettings") for op in SPACE_OPS},
            **{
                op: (*_repositories("DefaultUserSettings"), *_repositories("DefaultSpaceSettings"))
                for op in ("CreateDomain", "UpdateDomain")
            },
            **{
                op: _repositories("UserSettings")
                for op in ("CreateUserProfile", "UpdateUserProfile")
            },
        },
        check=c.no_secrets_in_text,
        rationale="A token in a repository URL (https://user:token@host/...) is stored in "
        "plain text and returned by every Describe call on the space, domain or profile.",
        remediation="Use a repository URL without credentials and let users authenticate "
        "with git credentials from Secrets Manager.",
        references=("Seed:4", "Seed:7"),
    ),
    Rule(
        id="SM122",
        name="studio-domain-no-docker-access",
        severity=Severity.HIGH,
        title="Studio domain does not give apps Docker access",
        fields={
            "CreateDomain": ("DomainSettings?.DockerSettings?.EnableDockerAccess",),
            "UpdateDomain": ("DomainSettingsForUpdate?.DockerSettings?.EnableDockerAccess",),
        },
        check=disabled_unless("allow_docker_access", "Docker access"),
        rationale="Docker access lets Studio users build and run arbitrary containers and "
        "push images, with the execution role's credentials.",
        remediation='Omit DockerSettings.EnableDockerAccess or set it to "DISABLED" (or set '
        "allow-docker-access in the policy).",
        references=("Seed:2",),
    ),
    Rule(
        id="SM123",
        name="studio-domain-space-security-groups",
        severity=Severity.HIGH,
        title="Studio domain-level apps and default spaces use the policy's security groups",
        fields={
            "CreateDomain": (
                "DomainSettings?.SecurityGroupIds?",
                "DefaultSpaceSettings?.SecurityGroups",
            ),
            "UpdateDomain": (
                "DomainSettingsForUpdate?.SecurityGroupIds?",
                "DefaultSpaceSettings?.SecurityGroups?",
            ),
        },
        check=c.security_groups,
        default=c.policy_security_groups,
        rationale="In VpcOnly mode these groups are the firewall of shared spaces and of the "
        "traffic between domain-level apps and user apps.",
        remediation="Set DomainSettings.SecurityGroupIds and DefaultSpaceSettings."
        "SecurityGroups to the policy's security groups.",
        references=("Seed:1", "IAM:sagemaker:VpcSecurityGroupIds"),
    ),
    Rule(
        id="SM124",
        name="studio-app-instance-type-allowed",
        severity=Severity.MEDIUM,
        title="Studio apps and spaces use instance types the policy allows",
        fields={
            "CreateApp": ("ResourceSpec?.InstanceType?",),
            **{
                op: tuple(
                    f"SpaceSettings?.{app}?.DefaultResourceSpec?.InstanceType?"
                    for app in _SPEC_APPS
                )
                for op in SPACE_OPS
            },
        },
        check=studio_instance_type,
        applies=c.when_policy_has("allowed_instance_types"),
        rationale="An allow-list caps cost and keeps Studio compute on instance types that "
        "support the required encryption features.",
        remediation='Use one of the policy\'s allowed-instance-types (or "system").',
        references=("Seed:2", "IAM:sagemaker:InstanceTypes"),
    ),
    Rule(
        id="SM125",
        name="studio-lifecycle-config-no-secrets",
        severity=Severity.HIGH,
        title="Studio lifecycle scripts contain no credentials",
        fields={"CreateStudioLifecycleConfig": ("StudioLifecycleConfigContent",)},
        check=c.no_secrets_in_script,
        rationale="Studio lifecycle scripts are readable by anyone who can describe the "
        "config and run in every app that uses it.",
        remediation="Read credentials at run time from Secrets Manager (aws secretsmanager "
        "get-secret-value) instead of writing them into the script.",
        references=("Seed:4",),
    ),
)
