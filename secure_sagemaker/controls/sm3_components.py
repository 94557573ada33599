"""SM36x - endpoints built from inference components: the endpoint config's own
network settings, SSM access and core dumps of variants, and the components'
containers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

EPC = "CreateEndpointConfig"
COMPONENT = ("CreateInferenceComponent", "UpdateInferenceComponent")
_VARIANTS = ("ProductionVariants[].", "ShadowProductionVariants[].")
# a component's container: one Specification, or (newer shape) a list of them
_CONTAINERS = ("Specification?.Container?.", "Specifications[].Container?.")


def _component(leaf: str) -> dict[str, tuple[str, ...]]:
    return {op: tuple(prefix + leaf for prefix in _CONTAINERS) for op in COMPONENT}


def with_execution_role(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    """An endpoint config with ``ExecutionRoleArn`` hosts inference components: its
    own ``EnableNetworkIsolation`` and ``VpcConfig`` govern their containers (the
    service accepts them only together with the role)."""
    return params.get("ExecutionRoleArn") is not None


def ssm_access_allowed(value: Any, ctx: Context) -> Verdict:
    """``EnableSSMAccess`` is absent or false, unless the policy allows SSM access."""
    if value is MISSING or value is False:
        return PASS
    if value is True:
        if ctx.policy.allow_ssm_access:
            return PASS
        return fail("opens an SSM session into the model container; the policy does not allow it")
    return fail("must be a boolean")


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM360",
        name="endpoint-config-network-isolation",
        severity=Severity.HIGH,
        title="Inference component endpoints isolate their containers from the network",
        fields={EPC: ("EnableNetworkIsolation",)},
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        applies=with_execution_role,
        rationale="On an endpoint config with an ExecutionRoleArn the models come from "
        "inference components, not from CreateModel: the config's own "
        "EnableNetworkIsolation is what stops their containers from calling out.",
        remediation="Set EnableNetworkIsolation=true on an endpoint config that has an "
        "ExecutionRoleArn (filled in by the guard).",
        references=("Seed:1", "IAM:sagemaker:NetworkIsolation"),
    ),
    Rule(
        id="SM361",
        name="endpoint-config-in-vpc",
        severity=Severity.HIGH,
        title="Inference component endpoints run in the policy's private VPC subnets",
        fields={EPC: ("VpcConfig",)},
        check=c.vpc_config,
        default=c.policy_vpc,
        applies=with_execution_role,
        rationale="Inference components take their network from the endpoint config; "
        "without its VpcConfig their containers reach S3 and other services outside "
        "your VPC endpoints and flow logs.",
        remediation="Set VpcConfig (Subnets, SecurityGroupIds) to the policy's private "
        "subnets and security groups on an endpoint config that has an ExecutionRoleArn "
        "(filled in when the policy names them).",
        references=(
            "Seed:1",
            "IAM:sagemaker:VpcSubnets",
            "IAM:sagemaker:VpcSecurityGroupIds",
        ),
    ),
    Rule(
        id="SM362",
        name="endpoint-variant-ssm-access-off",
        severity=Severity.HIGH,
        title="Endpoint variants do not open SSM sessions into model containers",
        fields={EPC: tuple(prefix + "EnableSSMAccess" for prefix in _VARIANTS)},
        check=ssm_access_allowed,
        rationale="SSM access gives a shell in the model container, which holds the model "
        "weights, every request in memory and the execution role's credentials.",
        remediation="Leave EnableSSMAccess unset or false on ProductionVariants and "
        "ShadowProductionVariants, or set allow-ssm-access in the policy.",
        references=("Seed:1",),
    ),
    Rule(
        id="SM363",
        name="endpoint-core-dump-cmk",
        severity=Severity.HIGH,
        title="Endpoint core dumps are encrypted with a customer-managed KMS key",
        fields={EPC: tuple(prefix + "CoreDumpConfig?.KmsKeyId" for prefix in _VARIANTS)},
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="A core dump is the container's memory: model weights and the requests "
        "being served when it crashed.",
        remediation="Set CoreDumpConfig.KmsKeyId to a customer-managed key (policy "
        "kms-keys.output) on every variant with a CoreDumpConfig.",
        references=("Seed:3",),
    ),
    Rule(
        id="SM364",
        name="inference-component-image-allowed-registry",
        severity=Severity.HIGH,
        title="Inference component images come from an allowed registry",
        fields=_component("Image?"),
        check=c.image_allowed,
        applies=c.when_policy_has("allowed_image_registries"),
        rationale="The component's image sees every request sent to it; it must come from "
        "a registry you control and scan.",
        remediation="Push the image to one of the policy's allowed-image-registries and "
        "name it in Specification.Container.Image.",
        references=("Seed:7",),
    ),
    Rule(
        id="SM365",
        name="inference-component-environment-no-secrets",
        severity=Severity.CRITICAL,
        title="No credentials in inference component environment variables",
        fields=_component("Environment?"),
        check=c.no_secrets,
        rationale="A component's environment is returned in plain text by "
        "DescribeInferenceComponent and shown in the console.",
        remediation="Store the credential in Secrets Manager and pass a reference in "
        "Specification.Container.Environment (secure_sagemaker.SecretRef(name)).",
        references=("Seed:4",),
    ),
)
