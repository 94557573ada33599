"""SM702-SM705 - the network a SageMaker resource runs in, judged as resource views.

These rules judge documents that :mod:`secure_sagemaker.network` assembles from EC2
Describe calls (the wrappers check them before creating anything, the audit reuses
them), never API requests:

* ``@Subnet`` - ``{"SubnetId", "VpcId", "MapPublicIpOnLaunch", "RouteTableId",
  "Routes": [...]}``, the routes of the subnet's route table (or of the VPC's main
  route table when the subnet has no explicit association);
* ``@SecurityGroup`` - ``{"GroupId", "VpcId", "IpPermissions": [...]}`` as EC2
  describes it;
* ``@Vpc`` - ``{"VpcId", "Endpoints": [{"Service", "ServiceName", "VpcEndpointType",
  "State", "PrivateDnsEnabled"}], "FlowLogs": [{"FlowLogId", "TrafficType",
  "FlowLogStatus"}], "NeedsSecrets"}``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

__all__ = ["REQUIRED_ENDPOINTS", "RULES", "SECRETS_ENDPOINT", "required_endpoints"]

SUBNET = "@Subnet"
SECURITY_GROUP = "@SecurityGroup"
VPC = "@Vpc"

# the VPC endpoints SageMaker needs from a private subnet (short service names:
# com.amazonaws.<region>.<name>)
REQUIRED_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "s3",
    "sts",
    "logs",
    "ecr.api",
    "ecr.dkr",
    "kms",
)
SECRETS_ENDPOINT = "secretsmanager"

# endpoint states that carry (or will shortly carry) traffic
_USABLE_STATES = frozenset({"available", "pending", "pendingacceptance"})
# gateway endpoints have no private DNS; S3 interface endpoints do not need it
_NO_PRIVATE_DNS_NEEDED = frozenset({"s3"})


def required_endpoints(needs_secrets: bool) -> tuple[str, ...]:
    """The short service names a private subnet needs endpoints for."""
    return REQUIRED_ENDPOINTS + ((SECRETS_ENDPOINT,) if needs_secrets else ())


# --------------------------------------------------------------------------- checks


def _is_everywhere(cidr: Any) -> bool:
    """True for a CIDR covering every address (``0.0.0.0/0``, ``::/0``)."""
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _subnet_private(value: Any, ctx: Context) -> Verdict:
    """Judges ``MapPublicIpOnLaunch`` (a bool) and each of ``Routes[]`` (a mapping)."""
    if isinstance(value, Mapping):
        gateway = value.get("GatewayId")
        if isinstance(gateway, str) and gateway.startswith("igw-"):
            return fail(
                "routes to an internet gateway, so the subnet is public (a NAT gateway or "
                "VPC endpoints give private subnets the access they need)"
            )
        return PASS
    if value is True:
        return fail("assigns a public IP address to every network interface launched in it")
    if value is MISSING or value is False or value is None:
        return PASS
    return fail("has a value of an unexpected type")


def _no_open_ingress(value: Any, ctx: Context) -> Verdict:
    """One ``IpPermissions`` entry: no IPv4 or IPv6 range covering every address."""
    if not isinstance(value, Mapping):
        return fail("must be an IP permission object")
    v4 = [r.get("CidrIp") for r in value.get("IpRanges") or () if isinstance(r, Mapping)]
    v6 = [r.get("CidrIpv6") for r in value.get("Ipv6Ranges") or () if isinstance(r, Mapping)]
    if any(_is_everywhere(c) for c in v4 + v6):
        return fail("allows ingress from anywhere (0.0.0.0/0 or ::/0)")
    return PASS


def _usable(endpoint: Mapping[str, Any]) -> bool:
    state = endpoint.get("State")
    return not isinstance(state, str) or state.lower() in _USABLE_STATES


def _endpoints_present(value: Any, ctx: Context) -> Verdict:
    required = required_endpoints(bool(ctx.params.get("NeedsSecrets")))
    endpoints = value if isinstance(value, list) else []
    if value is not MISSING and not isinstance(value, list):
        return fail("must be a list of VPC endpoints")
    usable = [e for e in endpoints if isinstance(e, Mapping) and _usable(e)]
    services = {e.get("Service") for e in usable}
    missing = [name for name in required if name not in services]
    no_dns = sorted(
        {
            str(e.get("Service"))
            for e in usable
            if e.get("Service") in required
            and e.get("Service") not in _NO_PRIVATE_DNS_NEEDED
            and str(e.get("VpcEndpointType", "Interface")).lower() == "interface"
            and e.get("PrivateDnsEnabled") is False
        }
    )
    reasons = []
    if missing:
        reasons.append(
            f"has no usable VPC endpoint for {', '.join(missing)}; jobs and notebooks in its "
            "private subnets cannot reach those services and hang until they time out"
        )
    if no_dns:
        reasons.append(
            f"has interface endpoints without private DNS for {', '.join(no_dns)}, so the "
            "service's default host names do not resolve to them"
        )
    return fail("; ".join(reasons)) if reasons else PASS


def _flow_logs(value: Any, ctx: Context) -> Verdict:
    logs = value if isinstance(value, list) else []
    for log in logs:
        if not isinstance(log, Mapping):
            continue
        active = str(log.get("FlowLogStatus", "ACTIVE")).upper() == "ACTIVE"
        if active and str(log.get("TrafficType", "")).upper() in ("ALL", "REJECT"):
            return PASS
    return fail("has no active flow log recording rejected (or all) traffic")


# --------------------------------------------------------------------------- rules

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM702",
        name="subnet-private",
        severity=Severity.HIGH,
        service="ec2",
        title="SageMaker subnets are private",
        fields={SUBNET: ("MapPublicIpOnLaunch", "Routes[]")},
        check=_subnet_private,
        rationale="A subnet with a route to an internet gateway, or one that hands out "
        "public IP addresses, puts notebooks and job containers on the internet: "
        "DirectInternetAccess=Disabled and VpcConfig are then no protection.",
        remediation="Use a subnet whose route table has no internet-gateway route and whose "
        "MapPublicIpOnLaunch is false; reach AWS services through VPC endpoints.",
        references=(
            "Seed:1",
            "Config:subnet-auto-assign-public-ip-disabled",
            "Prowler:vpc_subnet_no_public_ip_by_default",
            "Checkov:CKV_AWS_130",
        ),
    ),
    Rule(
        id="SM703",
        name="security-group-no-open-ingress",
        severity=Severity.HIGH,
        service="ec2",
        title="SageMaker security groups allow no ingress from anywhere",
        fields={SECURITY_GROUP: ("IpPermissions[]",)},
        check=_no_open_ingress,
        rationale="Security groups are the firewall of every notebook and job ENI; ingress "
        "from 0.0.0.0/0 or ::/0 exposes them to every address that can route to them.",
        remediation="Remove the inbound rules with 0.0.0.0/0 or ::/0; allow only the "
        "security group itself (for distributed jobs) or specific CIDR ranges.",
        references=(
            "Seed:1",
            "SecurityHub:EC2.18",
            "Config:vpc-sg-open-only-to-authorized-ports",
            "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
            "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_any_port",
        ),
    ),
    Rule(
        id="SM704",
        name="vpc-endpoints-present",
        severity=Severity.HIGH,
        service="ec2",
        title="The VPC has the endpoints SageMaker needs from private subnets",
        fields={VPC: ("Endpoints",)},
        check=_endpoints_present,
        rationale="Without internet access, SageMaker reaches its own API, S3, STS, "
        "CloudWatch Logs, ECR and KMS (and Secrets Manager when secrets are used) only "
        "through VPC endpoints; a missing one makes jobs hang for up to an hour before "
        "they fail with an unhelpful error.",
        remediation="Create the missing endpoints in the VPC (interface endpoints with "
        "private DNS enabled, and an S3 gateway endpoint on the subnets' route tables): "
        "com.amazonaws.<region>.<service>.",
        references=("Seed:1",),
    ),
    Rule(
        id="SM705",
        name="vpc-flow-logs",
        severity=Severity.MEDIUM,
        service="ec2",
        title="The VPC records flow logs",
        fields={VPC: ("FlowLogs",)},
        check=_flow_logs,
        rationale="Flow logs are the network audit trail: without them there is no record "
        "of where a notebook or job sent data.",
        remediation="Create a flow log on the VPC with TrafficType ALL (or at least REJECT) "
        "to CloudWatch Logs or S3.",
        references=(
            "Seed:1",
            "SecurityHub:EC2.6",
            "Config:vpc-flow-logs-enabled",
            "Prowler:vpc_flow_logs_enabled",
            "Checkov:CKV2_AWS_11",
        ),
    ),
)
