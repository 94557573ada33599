"""SM21x examples: SageMaker projects, the Service Catalog portfolio, HyperPod cluster
extensions and network interfaces attached to cluster nodes.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm2_provisioning.py``); tests/test_catalog.py checks
every catalog rule has one."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import POLICY
from tests.controls._check import check_example

PRODUCT = "prod-abcdefghijklm"
TEMPLATES = "https://ml-templates.s3.us-east-1.amazonaws.com/reviewed/"
ALLOWING = attrs.evolve(POLICY, allowed_project_templates=[PRODUCT, TEMPLATES])
CLUSTER = "arn:aws:sagemaker:us-east-1:123456789012:cluster/abcdef123456"
SECRET_CONFIG = '{"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}'


def project(**kw: Any) -> dict[str, Any]:
    return {
        "ProjectName": "churn-mlops",
        "ServiceCatalogProvisioningDetails": {
            "ProductId": PRODUCT,
            "ProvisioningParameters": [{"Key": "Stage", "Value": "dev"}],
        },
        **kw,
    }


def cfn_project(url: str, **parameters: str) -> dict[str, Any]:
    provider = {"TemplateName": "pipeline", "TemplateURL": url}
    if parameters:
        provider["Parameters"] = [{"Key": k, "Value": v} for k, v in parameters.items()]
    return {"ProjectName": "churn-cfn", "TemplateProviders": [{"CfnTemplateProvider": provider}]}


def extension(**kw: Any) -> dict[str, Any]:
    return {"ClusterArn": CLUSTER, "ExtensionName": "observability", **kw}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    # the shared POLICY lists no project templates: the secure example is judged below
    "SM210": ("CreateProject", None, project()),
    "SM211": (
        "UpdateProject",
        {
            "ProjectName": "churn-mlops",
            "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningParameters": [{"Key": "Stage", "Value": "prod"}]
            },
        },
        {
            "ProjectName": "churn-mlops",
            "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningParameters": [{"Key": "DbPassword", "Value": "hunter2hunter2"}]
            },
        },
    ),
    "SM212": ("EnableSagemakerServicecatalogPortfolio", None, {}),
    "SM213": (
        "CreateClusterExtension",
        extension(ConfigurationValues='{"retentionDays": 30}'),
        extension(ConfigurationValues=SECRET_CONFIG),
    ),
    "SM214": (
        "AttachClusterNodeNetworkInterface",
        None,
        {
            "ClusterName": "c1",
            "NodeId": "i-0123456789abcdef0",
            "NetworkInterfaceId": "eni-01234567",
        },
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(rule_id: str, op: str, params: dict[str, Any], policy: ss.SecurityPolicy) -> list[str]:
    return [f.status for f in ss.evaluate(op, params, policy) if f.rule_id == rule_id]


def test_projects_provision_only_listed_products_and_templates() -> None:
    assert _status("SM210", "CreateProject", project(), ALLOWING) == ["pass"]
    other = project(ServiceCatalogProvisioningDetails={"ProductId": "prod-zzzzzzzzzzzzz"})
    assert _status("SM210", "CreateProject", other, ALLOWING) == ["fail"]
    good = cfn_project(TEMPLATES + "pipeline.yaml")
    assert _status("SM210", "CreateProject", good, ALLOWING) == ["pass"]
    for url in (
        "https://ml-templates.s3.us-east-1.amazonaws.com/unreviewed/x.yaml",
        TEMPLATES + "../unreviewed/x.yaml",
        TEMPLATES + "x.yaml?versionId=1",
        "https://ml-templates.s3.us-east-1.amazonaws.com.evil.example/reviewed/x.yaml",
    ):
        assert _status("SM210", "CreateProject", cfn_project(url), ALLOWING) == ["fail"], url
    update = {
        "ProjectName": "churn-cfn",
        "TemplateProvidersToUpdate": [
            {"CfnTemplateProvider": {"TemplateName": "t", "TemplateURL": TEMPLATES + "v2.yaml"}}
        ],
    }
    assert _status("SM210", "UpdateProject", update, ALLOWING) == ["pass"]
    assert _status("SM210", "UpdateProject", update, POLICY) == ["fail"]


def test_a_project_without_a_template_provisions_nothing_and_passes() -> None:
    assert _status("SM210", "CreateProject", {"ProjectName": "empty"}, POLICY) == []
    assert [
        f for f in ss.evaluate("CreateProject", {"ProjectName": "empty"}, POLICY) if f.failed
    ] == []


def test_template_parameters_are_scanned_and_not_quoted() -> None:
    bad = cfn_project(TEMPLATES + "p.yaml", GitToken="ghp_" + "a" * 36)
    (finding,) = [f for f in ss.evaluate("CreateProject", bad, ALLOWING) if f.rule_id == "SM211"]
    assert finding.failed and "GitToken" in finding.field
    assert "ghp_" not in finding.message + finding.field + finding.remediation


def test_the_portfolio_and_an_interface_pass_only_by_policy_or_waiver() -> None:
    allowing = attrs.evolve(POLICY, allow_servicecatalog_portfolio=True)
    op = "EnableSagemakerServicecatalogPortfolio"
    assert _status("SM212", op, {}, allowing) == ["pass"]
    eni = EXAMPLES["SM214"][2]
    waived = attrs.evolve(
        POLICY, waivers={"SM214": "eni-01234567 in subnet-a; ml-platform; 2027-06"}
    )
    assert _status("SM214", "AttachClusterNodeNetworkInterface", eni, waived) == ["waived"]


def test_the_project_templates_key_is_validated() -> None:
    for bad in ("prod-", "http://example.com/t.yaml", "https://h/a/../b", "https://u@h/t", 3):
        with pytest.raises(ss.PolicyError, match="allowed_project_templates"):
            ss.SecurityPolicy(allowed_project_templates=[bad])
    loaded = ss.SecurityPolicy.from_mapping({"allowed-project-templates": [PRODUCT, TEMPLATES]})
    assert loaded.allowed_project_templates == (PRODUCT, TEMPLATES)


ENI_KEY = "@NetworkInterface"  # what the guard describes into the judged copy


@pytest.mark.parametrize(
    ("described", "status", "reason"),
    [
        ({"SubnetId": POLICY.subnets[0], "SecurityGroupIds": list(POLICY.security_group_ids)},
         "pass", ""),
        ({"SubnetId": "subnet-public0", "SecurityGroupIds": list(POLICY.security_group_ids)},
         "fail", "not one of the policy's private subnets"),
        ({"SubnetId": POLICY.subnets[0], "SecurityGroupIds": ["sg-open000"]},
         "fail", "not one of the policy's security groups"),
        ({"SubnetId": POLICY.subnets[0], "SecurityGroupIds": []}, "fail", "security group"),
        (None, "fail", "could not be described"),
    ],
    ids=["policy-network", "other-subnet", "other-group", "no-group", "not-described"],
)
def test_an_interface_is_judged_by_its_described_subnet_and_groups(
    described: Any, status: str, reason: str
) -> None:
    params = {**EXAMPLES["SM214"][2], ENI_KEY: described}
    (finding,) = [
        f for f in ss.evaluate("AttachClusterNodeNetworkInterface", params, POLICY)
        if f.rule_id == "SM214"
    ]
    assert finding.status == status
    assert reason in finding.message
    assert "eni-01234567" not in finding.message


def test_without_the_guard_s_description_an_interface_cannot_pass() -> None:
    """Pure evaluate() describes nothing: the request alone never shows the subnet."""
    eni = EXAMPLES["SM214"][2]
    assert _status("SM214", "AttachClusterNodeNetworkInterface", eni, POLICY) == ["fail"]
