"""SM21x - what SageMaker provisions beyond jobs: MLOps projects (Service Catalog
products and CloudFormation templates), the SageMaker Service Catalog portfolio,
HyperPod cluster extensions and network interfaces attached to cluster nodes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

PROJECT = "CreateProject"
PROJECT_UPDATE = "UpdateProject"
PORTFOLIO = "EnableSagemakerServicecatalogPortfolio"
EXTENSIONS = ("CreateClusterExtension", "UpdateClusterExtension")
ENI = "AttachClusterNodeNetworkInterface"
NETWORK_INTERFACE_KEY = "@NetworkInterface"
"""Where the guard puts the described interface (``SubnetId``, ``SecurityGroupIds``)
in the judged copy of an AttachClusterNodeNetworkInterface request."""
WHOLE_REQUEST = "$request"

_CFN = "TemplateProviders[].CfnTemplateProvider?."
_CFN_UPDATE = "TemplateProvidersToUpdate[].CfnTemplateProvider?."
_UNSAFE_IN_URL = ("..", "?", "#", "@", "\\")


def project_template_allowed(value: Any, ctx: Context) -> Verdict:
    """A Service Catalog product ID listed in ``allowed_project_templates``, or a
    template URL equal to a listed URL or under a listed URL ending in ``/``."""
    if not isinstance(value, str) or not value:
        return fail("must name a Service Catalog product or a template URL")
    allowed = ctx.policy.allowed_project_templates
    if value in allowed:
        return PASS
    safe_url = value.startswith("https://") and not any(s in value for s in _UNSAFE_IN_URL)
    prefixes = (e for e in allowed if e.startswith("https://") and e.endswith("/"))
    if safe_url and any(value.startswith(e) for e in prefixes):
        return PASS
    return fail("is not one of the policy's allowed project templates (allowed-project-templates)")


def parameters_no_secrets(value: Any, ctx: Context) -> Verdict:
    """A ``[{Key, Value}]`` parameter list holds no credential (judged as a mapping,
    so a literal under a secret-named key counts too)."""
    if value is MISSING:
        return PASS
    if not isinstance(value, list) or not all(isinstance(p, Mapping) for p in value):
        return fail("must be a list of {Key, Value} parameters")
    mapping = {str(p.get("Key", "")): p.get("Value", "") for p in value}
    return c.no_secrets(mapping, ctx)


def portfolio_allowed(value: Any, ctx: Context) -> Verdict:
    if ctx.policy.allow_servicecatalog_portfolio:
        return PASS
    return fail(
        "lets every Studio user provision the SageMaker project templates; the policy does "
        "not allow it"
    )


def interface_in_policy_network(value: Any, ctx: Context) -> Verdict:
    """The interface the guard described (``@NetworkInterface``) is in one of the
    policy's subnets with only the policy's security groups.  Without that key
    (pure ``evaluate()`` describes nothing) the request alone cannot show it: fail."""
    if NETWORK_INTERFACE_KEY not in ctx.params:
        return fail(
            "attaches a network interface whose subnet and security groups are not in the "
            "request; only the guard, which describes the interface, can judge them"
        )
    interface = ctx.params[NETWORK_INTERFACE_KEY]
    if not isinstance(interface, Mapping):
        return fail(
            "names a network interface that could not be described "
            "(ec2:DescribeNetworkInterfaces), so its subnet and security groups cannot be judged"
        )
    subnet = c.subnets(interface.get("SubnetId") or MISSING, ctx)
    if not subnet.passed:
        return fail(f"attaches an interface that {subnet.reason}")
    groups = c.security_groups(interface.get("SecurityGroupIds") or MISSING, ctx)
    if not groups.passed:
        return fail(f"attaches an interface that {groups.reason}")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM210",
        name="project-template-allowed",
        severity=Severity.HIGH,
        title="SageMaker projects provision only the policy's allowed Service Catalog "
        "products and CloudFormation templates",
        fields={
            PROJECT: (
                "ServiceCatalogProvisioningDetails?.ProductId",
                _CFN + "TemplateURL",
            ),
            PROJECT_UPDATE: (_CFN_UPDATE + "TemplateURL",),
        },
        check=project_template_allowed,
        rationale="A project provisions a Service Catalog product or a CloudFormation "
        "template under a launch role: pipelines, buckets, roles, endpoints and CodeBuild "
        "projects that no rule of this catalog sees.  Only templates the organisation has "
        "reviewed may be provisioned (an empty list allows none).",
        remediation="Provision a reviewed product or template: list its Service Catalog "
        "product ID (prod-...) or its https:// template URL (a URL ending in / allows the "
        "templates under it) in the policy's allowed-project-templates.",
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM211",
        name="project-parameters-no-secrets",
        severity=Severity.HIGH,
        title="SageMaker project provisioning parameters contain no credentials",
        fields={
            PROJECT: (
                "ServiceCatalogProvisioningDetails?.ProvisioningParameters",
                _CFN + "Parameters",
            ),
            PROJECT_UPDATE: (
                "ServiceCatalogProvisioningUpdateDetails?.ProvisioningParameters",
                _CFN_UPDATE + "Parameters",
            ),
        },
        check=parameters_no_secrets,
        rationale="Provisioning parameters are stored in Service Catalog and CloudFormation "
        "in plain text and returned to anyone who can describe the product or the stack.",
        remediation="Store the credential in Secrets Manager and pass the secret's ARN as "
        "the parameter instead of its value.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM212",
        name="servicecatalog-portfolio-allowed",
        severity=Severity.MEDIUM,
        title="The SageMaker Service Catalog portfolio is enabled only where the policy allows it",
        fields={PORTFOLIO: (WHOLE_REQUEST,)},
        check=portfolio_allowed,
        rationale="Enabling the portfolio shares AWS's project templates with the account: "
        "every Studio user can then provision them under the Service Catalog launch role "
        "from the console, where the guard never sees the request.",
        remediation="Provision reviewed templates through CreateProject (SM210), or set "
        "allow-servicecatalog-portfolio = true in the policy where Studio users may "
        "provision SageMaker's project templates.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM213",
        name="cluster-extension-config-no-secrets",
        severity=Severity.HIGH,
        title="HyperPod cluster extension configuration contains no credentials",
        fields={op: ("ConfigurationValues",) for op in EXTENSIONS},
        check=c.no_secrets_in_text,
        rationale="An extension's configuration values are stored with the add-on and "
        "returned by every Describe call and to the cluster's Kubernetes users.",
        remediation="Remove the credential from ConfigurationValues; keep it in Secrets "
        "Manager (or a Kubernetes secret synced from it) and reference it by name.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM214",
        name="cluster-node-network-interface-verified",
        severity=Severity.HIGH,
        title="Network interfaces attached to HyperPod nodes are in the policy's network",
        fields={ENI: ("NetworkInterfaceId",)},
        check=interface_in_policy_network,
        rationale="The request names only the interface; its subnet and security groups "
        "decide what the node can reach.  The guard describes the interface with the "
        "caller's credentials and judges its subnet and groups against the policy's; one "
        "it cannot describe is refused, and so is the request judged without the guard "
        "(evaluate() describes nothing).",
        remediation="Create the interface in one of the policy's private subnets with only "
        "the policy's security groups, and let the caller describe it "
        '(ec2:DescribeNetworkInterfaces); or waive SM214: SM214 = "<interface, reason, '
        'owner, expiry>".',
        references=("Seed:1",),
    ),
)
