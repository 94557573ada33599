"""The SM70x network rules on views, and network.py against real VPCs in the emulator."""

from __future__ import annotations

import logging
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from secure_sagemaker import network
from secure_sagemaker.testing import EmbeddedAWS, capture_requests
from tests._examples_vpc import (
    ALL_ENDPOINTS,
    build_network,
    group_view,
    subnet_view,
    vpc_view,
)

# --------------------------------------------------------------------------- views (pure)


def _failing(view: str, doc: dict[str, Any], rule_id: str, **kw: Any) -> list[ss.Finding]:
    return [f for f in ss.evaluate(view, doc, **kw) if f.rule_id == rule_id and f.failed]


def test_subnet_rule_names_the_offending_route_and_public_ip_setting() -> None:
    igw = {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-0abc"}
    (finding,) = _failing("@Subnet", subnet_view(Routes=[igw], MapPublicIpOnLaunch=True), "SM702")
    assert finding.field == "MapPublicIpOnLaunch, Routes[0]"
    assert "internet gateway" in finding.message and "public IP" in finding.message
    # NAT and egress-only gateways keep a subnet private
    eigw = {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-0abc"}
    assert not _failing("@Subnet", subnet_view(Routes=[eigw]), "SM702")


@pytest.mark.parametrize(
    ("v4", "v6", "fails"),
    [
        (("10.0.0.0/8",), (), False),
        (("0.0.0.0/0",), (), True),
        (("0.0.0.0/00",), (), True),
        ((), ("::/0",), True),
        ((), ("2001:db8::/32",), False),
        (("not-a-cidr",), (), False),
    ],
)
def test_security_group_rule_fails_only_on_ranges_covering_everything(
    v4: tuple[str, ...], v6: tuple[str, ...], fails: bool
) -> None:
    assert bool(_failing("@SecurityGroup", group_view(*v4, v6=v6), "SM703")) is fails


def test_endpoint_rule_lists_every_missing_service_and_secrets_when_needed() -> None:
    some = ("s3", "sagemaker.api")
    (finding,) = _failing("@Vpc", vpc_view(some, NeedsSecrets=True), "SM704")
    missing = [s for s in ALL_ENDPOINTS if s not in some]
    assert f"for {', '.join(missing)};" in finding.message
    without_secrets = tuple(s for s in ALL_ENDPOINTS if s != "secretsmanager")
    assert not _failing("@Vpc", vpc_view(without_secrets), "SM704")
    (needs,) = _failing("@Vpc", vpc_view(without_secrets, NeedsSecrets=True), "SM704")
    assert "for secretsmanager;" in needs.message


def test_endpoint_rule_ignores_deleted_endpoints_and_flags_missing_private_dns() -> None:
    doc = vpc_view()
    doc["Endpoints"][3]["State"] = "deleted"  # sts
    doc["Endpoints"][4]["PrivateDnsEnabled"] = False  # logs
    (finding,) = _failing("@Vpc", doc, "SM704")
    assert "no usable VPC endpoint for sts;" in finding.message
    assert "without private DNS for logs" in finding.message
    assert _failing("@Vpc", {"VpcId": "vpc-1"}, "SM704"), "absent endpoints must fail"


def test_flow_log_rule_needs_an_active_log_of_rejected_traffic() -> None:
    accept_only = [{"TrafficType": "ACCEPT", "FlowLogStatus": "ACTIVE"}]
    assert _failing("@Vpc", vpc_view(FlowLogs=accept_only), "SM705")
    reject = [{"TrafficType": "REJECT", "FlowLogStatus": "ACTIVE"}]
    assert not _failing("@Vpc", vpc_view(FlowLogs=reject), "SM705")


def test_waived_view_rules_are_reported_as_waived() -> None:
    policy = ss.SecurityPolicy(waivers={"SM705": "flow logs in the transit account, owner, 2026"})
    (finding,) = [
        f for f in ss.evaluate("@Vpc", vpc_view(FlowLogs=[]), policy) if f.rule_id == "SM705"
    ]
    assert finding.status == "waived"


def test_endpoint_service_short_names() -> None:
    assert network.endpoint_service("com.amazonaws.eu-central-1.ecr.dkr") == "ecr.dkr"
    assert network.endpoint_service("cn.com.amazonaws.cn-north-1.s3") == "s3"
    assert network.endpoint_service("com.amazonaws.vpce.us-east-1.vpce-svc-0abc") == (
        "com.amazonaws.vpce.us-east-1.vpce-svc-0abc"
    )


# --------------------------------------------------------------------------- against moto


@pytest.fixture
def session(fresh_aws: EmbeddedAWS) -> Any:
    return fresh_aws.session()


@pytest.mark.e2e
def test_private_network_passes_every_rule(session: Any) -> None:
    net = build_network(session)
    findings = network.check_network(session, [net.subnet], [net.security_group])
    assert {f.rule_id for f in findings} == {"SM702", "SM703", "SM704", "SM705"}
    assert all(f.status == "pass" for f in findings), [f for f in findings if f.failed]
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["SM702"].resource == net.subnet
    assert by_rule["SM702"].resource_type == "AWS::EC2::Subnet"
    assert by_rule["SM703"].resource == net.security_group
    assert by_rule["SM704"].resource == net.vpc and by_rule["SM704"].region == "us-east-1"
    assert network.require_private_network(session, [net.subnet], [net.security_group])


@pytest.mark.e2e
@pytest.mark.parametrize("via_main_table", [False, True], ids=["explicit-table", "main-table"])
def test_internet_route_makes_the_subnet_public(session: Any, via_main_table: bool) -> None:
    net = build_network(session, internet_route=True, via_main_table=via_main_table)
    views = network.subnet_views(session.client("ec2"), [net.subnet])
    assert views[0]["RouteTableId"] == net.route_table
    with pytest.raises(ss.NetworkConfigurationError) as info:
        network.require_private_network(session, [net.subnet], [net.security_group])
    text = str(info.value)
    assert "SM702 [high] subnet Routes[" in text and "internet gateway" in text
    assert net.subnet not in text  # request values stay out of the message ...
    assert [f.resource for f in info.value.findings] == [net.subnet]  # ... and in findings


@pytest.mark.e2e
def test_public_ip_on_launch_makes_the_subnet_public(session: Any) -> None:
    net = build_network(session, map_public_ip=True)
    findings = network.check_network(session, [net.subnet], [net.security_group])
    (bad,) = [f for f in findings if f.failed]
    assert (bad.rule_id, bad.field) == ("SM702", "MapPublicIpOnLaunch")


@pytest.mark.e2e
@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_open_security_group_is_named(session: Any, cidr: str) -> None:
    net = build_network(session, open_ingress=cidr)
    with pytest.raises(ss.NetworkConfigurationError) as info:
        network.require_private_network(session, [net.subnet], [net.security_group])
    assert "SM703 [high] securitygroup IpPermissions[" in str(info.value)
    assert net.security_group not in str(info.value)
    assert [f.resource for f in info.value.findings] == [net.security_group]


@pytest.mark.e2e
def test_missing_endpoints_are_named_in_the_error(session: Any) -> None:
    net = build_network(
        session, endpoints=tuple(s for s in ALL_ENDPOINTS if s not in ("sts", "logs"))
    )
    with pytest.raises(ss.NetworkConfigurationError) as info:
        network.require_private_network(session, [net.subnet], [net.security_group])
    text = str(info.value)
    assert "SM704 [high] vpc Endpoints" in text and net.vpc not in text
    assert "no usable VPC endpoint for sts, logs;" in text
    assert "fix: Create the missing endpoints" in text


@pytest.mark.e2e
def test_secretsmanager_endpoint_is_required_only_with_secrets(session: Any) -> None:
    net = build_network(session, endpoints=tuple(s for s in ALL_ENDPOINTS if s != "secretsmanager"))
    network.require_private_network(session, [net.subnet], [net.security_group])
    with pytest.raises(ss.NetworkConfigurationError, match="endpoint for secretsmanager;"):
        network.require_private_network(
            session, [net.subnet], [net.security_group], needs_secrets=True
        )


@pytest.mark.e2e
def test_deleted_endpoint_counts_as_missing(session: Any) -> None:
    net = build_network(session)
    session.client("ec2").delete_vpc_endpoints(VpcEndpointIds=[net.endpoints["ecr.dkr"]])
    with pytest.raises(ss.NetworkConfigurationError, match=r"endpoint for ecr\.dkr;"):
        network.require_private_network(session, [net.subnet], [net.security_group])


@pytest.mark.e2e
def test_missing_flow_logs_are_reported_and_logged_but_do_not_block(
    session: Any, caplog: pytest.LogCaptureFixture
) -> None:
    net = build_network(session, flow_logs=False)
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker.network"):
        findings = network.require_private_network(session, [net.subnet], [net.security_group])
    assert [f.rule_id for f in findings if f.failed] == ["SM705"]
    assert f"SM705 {net.vpc}" in caplog.text


@pytest.mark.e2e
def test_waivers_and_warn_mode_follow_the_guard(session: Any) -> None:
    net = build_network(session, endpoints=("s3",))
    waived = ss.SecurityPolicy(waivers={"SM704": "egress proxy reviewed, network team, 2026-12"})
    findings = network.require_private_network(
        session, [net.subnet], [net.security_group], policy=waived
    )
    assert [f.status for f in findings if f.rule_id == "SM704"] == ["waived"]
    warn = ss.SecurityPolicy(mode="warn")
    network.require_private_network(session, [net.subnet], [net.security_group], policy=warn)
    critical_only = ss.SecurityPolicy(block_at="critical")
    network.require_private_network(
        session, [net.subnet], [net.security_group], policy=critical_only
    )


@pytest.mark.e2e
def test_unknown_ids_and_mismatched_vpcs_are_clear_errors(session: Any) -> None:
    net = build_network(session)
    other = build_network(session, cidr="10.9.0.0/16")
    with pytest.raises(ss.NetworkConfigurationError, match=r"InvalidSubnetID\.NotFound"):
        network.require_private_network(session, ["subnet-0fffffffffffffff0"], [net.security_group])
    with pytest.raises(ss.NetworkConfigurationError, match=r"1 security group\(s\) are not in"):
        network.require_private_network(session, [net.subnet], [other.security_group])
    with pytest.raises(ss.NetworkConfigurationError, match="different VPCs"):
        network.require_private_network(session, [net.subnet, other.subnet], [net.security_group])
    with pytest.raises(ss.NetworkConfigurationError, match="at least one subnet"):
        network.require_private_network(session, [], [net.security_group])


@pytest.mark.e2e
def test_one_describe_call_per_kind_not_per_subnet(session: Any) -> None:
    net = build_network(session)
    ec2 = session.client("ec2")
    extra = [
        ec2.create_subnet(VpcId=net.vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (2, 3, 4)
    ]
    with capture_requests(session) as seen:
        findings = network.check_network(session, [net.subnet, *extra], [net.security_group])
    assert len([f for f in findings if f.rule_id == "SM702"]) == 4
    assert sorted(seen.sent_operations) == sorted(
        [
            "DescribeSubnets",
            "DescribeRouteTables",
            "DescribeSecurityGroups",
            "DescribeVpcEndpoints",
            "DescribeFlowLogs",
        ]
    )
    # subnets without an explicit association use the VPC's main route table
    views = {v["SubnetId"]: v for v in network.subnet_views(ec2, extra)}
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "association.main", "Values": ["true"]},
            {"Name": "vpc-id", "Values": [net.vpc]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    assert {v["RouteTableId"] for v in views.values()} == {main}


@pytest.mark.e2e
def test_views_cover_every_resource_when_no_ids_are_given(session: Any) -> None:
    first = build_network(session)
    second = build_network(session, cidr="10.9.0.0/16", endpoints=())
    ec2 = session.client("ec2")
    vpcs = {v["VpcId"]: v for v in network.vpc_views(ec2)}
    assert {first.vpc, second.vpc} <= set(vpcs)
    assert vpcs[second.vpc]["Endpoints"] == []
    assert {e["Service"] for e in vpcs[first.vpc]["Endpoints"]} == set(ALL_ENDPOINTS)
    subnets = {v["SubnetId"] for v in network.subnet_views(ec2)}
    assert {first.subnet, second.subnet} <= subnets
    groups = {g["GroupId"] for g in network.security_group_views(ec2)}
    assert {first.security_group, second.security_group} <= groups
    assert network.subnet_views(ec2, []) == [] and network.vpc_views(ec2, []) == []


def test_findings_are_attrs_values_with_resources() -> None:
    (finding,) = network.judge_views("@SecurityGroup", [group_view("0.0.0.0/0")])
    assert attrs.has(type(finding)) and finding.resource_type == "AWS::EC2::SecurityGroup"
