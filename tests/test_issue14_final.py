"""The last SageMaker operations of issue 14 and the request fields no rule judged,
end to end: through a real client (HTTPS to the embedded moto server) with the guard
installed, each insecure request is refused before anything is sent (0 HTTP requests
on that client) with its rule ID, and the secure variant - completed by the guard
from the policy where it can, under a policy that allows what the organisation
decided to allow - is sent.  moto implements few of these operations: the secure
variant is only asserted *sent* and moto's error accepted."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from botocore import xform_name

import secure_sagemaker as ss
from tests._examples import KEY, POLICY, drop
from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm1_partner_apps import EXAMPLES as PARTNER_APPS
from tests.controls.test_sm2_job_sources import algorithm as algorithm_arn
from tests.controls.test_sm2_job_sources import automl, by_algorithm, capture
from tests.controls.test_sm2_provisioning import (
    PRODUCT,
    SECRET_CONFIG,
    TEMPLATES,
    cfn_project,
    extension,
    project,
)
from tests.controls.test_sm3_gateways import (
    alert,
    devices,
    from_package,
    gateway,
    hub_urls,
    package,
)

pytestmark = pytest.mark.e2e

OWN = "123456789012"  # moto's account: the guard trusts the caller's own account
FOREIGN = "999988887777"
ENI = {"ClusterName": "c1", "NodeId": "i-0123456789abcdef0", "NetworkInterfaceId": "eni-01234567"}
ROUTING = {"Identifier": "global-gw", "Routing": {"Weights": {"QueueDepth": 1.0}}}

# what the organisation decided to allow, for the secure variants
ALLOWING = attrs.evolve(
    POLICY,
    allow_global_inference_gateways=True,
    allow_edge_devices=True,
    allow_servicecatalog_portfolio=True,
    allowed_project_templates=[PRODUCT, TEMPLATES],
    waivers={"SM214": "eni-01234567 checked: private subnet, ml-sg; ml-platform; 2027-06"},
)


def _secret_parameter(params: dict[str, Any]) -> dict[str, Any]:
    details = params["ServiceCatalogProvisioningDetails"]
    bad = [{"Key": "DbPassword", "Value": "hunter2hunter2"}]
    return {
        **params,
        "ServiceCatalogProvisioningDetails": {**details, "ProvisioningParameters": bad},
    }


# (operation, rule, insecure request, secure request)
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "CreateProject",
        "SM210",
        project(ServiceCatalogProvisioningDetails={"ProductId": "prod-zzzzzzzzzzzzz"}),
        project(),
    ),
    (
        "CreateProject",
        "SM210",
        cfn_project("https://evil.example.com/t.yaml"),
        cfn_project(TEMPLATES + "t.yaml"),
    ),
    ("CreateProject", "SM211", _secret_parameter(project()), project()),
    (
        "UpdateProject",
        "SM211",
        {
            "ProjectName": "p",
            "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningParameters": [{"Key": "ApiToken", "Value": "AKIAIOSFODNN7EXAMPLE"}]
            },
        },
        {
            "ProjectName": "p",
            "ServiceCatalogProvisioningUpdateDetails": {
                "ProvisioningParameters": [{"Key": "Stage", "Value": "prod"}]
            },
        },
    ),
    ("EnableSagemakerServicecatalogPortfolio", "SM212", {}, {}),
    ("CreateClusterExtension", "SM213", extension(ConfigurationValues=SECRET_CONFIG), extension()),
    (
        "UpdateClusterExtension",
        "SM213",
        {
            "ClusterArn": extension()["ClusterArn"],
            "ExtensionArn": "arn:aws:sagemaker:us-east-1:123456789012:cluster-extension/x",
            "ConfigurationValues": SECRET_CONFIG,
        },
        {
            "ClusterArn": extension()["ClusterArn"],
            "ExtensionArn": "arn:aws:sagemaker:us-east-1:123456789012:cluster-extension/x",
        },
    ),
    ("AttachClusterNodeNetworkInterface", "SM214", ENI, ENI),
    (
        "CreateAutoMLJobV2",
        "SM220",
        automl(ModelDeployConfig={"AutoGenerateEndpointName": True}),
        automl(),
    ),
    (
        "CreateTransformJob",
        "SM221",
        capture(DestinationS3Uri="s3://someone-elses-bucket/capture/"),
        capture(),
    ),
    (
        "CreateTransformJob",
        "SM222",
        capture(KmsKeyId="alias/aws/sagemaker"),
        drop(capture(), "DataCaptureConfig", "KmsKeyId"),
    ),
    (
        "CreateTrainingJob",
        "SM223",
        by_algorithm(algorithm_arn(FOREIGN)),
        by_algorithm(algorithm_arn(OWN)),
    ),
    ("UpdatePartnerApp", "SM140", PARTNER_APPS["SM140"][2], PARTNER_APPS["SM140"][1]),
    ("UpdatePartnerApp", "SM141", PARTNER_APPS["SM141"][2], PARTNER_APPS["SM141"][1]),
    ("CreateModel", "SM390", from_package(package(FOREIGN)), from_package(package(OWN))),
    ("CreateGlobalInferenceGateway", "SM391", gateway(), gateway()),
    ("UpdateGlobalInferenceGateway", "SM391", ROUTING, ROUTING),
    ("CreateGlobalInferenceGateway", "SM392", gateway(FOREIGN), gateway()),
    (
        "AddInferenceGateway",
        "SM392",
        {
            "Identifier": "global-gw",
            "ClusterArn": gateway(FOREIGN)["Gateways"][0]["ClusterArn"],
            "Namespace": "inference",
            "Name": "gw",
        },
        {
            "Identifier": "global-gw",
            "ClusterArn": gateway()["Gateways"][0]["ClusterArn"],
            "Namespace": "inference",
            "Name": "gw",
        },
    ),
    (
        "CreateHubContentPresignedUrls",
        "SM393",
        hub_urls("private-models"),
        hub_urls("SageMakerPublicHub"),
    ),
    ("RegisterDevices", "SM394", devices(), devices()),
    ("UpdateDevices", "SM394", devices(), devices()),
    ("UpdateMonitoringAlert", "SM395", alert(6, 5), alert(3, 5)),
]


@pytest.mark.parametrize(
    ("operation", "rule_id", "insecure", "secure"),
    CASES,
    ids=[f"{op}-{rule}-{i}" for i, (op, rule, _, _) in enumerate(CASES)],
)
def test_insecure_refused_unsent_and_secure_sent(
    sagemaker: tuple[Any, Sent],
    operation: str,
    rule_id: str,
    insecure: dict[str, Any],
    secure: dict[str, Any],
) -> None:
    client, sent = sagemaker
    call = getattr(client, xform_name(operation))
    error = refused(call, sent, rule_id, **insecure)
    message = str(error)
    assert all(s not in message for s in ("AKIA", "hunter2", "wJalr", "sk-live", FOREIGN))
    assert sent.ops == []
    ss.install(ALLOWING)
    sent_anyway(call, sent, operation, **secure)


def test_the_guard_fills_the_capture_key_and_trusts_only_the_callers_account(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    bare = drop(capture(), "DataCaptureConfig", "KmsKeyId")
    sent_anyway(client.create_transform_job, sent, "CreateTransformJob", **bare)
    assert sent.last_json()["DataCaptureConfig"]["KmsKeyId"] == KEY
    # the guard filled the caller's account (moto's) into trusted-accounts: an own
    # model package passes, one of another account is refused unsent
    sent_anyway(client.create_model, sent, "CreateModel", **from_package(package(OWN)))
    refused(client.create_model, sent, "SM390", **from_package(package(FOREIGN)))
    assert sent.ops == ["CreateTransformJob", "CreateModel"]


def test_a_policy_without_the_switches_refuses_each_gated_operation_unsent(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    refused(client.create_project, sent, "SM210", **project())
    refused(client.enable_sagemaker_servicecatalog_portfolio, sent, "SM212")
    refused(client.attach_cluster_node_network_interface, sent, "SM214", **ENI)
    refused(client.update_global_inference_gateway, sent, "SM391", **ROUTING)
    refused(client.register_devices, sent, "SM394", **devices())
    assert sent.ops == []


def test_an_interface_is_described_by_the_guard_and_judged_by_its_network(
    fresh_aws: Any,
) -> None:
    """SM214 with the guard: the interface is described (EC2, the caller's
    credentials); in the policy's subnet with its group it is sent, in another
    subnet it is refused unsent, and one that does not exist is refused too."""
    session = fresh_aws.session()
    ec2 = session.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    other = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]

    def interface(subnet: str) -> str:
        made = ec2.create_network_interface(SubnetId=subnet, Groups=[sg])
        return str(made["NetworkInterface"]["NetworkInterfaceId"])

    inside, outside = interface(private), interface(other)
    ss.install(attrs.evolve(POLICY, subnets=[private], security_group_ids=[sg]))
    try:
        client = session.client("sagemaker", region_name="us-east-1")
        sent = Sent(client)
        attach = client.attach_cluster_node_network_interface
        refused(attach, sent, "SM214", **{**ENI, "NetworkInterfaceId": outside})
        refused(attach, sent, "SM214", **ENI)  # eni-01234567 does not exist
        sent_anyway(attach, sent, "AttachClusterNodeNetworkInterface",
                    **{**ENI, "NetworkInterfaceId": inside})
    finally:
        ss.uninstall()
