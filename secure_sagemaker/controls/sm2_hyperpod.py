"""SM27x - SageMaker HyperPod clusters: network, node volumes, lifecycle scripts."""

from __future__ import annotations

from typing import Any

from secure_sagemaker._aws.s3uri import bucket_in
from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

CREATE = "CreateCluster"
UPDATE = "UpdateCluster"
_GROUPS = ("InstanceGroups[].", "RestrictedInstanceGroups[].")


def _groups(*paths: str) -> tuple[str, ...]:
    return tuple(prefix + p for prefix in _GROUPS for p in paths)


def lifecycle_source(value: Any, ctx: Context) -> Verdict:
    """An ``s3://bucket/...`` URI whose bucket is one of the policy's artifact buckets."""
    if value is MISSING:
        return fail("is absent; name an S3 URI in one of the policy's artifact buckets")
    if not isinstance(value, str):
        return fail("must be an s3:// URI")
    bucket = bucket_in(value.strip())
    if bucket is None or not ctx.policy.is_artifact_bucket(bucket):
        return fail("is not an s3://bucket/prefix URI in one of the policy's artifact buckets")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM270",
        name="hyperpod-cluster-in-vpc",
        severity=Severity.HIGH,
        title="HyperPod cluster nodes run in the policy's subnets and security groups",
        fields={
            CREATE: ("VpcConfig", *_groups("OverrideVpcConfig?")),
            UPDATE: _groups("OverrideVpcConfig?"),
        },
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="Without VpcConfig the cluster's nodes run in the SageMaker service VPC, "
        "outside your network controls, flow logs and VPC endpoints; an instance group's "
        "OverrideVpcConfig must stay inside the same private network.",
        remediation="Set VpcConfig (and any InstanceGroups[].OverrideVpcConfig) to "
        '{"Subnets": [...], "SecurityGroupIds": [...]} from the policy\'s subnets and '
        "security groups (set both in the policy and VpcConfig is filled in).",
        references=("Seed:1", "IAM:sagemaker:VpcSubnets", "IAM:sagemaker:VpcSecurityGroupIds"),
    ),
    Rule(
        id="SM271",
        name="hyperpod-volume-cmk",
        severity=Severity.HIGH,
        title="HyperPod node EBS volumes are encrypted with a customer-managed KMS key",
        fields={
            op: _groups("InstanceStorageConfigs[].EbsVolumeConfig?.VolumeKmsKeyId")
            for op in (CREATE, UPDATE)
        },
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="The nodes' EBS volumes hold training data, checkpoints and credentials "
        "cached on disk; without VolumeKmsKeyId they are encrypted with a key you cannot "
        "audit, restrict or revoke.",
        remediation="Set InstanceGroups[].InstanceStorageConfigs[].EbsVolumeConfig."
        "VolumeKmsKeyId to a customer-managed key (policy kms-key-id or kms-keys.volume).",
        references=("Seed:3", "IAM:sagemaker:VolumeKmsKey"),
    ),
    Rule(
        id="SM272",
        name="hyperpod-lifecycle-scripts-artifact-bucket",
        severity=Severity.HIGH,
        title="HyperPod lifecycle scripts come from an artifact bucket",
        fields={op: ("InstanceGroups[].LifeCycleConfig?.SourceS3Uri",) for op in (CREATE, UPDATE)},
        check=lifecycle_source,
        applies=c.when_policy_has("artifact_buckets"),
        rationale="Lifecycle scripts run as root on every node with the execution role's "
        "access; read from a bucket outside the artifact buckets, anyone who can write "
        "there runs code in the cluster.",
        remediation="Upload the on-create scripts to one of the policy's artifact-buckets and "
        "set InstanceGroups[].LifeCycleConfig.SourceS3Uri to s3://<artifact-bucket>/<prefix>.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM273",
        name="hyperpod-instance-type-allowed",
        severity=Severity.MEDIUM,
        title="HyperPod instance groups use instance types the policy allows",
        fields={op: _groups("InstanceType?") for op in (CREATE, UPDATE)},
        check=c.instance_type_allowed,
        applies=c.when_policy_has("allowed_instance_types"),
        rationale="An allow-list caps cost and keeps clusters on instance types that support "
        "the required encryption features.",
        remediation="Use one of the policy's allowed-instance-types for every instance group.",
        references=("Seed:2", "IAM:sagemaker:InstanceTypes"),
    ),
)
