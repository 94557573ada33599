"""SM2xx - training, tuning, processing, transform, AutoML and labeling jobs; pipelines."""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail
from secure_sagemaker.scan import scan_arguments

TRAIN = "CreateTrainingJob"
TUNE = "CreateHyperParameterTuningJob"
PROC = "CreateProcessingJob"
XFORM = "CreateTransformJob"
AUTOML = "CreateAutoMLJob"
AUTOML2 = "CreateAutoMLJobV2"
LABEL = "CreateLabelingJob"

# the two shapes of a tuning job's training definitions
_DEFS = ("TrainingJobDefinition?.", "TrainingJobDefinitions[].")


def _tuning(*paths: str) -> tuple[str, ...]:
    return tuple(prefix + p for prefix in _DEFS for p in paths)


def _pipeline_verifiable(value: object, ctx: Context) -> Verdict:
    return PASS  # judged by the engine's pipeline walker, which reports this rule


def no_secrets_in_command(value: Any, ctx: Context) -> Verdict:
    """A container command line (entrypoint or arguments) holds no credential."""
    if value is MISSING:
        return PASS
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return fail("must be a list of strings")
    kinds = scan_arguments(value)
    if kinds:
        return fail(f"contains a credential ({', '.join(kinds)}); read it from Secrets Manager")
    return PASS


# the command lines of the containers a job runs
_COMMAND = ("ContainerEntrypoint", "ContainerArguments")
_SCHEDULE_APP = "MonitoringScheduleConfig?.MonitoringJobDefinition?.MonitoringAppSpecification."


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM201",
        name="job-in-vpc",
        severity=Severity.HIGH,
        title="Job runs in the policy's private VPC subnets",
        fields={
            TRAIN: ("VpcConfig",),
            TUNE: _tuning("VpcConfig"),
            PROC: ("NetworkConfig.VpcConfig",),
            AUTOML: ("AutoMLJobConfig.SecurityConfig.VpcConfig",),
            AUTOML2: ("SecurityConfig.VpcConfig",),
            LABEL: ("LabelingJobAlgorithmsConfig?.LabelingJobResourceConfig.VpcConfig",),
        },
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="Without VpcConfig the job's containers run in the SageMaker service "
        "network with internet access, outside your VPC endpoints and flow logs.",
        remediation="Set VpcConfig (Subnets, SecurityGroupIds) to the policy's private "
        "subnets and security groups, or set them in the policy.",
        references=(
            "Seed:1",
            "Prowler:sagemaker_training_jobs_vpc_settings_configured",
            "IAM:sagemaker:VpcSubnets",
            "IAM:sagemaker:VpcSecurityGroupIds",
        ),
    ),
    Rule(
        id="SM202",
        name="job-network-isolation",
        severity=Severity.HIGH,
        title="Job containers run with network isolation",
        fields={
            TRAIN: ("EnableNetworkIsolation",),
            TUNE: _tuning("EnableNetworkIsolation"),
            PROC: ("NetworkConfig.EnableNetworkIsolation",),
        },
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        rationale="Network isolation stops the training or processing code itself from "
        "making any outbound call, so a poisoned dependency cannot exfiltrate data.",
        remediation="Set EnableNetworkIsolation=true (NetworkConfig.EnableNetworkIsolation "
        "for processing); stage inputs in S3 instead of downloading them.",
        references=(
            "Seed:1",
            "Prowler:sagemaker_training_jobs_network_isolation_enabled",
            "IAM:sagemaker:NetworkIsolation",
        ),
    ),
    Rule(
        id="SM203",
        name="job-inter-container-encryption",
        severity=Severity.MEDIUM,
        title="Traffic between job containers is encrypted",
        fields={
            TRAIN: ("EnableInterContainerTrafficEncryption",),
            TUNE: _tuning("EnableInterContainerTrafficEncryption"),
            PROC: ("NetworkConfig.EnableInterContainerTrafficEncryption",),
            AUTOML: ("AutoMLJobConfig.SecurityConfig.EnableInterContainerTrafficEncryption",),
            AUTOML2: ("SecurityConfig.EnableInterContainerTrafficEncryption",),
        },
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        rationale="Distributed jobs exchange model weights and data between instances; "
        "without this flag that traffic is plain text. Required even for one instance "
        "so scaling out later stays encrypted.",
        remediation="Set EnableInterContainerTrafficEncryption=true.",
        references=(
            "Seed:3",
            "Prowler:sagemaker_training_jobs_intercontainer_encryption_enabled",
            "IAM:sagemaker:InterContainerTrafficEncryption",
        ),
    ),
    Rule(
        id="SM204",
        name="job-volume-cmk",
        severity=Severity.HIGH,
        title="Job storage volumes are encrypted with a customer-managed KMS key",
        fields={
            TRAIN: ("ResourceConfig.VolumeKmsKeyId",),
            TUNE: _tuning(
                "ResourceConfig?.VolumeKmsKeyId",
                "HyperParameterTuningResourceConfig?.VolumeKmsKeyId",
            ),
            PROC: ("ProcessingResources.ClusterConfig.VolumeKmsKeyId",),
            XFORM: ("TransformResources.VolumeKmsKeyId",),
            AUTOML: ("AutoMLJobConfig.SecurityConfig.VolumeKmsKeyId",),
            AUTOML2: ("SecurityConfig.VolumeKmsKeyId",),
            LABEL: ("LabelingJobAlgorithmsConfig?.LabelingJobResourceConfig.VolumeKmsKeyId",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="Training data and checkpoints sit on the ML storage volume; a customer "
        "key makes access to them auditable and revocable.",
        remediation="Set the VolumeKmsKeyId to a customer-managed key (policy kms-keys.volume). "
        "Instance types with local NVMe storage reject it: waive SM204 for those.",
        references=(
            "Seed:3",
            "Prowler:sagemaker_training_jobs_volume_and_output_encryption_enabled",
            "IAM:sagemaker:VolumeKmsKey",
        ),
    ),
    Rule(
        id="SM205",
        name="job-output-cmk",
        severity=Severity.HIGH,
        title="Job output is encrypted with a customer-managed KMS key",
        fields={
            TRAIN: ("OutputDataConfig.KmsKeyId",),
            TUNE: _tuning("OutputDataConfig.KmsKeyId"),
            PROC: ("ProcessingOutputConfig?.KmsKeyId",),
            XFORM: ("TransformOutput.KmsKeyId",),
            AUTOML: ("OutputDataConfig.KmsKeyId",),
            AUTOML2: ("OutputDataConfig.KmsKeyId",),
            LABEL: ("OutputConfig.KmsKeyId",),
            "CreateFlowDefinition": ("OutputConfig.KmsKeyId",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Model artifacts and job output are written to S3 with this key; an "
        "AWS-managed key cannot be restricted to the people who should read models.",
        remediation="Set the output KmsKeyId to a customer-managed key (policy kms-keys.output).",
        references=("Seed:3", "Checkov:CKV_AWS_372", "IAM:sagemaker:OutputKmsKey"),
    ),
    Rule(
        id="SM206",
        name="job-instance-type-allowed",
        severity=Severity.MEDIUM,
        title="Job uses an instance type the policy allows",
        fields={
            TRAIN: ("ResourceConfig.InstanceType?", "ResourceConfig.InstanceGroups[].InstanceType"),
            TUNE: _tuning(
                "ResourceConfig?.InstanceType?", "HyperParameterTuningResourceConfig?.InstanceType?"
            ),
            PROC: ("ProcessingResources.ClusterConfig.InstanceType",),
            XFORM: ("TransformResources.InstanceType",),
        },
        check=c.instance_type_allowed,
        applies=c.when_policy_has("allowed_instance_types"),
        rationale="An allow-list caps cost and keeps jobs on instance types that support "
        "the required encryption features.",
        remediation="Use one of the policy's allowed-instance-types.",
        references=("Seed:2", "IAM:sagemaker:InstanceTypes"),
    ),
    Rule(
        id="SM207",
        name="job-image-allowed-registry",
        severity=Severity.HIGH,
        title="Job container image comes from an allowed registry",
        fields={
            TRAIN: ("AlgorithmSpecification.TrainingImage?",),
            TUNE: _tuning("AlgorithmSpecification.TrainingImage?"),
            PROC: ("AppSpecification.ImageUri",),
        },
        check=c.image_allowed,
        applies=c.when_policy_has("allowed_image_registries"),
        rationale="Images from arbitrary registries are a supply-chain risk: the code that "
        "sees your training data must come from a registry you control and scan.",
        remediation="Push the image to one of the policy's allowed-image-registries.",
        references=("Seed:7",),
    ),
    Rule(
        id="SM208",
        name="training-remote-debug-off",
        severity=Severity.MEDIUM,
        title="Training jobs do not enable remote debugging",
        fields={
            TRAIN: ("RemoteDebugConfig.EnableRemoteDebug",),
            "UpdateTrainingJob": ("RemoteDebugConfig.EnableRemoteDebug",),
        },
        check=c.optional_equals(False),
        rationale="Remote debug opens an interactive shell into a container that holds "
        "training data and the execution role's credentials.",
        remediation="Remove RemoteDebugConfig or set EnableRemoteDebug=false.",
        references=("Seed:2", "IAM:sagemaker:EnableRemoteDebug"),
    ),
    Rule(
        id="SM209",
        name="job-command-no-secrets",
        severity=Severity.CRITICAL,
        title="No credentials in job container entrypoints or arguments",
        fields={
            TRAIN: tuple(f"AlgorithmSpecification.{f}" for f in _COMMAND),
            PROC: tuple(f"AppSpecification.{f}" for f in _COMMAND),
            **{
                op: tuple(f"{kind}AppSpecification.{f}" for f in _COMMAND)
                for op, kind in (
                    ("CreateDataQualityJobDefinition", "DataQuality"),
                    ("CreateModelQualityJobDefinition", "ModelQuality"),
                )
            },
            **{
                op: tuple(_SCHEDULE_APP + f for f in _COMMAND)
                for op in ("CreateMonitoringSchedule", "UpdateMonitoringSchedule")
            },
        },
        check=no_secrets_in_command,
        rationale="A job's ContainerEntrypoint and ContainerArguments are returned in plain "
        "text by Describe* calls, shown in the console and visible in the process list of "
        "the container: --password or --api-key there leaks the credential.",
        remediation="Remove the credential from ContainerEntrypoint/ContainerArguments: "
        "store it in Secrets Manager, pass its name or ARN (--api-key-secret-arn ...) and "
        "read it in the container at run time.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM250",
        name="pipeline-definition-verifiable",
        severity=Severity.HIGH,
        title="Pipeline definition can be read and judged",
        fields={"CreatePipeline": (), "UpdatePipeline": ()},
        check=_pipeline_verifiable,
        rationale="Each pipeline step becomes a SageMaker request; a definition that "
        "cannot be read cannot be judged, so it is refused rather than trusted.",
        remediation="Pass PipelineDefinition as JSON, or a PipelineDefinitionS3Location the "
        "caller's credentials can read; every step is then judged by its request's rules.",
        references=("Seed:1", "Seed:3"),
    ),
    Rule(
        id="SM299",
        name="required-tags",
        severity=Severity.LOW,
        title="Resource carries the policy's required tags",
        fields={
            op: ("Tags",)
            for op in (
                "CreateNotebookInstance",
                "CreateDomain",
                TRAIN,
                TUNE,
                PROC,
                XFORM,
                AUTOML,
                AUTOML2,
                "CreateModel",
                "CreateEndpointConfig",
                "CreateEndpoint",
                "CreatePipeline",
                "CreateFeatureGroup",
                "CreateImage",
                "CreateAppImageConfig",
                "CreateDataQualityJobDefinition",
                "CreateModelBiasJobDefinition",
                "CreateModelExplainabilityJobDefinition",
                "CreateModelQualityJobDefinition",
                "CreateMonitoringSchedule",
            )
        },
        check=c.required_tags,
        applies=c.when_policy_has("required_tags"),
        rationale="Required tags (owner, data classification, cost centre) make every "
        "resource attributable and let tag-based access control work.",
        remediation="Add Tags with every key listed in the policy's required-tags.",
        references=(
            "Seed:2",
            "SecurityHub:SageMaker.6",
            "SecurityHub:SageMaker.7",
            "Config:sagemaker-domain-tagged",
            "Config:sagemaker-feature-group-tagged",
            "IAM:aws:TagKeys",
        ),
    ),
)
