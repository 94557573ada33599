"""Resource views for the SM70x network rules, and real VPCs built in the emulator.

The rules' examples are in ``tests/controls/test_sm7_network.py``.  :func:`build_network` creates a private (or deliberately
broken) VPC with EC2 calls, as an administrator would.
"""

from __future__ import annotations

from typing import Any

import attrs

from secure_sagemaker.controls.sm7_network import REQUIRED_ENDPOINTS, SECRETS_ENDPOINT

VPC_ID = "vpc-0123456789abcdef0"
SUBNET_ID = "subnet-0123456789abcdef0"
SG_ID = "sg-0123456789abcdef0"
ALL_ENDPOINTS = (*REQUIRED_ENDPOINTS, SECRETS_ENDPOINT)

_LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"}
_NAT = {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0123456789abcdef0"}
_IGW = {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-0123456789abcdef0"}


def subnet_view(**kw: Any) -> dict[str, Any]:
    return {
        "SubnetId": SUBNET_ID,
        "VpcId": VPC_ID,
        "MapPublicIpOnLaunch": False,
        "RouteTableId": "rtb-0123456789abcdef0",
        "Routes": [dict(_LOCAL), dict(_NAT)],
        **kw,
    }


def group_view(*cidrs: str, v6: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "GroupId": SG_ID,
        "VpcId": VPC_ID,
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": c} for c in cidrs],
                "Ipv6Ranges": [{"CidrIpv6": c} for c in v6],
                "UserIdGroupPairs": [{"GroupId": SG_ID}],
            }
        ],
    }


def vpc_view(services: tuple[str, ...] = ALL_ENDPOINTS, **kw: Any) -> dict[str, Any]:
    return {
        "VpcId": VPC_ID,
        "Endpoints": [
            {
                "Service": s,
                "ServiceName": f"com.amazonaws.us-east-1.{s}",
                "VpcEndpointType": "Gateway" if s == "s3" else "Interface",
                "State": "available",
                "PrivateDnsEnabled": s != "s3",
            }
            for s in services
        ],
        "FlowLogs": [{"FlowLogId": "fl-0123", "TrafficType": "ALL", "FlowLogStatus": "ACTIVE"}],
        "NeedsSecrets": False,
        **kw,
    }




# --------------------------------------------------------------------------- in moto


@attrs.frozen
class Network:
    vpc: str
    subnet: str
    security_group: str
    route_table: str
    endpoints: dict[str, str]  # short service name -> endpoint ID


def build_network(
    session: Any,
    *,
    endpoints: tuple[str, ...] = ALL_ENDPOINTS,
    internet_route: bool = False,
    via_main_table: bool = False,
    map_public_ip: bool = False,
    open_ingress: str | None = None,
    flow_logs: bool = True,
    cidr: str = "10.0.0.0/16",
) -> Network:
    """A VPC with one subnet, one security group, the given endpoints and flow logs.

    ``internet_route`` adds an internet gateway and a 0.0.0.0/0 route to it (in the
    subnet's own route table, or in the VPC's main table with ``via_main_table``);
    ``open_ingress`` ("0.0.0.0/0" or "::/0") adds an inbound rule from anywhere.
    """
    ec2 = session.client("ec2")
    region = session.region_name
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace(".0.0/16", ".1.0/24"))["Subnet"][
        "SubnetId"
    ]
    if map_public_ip:
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    table = main
    if not via_main_table:
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    if internet_route:
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    group = ec2.create_security_group(GroupName=f"sm-{vpc}", Description="sagemaker", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]},
        ],
    )
    if open_ingress is not None:
        key, field = ("Ipv6Ranges", "CidrIpv6") if ":" in open_ingress else ("IpRanges", "CidrIp")
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, key: [{field: open_ingress}]}
            ],
        )
    made: dict[str, str] = {}
    for service in endpoints:
        name = f"com.amazonaws.{region}.{service}"
        if service == "s3":
            ep = ec2.create_vpc_endpoint(
                VpcId=vpc, ServiceName=name, VpcEndpointType="Gateway", RouteTableIds=[table]
            )
        else:
            ep = ec2.create_vpc_endpoint(
                VpcId=vpc,
                ServiceName=name,
                VpcEndpointType="Interface",
                SubnetIds=[subnet],
                SecurityGroupIds=[group],
                PrivateDnsEnabled=True,
            )
        made[service] = ep["VpcEndpoint"]["VpcEndpointId"]
    if flow_logs:
        logs = session.client("logs")
        log_group = f"/vpc/{vpc}"
        logs.create_log_group(logGroupName=log_group)
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogGroupName=log_group,
            DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
        )
    return Network(vpc, subnet, group, table, made)
