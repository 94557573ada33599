"""Is the network a SageMaker resource will run in really private, and does it work?

Three *view builders* turn EC2 Describe calls into the documents the SM7xx rules
judge (``@Subnet``, ``@SecurityGroup``, ``@Vpc``; see
:mod:`secure_sagemaker.controls.sm7_network`).  They paginate and batch: one
``DescribeRouteTables``, ``DescribeVpcEndpoints`` and ``DescribeFlowLogs`` call per
200 VPCs, never one per subnet.  The audit reuses them.

:func:`check_network` judges the subnets and security groups a resource will use
(and their VPCs) and returns findings; :func:`require_private_network` raises
:class:`~secure_sagemaker.NetworkConfigurationError` naming the public subnet, the
open security group or the missing VPC endpoint - a missing endpoint otherwise makes
a job hang for up to an hour before it fails.

Error messages name AWS resource IDs and endpoint service names, never request
parameter values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from botocore.exceptions import ClientError

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker.controls.sm7_network import SECURITY_GROUP, SUBNET, VPC
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import InsecureRequestError, NetworkConfigurationError
from secure_sagemaker.guard import decide
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = [
    "BLOCKING_RULES",
    "check_network",
    "endpoint_service",
    "require_private_network",
    "security_group_views",
    "subnet_views",
    "vpc_views",
]

logger = logging.getLogger("secure_sagemaker.network")

BLOCKING_RULES = frozenset({"SM702", "SM703", "SM704"})
"""The rules :func:`require_private_network` refuses on (flow logs, SM705, are only
reported: their absence does not stop anything from working)."""

_FILTER_LIMIT = 200  # values per EC2 filter
_SERVICE = re.compile(r"^(?:[a-z0-9-]+\.)*amazonaws\.[a-z]{2}(?:-[a-z]+)+-\d\.(?P<svc>.+)$")
_RESOURCE_TYPES = {
    SUBNET: ("SubnetId", "AWS::EC2::Subnet"),
    SECURITY_GROUP: ("GroupId", "AWS::EC2::SecurityGroup"),
    VPC: ("VpcId", "AWS::EC2::VPC"),
}


def _chunks(items: Sequence[str], size: int = _FILTER_LIMIT) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _pages(ec2: Any, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    for page in ec2.get_paginator(operation).paginate(**params):
        yield from page.get(key, ())


def _by_vpc(
    ec2: Any, operation: str, key: str, filter_name: str, vpc_ids: Sequence[str]
) -> Iterator[dict[str, Any]]:
    for chunk in _chunks(sorted(set(vpc_ids))):
        yield from _pages(ec2, operation, key, Filters=[{"Name": filter_name, "Values": chunk}])


def endpoint_service(service_name: str) -> str:
    """The short name of a VPC endpoint service.

    >>> endpoint_service("com.amazonaws.eu-west-1.sagemaker.api")
    'sagemaker.api'
    >>> endpoint_service("aws.sagemaker.eu-west-1.notebook")
    'aws.sagemaker.eu-west-1.notebook'
    """
    match = _SERVICE.match(service_name)
    return match.group("svc") if match else service_name


# --------------------------------------------------------------------------- views


def subnet_views(ec2: Any, subnet_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``@Subnet`` views of ``subnet_ids`` (every subnet when ``None``).

    Each is ``{"SubnetId", "VpcId", "MapPublicIpOnLaunch", "RouteTableId", "Routes"}``
    with the routes of the subnet's route table, or of its VPC's main route table
    when it has no explicit association.  Raises botocore's ``ClientError``
    (``InvalidSubnetID.NotFound``) for an unknown ID.

    >>> views = subnet_views(boto3.client("ec2"), ["subnet-0123456789abcdef0"])  # doctest: +SKIP
    >>> views[0]["Routes"]                                                        # doctest: +SKIP
    [{'DestinationCidrBlock': '10.0.0.0/16', 'GatewayId': 'local', ...}]
    """
    params = {"SubnetIds": list(subnet_ids)} if subnet_ids is not None else {}
    if subnet_ids is not None and not subnet_ids:
        return []
    subnets = list(_pages(ec2, "describe_subnets", "Subnets", **params))
    tables = list(
        _by_vpc(
            ec2, "describe_route_tables", "RouteTables", "vpc-id", [s["VpcId"] for s in subnets]
        )
    )
    explicit: dict[str, Mapping[str, Any]] = {}
    main: dict[str, Mapping[str, Any]] = {}
    for table in tables:
        for assoc in table.get("Associations") or ():
            if assoc.get("Main"):
                main[table.get("VpcId", "")] = table
            elif assoc.get("SubnetId"):
                explicit[assoc["SubnetId"]] = table
    views = []
    for subnet in subnets:
        chosen: Mapping[str, Any] = (
            explicit.get(subnet["SubnetId"]) or main.get(subnet["VpcId"]) or {}
        )
        views.append(
            {
                "SubnetId": subnet["SubnetId"],
                "VpcId": subnet["VpcId"],
                "MapPublicIpOnLaunch": bool(subnet.get("MapPublicIpOnLaunch", False)),
                "RouteTableId": chosen.get("RouteTableId"),
                "Routes": list(chosen.get("Routes") or ()),
            }
        )
    return views


def security_group_views(ec2: Any, group_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``@SecurityGroup`` views (``{"GroupId", "GroupName", "VpcId", "IpPermissions"}``)
    of ``group_ids`` (every group when ``None``).  Raises ``ClientError``
    (``InvalidGroup.NotFound``) for an unknown ID.

    >>> security_group_views(boto3.client("ec2"), ["sg-0123456789abcdef0"])  # doctest: +SKIP
    [{'GroupId': 'sg-0123456789abcdef0', 'IpPermissions': [], ...}]
    """
    if group_ids is not None and not group_ids:
        return []
    params = {"GroupIds": list(group_ids)} if group_ids is not None else {}
    return [
        {
            "GroupId": g["GroupId"],
            "GroupName": g.get("GroupName", ""),
            "VpcId": g.get("VpcId"),
            "IpPermissions": list(g.get("IpPermissions") or ()),
        }
        for g in _pages(ec2, "describe_security_groups", "SecurityGroups", **params)
    ]


def vpc_views(
    ec2: Any, vpc_ids: Sequence[str] | None = None, *, needs_secrets: bool = False
) -> list[dict[str, Any]]:
    """``@Vpc`` views of ``vpc_ids`` (every VPC when ``None``): their endpoints (with
    the short service name, see :func:`endpoint_service`) and flow logs.
    ``needs_secrets`` adds Secrets Manager to the endpoints rule SM704 requires.

    >>> vpc_views(boto3.client("ec2"), ["vpc-0123456789abcdef0"])  # doctest: +SKIP
    [{'VpcId': 'vpc-0123456789abcdef0', 'Endpoints': [...], 'FlowLogs': [...], ...}]
    """
    if vpc_ids is None:
        vpc_ids = [v["VpcId"] for v in _pages(ec2, "describe_vpcs", "Vpcs")]
    ids = list(dict.fromkeys(vpc_ids))
    if not ids:
        return []
    endpoints: dict[str, list[dict[str, Any]]] = {v: [] for v in ids}
    for ep in _by_vpc(ec2, "describe_vpc_endpoints", "VpcEndpoints", "vpc-id", ids):
        endpoints.setdefault(ep.get("VpcId", ""), []).append(
            {
                "VpcEndpointId": ep.get("VpcEndpointId"),
                "ServiceName": ep.get("ServiceName", ""),
                "Service": endpoint_service(str(ep.get("ServiceName", ""))),
                "VpcEndpointType": ep.get("VpcEndpointType"),
                "State": ep.get("State"),
                "PrivateDnsEnabled": ep.get("PrivateDnsEnabled"),
            }
        )
    flow_logs: dict[str, list[dict[str, Any]]] = {v: [] for v in ids}
    for log in _by_vpc(ec2, "describe_flow_logs", "FlowLogs", "resource-id", ids):
        flow_logs.setdefault(log.get("ResourceId", ""), []).append(
            {
                "FlowLogId": log.get("FlowLogId"),
                "TrafficType": log.get("TrafficType"),
                "FlowLogStatus": log.get("FlowLogStatus"),
            }
        )
    return [
        {
            "VpcId": v,
            "Endpoints": endpoints[v],
            "FlowLogs": flow_logs[v],
            "NeedsSecrets": needs_secrets,
        }
        for v in ids
    ]


# --------------------------------------------------------------------------- judging


def judge_views(
    operation: str,
    views: Iterable[Mapping[str, Any]],
    policy: SecurityPolicy | None = None,
    *,
    region: str = "",
) -> list[Finding]:
    """Evaluate resource views of one kind (``"@Subnet"`` ...) and name each finding's
    resource (its ID) and resource type.

    >>> judge_views("@Subnet", subnet_views(ec2), policy)[0].resource  # doctest: +SKIP
    'subnet-0123456789abcdef0'
    """
    id_key, resource_type = _RESOURCE_TYPES[operation]
    return [
        attrs.evolve(
            f, resource=str(view.get(id_key, "")), resource_type=resource_type, region=region
        )
        for view in views
        for f in evaluate(operation, view, policy)
    ]


def _missing(ec2: Any, ids: Sequence[str], views: Any) -> list[str]:
    """The IDs EC2 does not know, asked one at a time (error messages are not reliable)."""
    missing = []
    for one in ids:
        try:
            views(ec2, [one])
        except ClientError as err:
            if not error_code(err).endswith((".NotFound", ".Malformed")):
                raise
            missing.append(one)
    return missing


def _not_found(
    err: ClientError, ec2: Any, subnets: Sequence[str], groups: Sequence[str]
) -> NetworkConfigurationError | None:
    """The error naming which of the caller's own IDs (from the policy or the
    arguments, not from a request) EC2 does not know."""
    code = error_code(err)
    if code.endswith(".NotFound") or code.endswith(".Malformed"):
        named = [
            *(f"subnet {i}" for i in _missing(ec2, subnets, subnet_views)),
            *(f"security group {i}" for i in _missing(ec2, groups, security_group_views)),
        ]
        which = ", ".join(named) or "a subnet or security group"
        return NetworkConfigurationError(
            f"EC2 does not know {which} in this region ({code}); "
            "check the IDs in the policy and the region"
        )
    return None


@attrs.frozen
class _Views:
    subnets: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    vpcs: list[dict[str, Any]]
    region: str

    def judge(self, policy: SecurityPolicy) -> list[Finding]:
        return [
            *judge_views(SUBNET, self.subnets, policy, region=self.region),
            *judge_views(SECURITY_GROUP, self.groups, policy, region=self.region),
            *judge_views(VPC, self.vpcs, policy, region=self.region),
        ]


def _gather(
    session: Any, subnets: Sequence[str], security_groups: Sequence[str], needs_secrets: bool
) -> _Views:
    ec2 = _ec2(session)
    try:
        subnet_docs = subnet_views(ec2, list(subnets))
        group_docs = security_group_views(ec2, list(security_groups))
    except ClientError as err:
        mapped = _not_found(err, ec2, subnets, security_groups)
        if mapped is None:
            raise
        raise mapped from None
    vpc_docs = vpc_views(ec2, [s["VpcId"] for s in subnet_docs], needs_secrets=needs_secrets)
    return _Views(subnet_docs, group_docs, vpc_docs, str(ec2.meta.region_name or ""))


def check_network(
    session: Any,
    subnets: Sequence[str],
    security_groups: Sequence[str],
    *,
    needs_secrets: bool = False,
    policy: SecurityPolicy | None = None,
) -> list[Finding]:
    """Judge ``subnets``, ``security_groups`` and their VPCs with rules SM702-SM705.

    ``session`` is a ``boto3.Session`` (``None``: a default one).  ``needs_secrets``
    also requires a Secrets Manager endpoint.  Returns every finding (passing ones
    too), each naming its resource.  Raises :class:`NetworkConfigurationError` when
    a subnet or security group does not exist, botocore errors otherwise.

    >>> findings = check_network(session, ["subnet-0a..."], ["sg-0b..."])  # doctest: +SKIP
    >>> [f.rule_id for f in findings if f.failed]                          # doctest: +SKIP
    ['SM704']
    """
    pol = policy if policy is not None else SecurityPolicy.load()
    return _gather(session, subnets, security_groups, needs_secrets).judge(pol)


def require_private_network(
    session: Any,
    subnets: Sequence[str],
    security_groups: Sequence[str],
    *,
    needs_secrets: bool = False,
    policy: SecurityPolicy | None = None,
) -> list[Finding]:
    """Raise unless the subnets are private, the security groups closed to the
    internet and the VPC has every endpoint SageMaker needs (SM702-SM704).

    Failures are decided like the guard decides requests: waived rules and rules
    below ``policy.block_at`` are logged, ``mode="warn"`` only logs.  Missing flow
    logs (SM705) are logged, never refused.  Returns the findings.

    Raises :class:`~secure_sagemaker.NetworkConfigurationError` naming each rule,
    the kind of resource and each missing endpoint service (``err.findings`` carry
    the resource IDs); also when there are no subnets or security groups, when they
    are in different VPCs, or when one does not exist.

    >>> require_private_network(session, ["subnet-0a..."], ["sg-0b..."])  # doctest: +SKIP
    Traceback (most recent call last):
    NetworkConfigurationError: ... SM704 [high] vpc Endpoints: ... for sts, logs ...
    """

    pol = policy if policy is not None else SecurityPolicy.load()
    if not subnets or not security_groups:
        raise NetworkConfigurationError(
            "a private network needs at least one subnet and one security group; set "
            "subnets and security-group-ids in the policy"
        )
    views = _gather(session, subnets, security_groups, needs_secrets)
    vpcs = {v["VpcId"] for v in views.vpcs}
    if len(vpcs) > 1:
        raise NetworkConfigurationError(f"the subnets are in {len(vpcs)} different VPCs")
    strays = sorted(g["GroupId"] for g in views.groups if g.get("VpcId") not in vpcs)
    if strays:
        raise NetworkConfigurationError(
            f"{len(strays)} security group(s) are not in the subnets' VPC"
        )
    findings = views.judge(pol)
    for f in findings:
        if f.failed and f.rule_id not in BLOCKING_RULES:
            logger.warning("%s %s %s: %s", f.rule_id, f.resource, f.field, f.message)
    try:
        decide("network", [f for f in findings if f.rule_id in BLOCKING_RULES], pol)
    except InsecureRequestError as err:
        failure = NetworkConfigurationError(_describe(err.findings))
        failure.findings = err.findings  # each names its resource: subnet, group or VPC ID
        raise failure from None
    return findings


def _describe(findings: Sequence[Finding]) -> str:
    lines = [
        f"the network is not private or lacks what SageMaker needs ({len(findings)} problem(s)):"
    ]
    for f in findings:
        kind = f.resource_type.rsplit("::", 1)[-1].lower()
        lines.append(f"  {f.rule_id} [{f.severity}] {kind} {f.field}: {f.message}")
        lines.append(f"      fix: {f.remediation}")
    return "\n".join(lines)


def _ec2(session: Any) -> Any:
    if session is None:
        import boto3

        session = boto3.Session()
    return session.client("ec2")
