"""SM13x - access surfaces beside Studio: labeling workforces, MLflow, partner apps and
remote IDE sessions.

The presigned URLs of MLflow tracking servers, MLflow apps and partner apps are judged
with the notebook and Studio ones by SM119 (``sm1_notebooks``).
``AttachClusterNodeNetworkInterface`` is not judged here: the request names only an
ENI ID, whose subnet and security groups a pure check cannot see, so it stays
``unknown`` (refused by SM000 unless the policy's ``allow_operations`` lists it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.sm2_destinations import artifact_destination
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

WORKFORCE = "CreateWorkforce"
WORKFORCE_UPDATE = "UpdateWorkforce"
TRACKING = "CreateMlflowTrackingServer"
TRACKING_UPDATE = "UpdateMlflowTrackingServer"
APP = "CreateMlflowApp"
APP_UPDATE = "UpdateMlflowApp"
PARTNER = "CreatePartnerApp"

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(value: Any) -> _Network | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _inside(net: _Network, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        outer = _network(entry)
        if outer is not None and outer.version == net.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


def source_ip_config(value: Any, ctx: Context) -> Verdict:
    """``{"Cidrs": [...]}``: at least one CIDR, none the whole internet, each inside one
    of the policy's ``allowed_workforce_cidrs`` when it lists any."""
    if value is MISSING:
        return fail("is absent, so workers may sign in from any IP address")
    if not isinstance(value, Mapping):
        return fail("must be an object with Cidrs")
    cidrs = value.get("Cidrs", MISSING)
    if not isinstance(cidrs, list) or not cidrs:
        return fail("must list at least one source CIDR", "Cidrs")
    allowed = ctx.policy.allowed_workforce_cidrs
    for item in cidrs:
        net = _network(item)
        if net is None:
            return fail("must list CIDRs (203.0.113.0/24)", "Cidrs")
        if net.prefixlen == 0:
            return fail("must not allow every address (0.0.0.0/0 or ::/0)", "Cidrs")
        if allowed and not _inside(net, allowed):
            return fail("names a CIDR outside the policy's allowed-workforce-cidrs", "Cidrs")
    return PASS


def _policy_cidrs(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    return (
        {"Cidrs": list(policy.allowed_workforce_cidrs)} if policy.allowed_workforce_cidrs else None
    )


def workforce_vpc(value: Any, ctx: Context) -> Verdict:
    """``{"VpcId", "Subnets", "SecurityGroupIds"}`` in the policy's VPC and network."""
    if value is MISSING:
        return fail("is absent, so the labeling portal is not bound to the organisation's VPC")
    if not isinstance(value, Mapping):
        return fail("must be an object with VpcId, Subnets and SecurityGroupIds")
    vpc = value.get("VpcId")
    if not isinstance(vpc, str) or not vpc:
        return fail("must name the VPC", "VpcId")
    if ctx.policy.vpc_id and vpc != ctx.policy.vpc_id:
        return fail("names a VPC other than the policy's vpc-id", "VpcId")
    return c.vpc_config(value, ctx)


def _policy_workforce_vpc(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    network = policy.vpc_config
    if not policy.vpc_id or network is None:
        return None
    return {"VpcId": policy.vpc_id, **network}


def _remote_session(value: Any, ctx: Context) -> Verdict:
    if ctx.policy.allow_remote_access:
        return PASS
    return fail("opens a remote IDE session, which the policy does not allow")


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM130",
        name="workforce-source-ip-restricted",
        severity=Severity.HIGH,
        title="A labeling workforce accepts sign-ins only from the organisation's networks",
        fields={
            WORKFORCE: ("SourceIpConfig",),
            WORKFORCE_UPDATE: ("SourceIpConfig?",),
        },
        check=source_ip_config,
        default=_policy_cidrs,
        rationale="Without SourceIpConfig, or with 0.0.0.0/0 or ::/0, a worker's stolen "
        "credentials open the labeling portal, and the data it shows, from anywhere.",
        remediation="Set SourceIpConfig={'Cidrs': [...]} to the organisation's egress "
        "CIDRs, inside the policy's allowed-workforce-cidrs (the guard fills them when the "
        "policy lists them); never 0.0.0.0/0 or ::/0.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM131",
        name="workforce-in-private-vpc",
        severity=Severity.MEDIUM,
        title="A labeling workforce is bound to the organisation's VPC",
        fields={
            WORKFORCE: ("WorkforceVpcConfig",),
            WORKFORCE_UPDATE: ("WorkforceVpcConfig?",),
        },
        check=workforce_vpc,
        default=_policy_workforce_vpc,
        applies=c.when_policy_has("subnets"),
        rationale="A workforce VPC config reaches the labeling portal through a VPC "
        "endpoint in the organisation's subnets, so worker traffic and the data it "
        "shows stay inside the network controls.",
        remediation="Set WorkforceVpcConfig={'VpcId': ..., 'Subnets': [...], "
        "'SecurityGroupIds': [...]} with the policy's vpc-id, subnets and security groups "
        "(the guard fills it when the policy sets all three).",
        references=("Seed:1",),
    ),
    Rule(
        id="SM132",
        name="mlflow-artifacts-in-artifact-bucket",
        severity=Severity.HIGH,
        title="MLflow stores its artifacts in an artifact bucket",
        fields={
            TRACKING: ("ArtifactStoreUri",),
            TRACKING_UPDATE: ("ArtifactStoreUri?",),
            APP: ("ArtifactStoreUri",),
            APP_UPDATE: ("ArtifactStoreUri?",),
        },
        check=artifact_destination,
        applies=c.when_policy_has("artifact_buckets"),
        rationale="MLflow writes every logged model, metric file and dataset to its "
        "artifact store: outside the artifact buckets they escape the organisation's "
        "encryption, versioning and access controls.",
        remediation="Set ArtifactStoreUri to s3://<bucket>/<prefix> in one of the "
        "policy's artifact-buckets.",
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM133",
        name="mlflow-bucket-owner-verified",
        severity=Severity.MEDIUM,
        title="An MLflow tracking server verifies who owns its artifact bucket",
        fields={
            TRACKING: ("S3BucketOwnerVerification",),
            TRACKING_UPDATE: ("S3BucketOwnerVerification",),
        },
        check=c.optional_equals(True),
        rationale="Without the S3 ownership check, a bucket of the same name re-created "
        "by another account after a deletion receives the tracking server's artifacts.",
        remediation="Leave S3BucketOwnerVerification absent or set it to true.",
        references=("Seed:2",),
    ),
    Rule(
        id="SM134",
        name="mlflow-app-customer-kms-key",
        severity=Severity.HIGH,
        title="An MLflow app encrypts its data with a customer-managed KMS key",
        fields={APP: ("KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Without KmsKeyId the MLflow app's data at rest is not encrypted with "
        "a customer-managed key, so key policy, rotation and revocation are not yours.",
        remediation="Set KmsKeyId to a customer-managed KMS key (the guard fills the "
        "policy's output key, or kms-key-id).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM135",
        name="partner-app-customer-kms-key",
        severity=Severity.HIGH,
        title="A partner AI app encrypts its data with a customer-managed KMS key",
        fields={PARTNER: ("KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="Without KmsKeyId a partner AI app encrypts its data at rest with an AWS "
        "managed key, whose policy and revocation the organisation does not control.",
        remediation="Set KmsKeyId to a customer-managed KMS key (the guard fills the "
        "policy's volume key, or kms-key-id).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM136",
        name="remote-ide-session-allowed",
        severity=Severity.HIGH,
        title="Remote IDE sessions to Studio spaces are opened only where the policy allows",
        fields={"StartSession": ("ResourceIdentifier",)},
        check=_remote_session,
        rationale="StartSession connects a local IDE to a space with its execution role's "
        "access, outside the Studio UI and its session controls.",
        remediation="Connect through Studio, or set allow_remote_access: true in the "
        "policy (or waive SM136) where remote IDE access is approved.",
        references=("Seed:2",),
    ),
)
