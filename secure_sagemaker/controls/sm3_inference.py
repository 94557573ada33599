"""SM3xx - models, endpoint configs, inference experiments and model monitoring."""

from __future__ import annotations

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import Rule, Severity

MODEL = "CreateModel"
EPC = "CreateEndpointConfig"
SCHED = ("CreateMonitoringSchedule", "UpdateMonitoringSchedule")
_SCHED_DEF = "MonitoringScheduleConfig?.MonitoringJobDefinition?."
# monitoring job definition operation -> its output/app-specification prefix
MONITORING_DEFINITIONS = {
    "CreateDataQualityJobDefinition": "DataQuality",
    "CreateModelBiasJobDefinition": "ModelBias",
    "CreateModelExplainabilityJobDefinition": "ModelExplainability",
    "CreateModelQualityJobDefinition": "ModelQuality",
}


def _monitoring(definition_path: str, schedule_path: str) -> dict[str, tuple[str, ...]]:
    fields: dict[str, tuple[str, ...]] = {
        op: (definition_path.format(kind=k),) for op, k in MONITORING_DEFINITIONS.items()
    }
    fields.update({op: (_SCHED_DEF + schedule_path,) for op in SCHED})
    return fields


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM301",
        name="model-network-isolation",
        severity=Severity.HIGH,
        title="Model containers run with network isolation",
        fields={MODEL: ("EnableNetworkIsolation",)},
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        rationale="An isolated inference container cannot call out, so a compromised "
        "model or dependency cannot leak requests or weights.",
        remediation="Set EnableNetworkIsolation=true.",
        references=(
            "Seed:1",
            "SecurityHub:SageMaker.5",
            "Config:sagemaker-model-isolation-enabled",
            "Prowler:sagemaker_models_network_isolation_enabled",
            "Checkov:CKV_AWS_370",
            "IAM:sagemaker:NetworkIsolation",
        ),
    ),
    Rule(
        id="SM302",
        name="model-in-vpc",
        severity=Severity.HIGH,
        title="Model runs in the policy's private VPC subnets",
        fields={MODEL: ("VpcConfig",)},
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="Hosting and batch transform containers reach S3 and other services "
        "through your VPC endpoints only when the model has a VpcConfig.",
        remediation="Set VpcConfig to the policy's subnets and security groups.",
        references=(
            "Seed:1",
            "Config:sagemaker-model-in-vpc",
            "Prowler:sagemaker_models_vpc_settings_configured",
            "IAM:sagemaker:VpcSubnets",
            "IAM:sagemaker:VpcSecurityGroupIds",
        ),
    ),
    Rule(
        id="SM303",
        name="model-private-registry",
        severity=Severity.MEDIUM,
        title="Model images come from ECR or a registry inside the VPC",
        fields={MODEL: ("PrimaryContainer?", "Containers[]")},
        check=c.private_registry,
        rationale="Security Hub SageMaker.16/.19 pass only RepositoryAccessMode=Vpc, which "
        "would fail every ECR image - the common, private case reached through the "
        "ecr.dkr VPC endpoint. This rule accepts ECR or Vpc mode and refuses images "
        "pulled from public registries.",
        remediation="Use an image in your ECR, or a private registry with "
        "ImageConfig.RepositoryAccessMode=Vpc.",
        references=(
            "Seed:7",
            "SecurityHub:SageMaker.16",
            "SecurityHub:SageMaker.19",
            "Config:sagemaker-model-private-registry-required",
            "Config:sagemaker-model-multicontainer-private-registry",
        ),
    ),
    Rule(
        id="SM304",
        name="model-image-allowed-registry",
        severity=Severity.HIGH,
        title="Model container image comes from an allowed registry",
        fields={MODEL: ("PrimaryContainer?.Image?", "Containers[].Image?")},
        check=c.image_allowed,
        applies=c.when_policy_has("allowed_image_registries"),
        rationale="The inference image sees every request; it must come from a registry "
        "you control and scan.",
        remediation="Push the image to one of the policy's allowed-image-registries.",
        references=("Seed:7",),
    ),
    Rule(
        id="SM310",
        name="endpoint-config-cmk",
        severity=Severity.HIGH,
        title="Endpoint storage volumes are encrypted with a customer-managed KMS key",
        fields={EPC: ("KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("endpoint"),
        rationale="The endpoint's ML storage volume holds the model; a customer key makes "
        "access auditable and revocable.",
        remediation="Set KmsKeyId to a customer-managed key (policy kms-keys.endpoint). "
        "Instance types with local NVMe storage reject it: waive SM310 for those.",
        references=(
            "Seed:3",
            "Config:sagemaker-endpoint-configuration-kms-key-configured",
            "Config:sagemaker-endpoint-config-kms-key-required",
            "Prowler:sagemaker_endpoint_config_kms_encryption_enabled",
            "Checkov:CKV_AWS_98",
            "IAM:sagemaker:VolumeKmsKey",
        ),
    ),
    Rule(
        id="SM311",
        name="endpoint-data-capture",
        severity=Severity.MEDIUM,
        title="Endpoint captures requests and responses",
        fields={EPC: ("DataCaptureConfig",)},
        check=c.data_capture_enabled,
        default=c.data_capture,
        rationale="Captured traffic is what Model Monitor compares against the baseline to "
        "detect drift, and the evidence when probing for membership inference or model "
        "inversion is suspected.",
        remediation="Set DataCaptureConfig with EnableCapture=true, a sampling percentage "
        "and a destination in an artifact bucket (filled in when the policy has one).",
        references=("Seed:5",),
    ),
    Rule(
        id="SM312",
        name="endpoint-data-capture-cmk",
        severity=Severity.HIGH,
        title="Captured endpoint data is encrypted with a customer-managed KMS key",
        fields={EPC: ("DataCaptureConfig?.KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("data_capture"),
        rationale="Captured requests are production data, often personal data.",
        remediation="Set DataCaptureConfig.KmsKeyId to a customer-managed key.",
        references=("Seed:3", "Seed:5"),
    ),
    Rule(
        id="SM313",
        name="endpoint-instance-redundancy",
        severity=Severity.LOW,
        title="Endpoint production variants run on two or more instances",
        fields={EPC: ("ProductionVariants[]",)},
        check=c.min_instances(2),
        rationale="SageMaker spreads instances across availability zones; one instance is "
        "a single point of failure. Serverless variants are exempt (Prowler fails them).",
        remediation="Set InitialInstanceCount >= 2 for production variants.",
        references=(
            "Seed:5",
            "SecurityHub:SageMaker.4",
            "Config:sagemaker-endpoint-config-prod-instance-count",
            "Prowler:sagemaker_endpoint_config_prod_variant_instances",
        ),
    ),
    Rule(
        id="SM314",
        name="endpoint-instance-type-allowed",
        severity=Severity.MEDIUM,
        title="Endpoint uses an instance type the policy allows",
        fields={EPC: ("ProductionVariants[].InstanceType?",)},
        check=c.instance_type_allowed,
        applies=c.when_policy_has("allowed_instance_types"),
        rationale="An allow-list caps cost and keeps endpoints on supported instance types.",
        remediation="Use one of the policy's allowed-instance-types.",
        references=("Seed:2", "IAM:sagemaker:InstanceTypes"),
    ),
    Rule(
        id="SM315",
        name="async-inference-output-cmk",
        severity=Severity.HIGH,
        title="Asynchronous inference output is encrypted with a customer-managed KMS key",
        fields={EPC: ("AsyncInferenceConfig?.OutputConfig.KmsKeyId",)},
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Async inference writes every response to S3.",
        remediation="Set AsyncInferenceConfig.OutputConfig.KmsKeyId to a customer-managed key.",
        references=("Seed:3",),
    ),
    Rule(
        id="SM320",
        name="monitoring-network-isolation",
        severity=Severity.MEDIUM,
        title="Monitoring jobs run with network isolation",
        fields=_monitoring(
            "NetworkConfig.EnableNetworkIsolation", "NetworkConfig.EnableNetworkIsolation"
        ),
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        rationale="Monitoring jobs read captured production data; isolation stops them "
        "from sending it anywhere.",
        remediation="Set NetworkConfig.EnableNetworkIsolation=true.",
        references=(
            "Seed:1",
            "Seed:5",
            "SecurityHub:SageMaker.11",
            "SecurityHub:SageMaker.12",
            "SecurityHub:SageMaker.20",
            "SecurityHub:SageMaker.25",
            "SecurityHub:SageMaker.14",
            "Config:sagemaker-data-quality-job-isolation",
            "Config:sagemaker-model-bias-job-isolation",
            "Config:sagemaker-model-explainability-job-network-isolation",
            "Config:sagemaker-model-quality-job-definition-isolation",
            "Config:sagemaker-monitoring-schedule-isolation",
            "IAM:sagemaker:NetworkIsolation",
        ),
    ),
    Rule(
        id="SM321",
        name="monitoring-inter-container-encryption",
        severity=Severity.MEDIUM,
        title="Monitoring jobs encrypt traffic between containers",
        fields=_monitoring(
            "NetworkConfig.EnableInterContainerTrafficEncryption",
            "NetworkConfig.EnableInterContainerTrafficEncryption",
        ),
        check=c.equals(True, when_absent="false"),
        default=c.const(True),
        rationale="Required even for single-instance jobs (Security Hub passes those), so "
        "scaling out never sends production data in plain text.",
        remediation="Set NetworkConfig.EnableInterContainerTrafficEncryption=true.",
        references=(
            "Seed:3",
            "Seed:5",
            "SecurityHub:SageMaker.9",
            "SecurityHub:SageMaker.10",
            "SecurityHub:SageMaker.13",
            "SecurityHub:SageMaker.15",
            "SecurityHub:SageMaker.22",
            "Config:sagemaker-data-quality-job-encrypt-in-transit",
            "Config:sagemaker-model-bias-job-encrypt-in-transit",
            "Config:sagemaker-model-explainability-job-encrypt-in-transit",
            "Config:sagemaker-model-quality-job-encrypt-in-transit",
            "Config:sagemaker-monitoring-schedule-traffic-encryption",
            "Checkov:CKV_AWS_369",
            "IAM:sagemaker:InterContainerTrafficEncryption",
        ),
    ),
    Rule(
        id="SM322",
        name="monitoring-in-vpc",
        severity=Severity.HIGH,
        title="Monitoring jobs run in the policy's private VPC subnets",
        fields=_monitoring("NetworkConfig.VpcConfig", "NetworkConfig.VpcConfig"),
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="Monitoring jobs read captured production data and must stay in your VPC.",
        remediation="Set NetworkConfig.VpcConfig to the policy's subnets and security groups.",
        references=(
            "Seed:1",
            "Seed:5",
            "IAM:sagemaker:VpcSubnets",
            "IAM:sagemaker:VpcSecurityGroupIds",
        ),
    ),
    Rule(
        id="SM323",
        name="monitoring-volume-cmk",
        severity=Severity.HIGH,
        title="Monitoring job volumes are encrypted with a customer-managed KMS key",
        fields=_monitoring(
            "JobResources.ClusterConfig.VolumeKmsKeyId",
            "MonitoringResources.ClusterConfig.VolumeKmsKeyId",
        ),
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="The volume holds captured production data during analysis.",
        remediation="Set the cluster's VolumeKmsKeyId to a customer-managed key.",
        references=("Seed:3", "Seed:5", "Checkov:CKV_AWS_368", "IAM:sagemaker:VolumeKmsKey"),
    ),
    Rule(
        id="SM324",
        name="monitoring-output-cmk",
        severity=Severity.HIGH,
        title="Monitoring reports are encrypted with a customer-managed KMS key",
        fields=_monitoring("{kind}JobOutputConfig.KmsKeyId", "MonitoringOutputConfig.KmsKeyId"),
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Violation reports quote production data statistics.",
        remediation="Set the job output config's KmsKeyId to a customer-managed key.",
        references=("Seed:3", "Seed:5", "Checkov:CKV_AWS_367", "IAM:sagemaker:OutputKmsKey"),
    ),
    Rule(
        id="SM325",
        name="monitoring-instance-type-allowed",
        severity=Severity.MEDIUM,
        title="Monitoring jobs use an instance type the policy allows",
        fields=_monitoring(
            "JobResources.ClusterConfig.InstanceType",
            "MonitoringResources.ClusterConfig.InstanceType",
        ),
        check=c.instance_type_allowed,
        applies=c.when_policy_has("allowed_instance_types"),
        rationale="An allow-list caps cost and keeps jobs on supported instance types.",
        remediation="Use one of the policy's allowed-instance-types.",
        references=("Seed:2", "IAM:sagemaker:InstanceTypes"),
    ),
    Rule(
        id="SM330",
        name="inference-experiment-cmk",
        severity=Severity.MEDIUM,
        title="Inference experiment storage is encrypted with a customer-managed KMS key",
        fields={"CreateInferenceExperiment": ("KmsKey",)},
        check=c.customer_kms_key,
        default=c.kms_key("endpoint"),
        rationale="Shadow variants' volumes hold the model under test.",
        remediation="Set KmsKey to a customer-managed key.",
        references=(
            "Seed:3",
            "SecurityHub:SageMaker.23",
            "Config:sagemaker-inf-experiment-instance-storage-kms-encrypted",
        ),
    ),
    Rule(
        id="SM331",
        name="inference-experiment-capture-cmk",
        severity=Severity.MEDIUM,
        title="Inference experiment captured data is encrypted with a customer-managed KMS key",
        fields={"CreateInferenceExperiment": ("DataStorageConfig?.KmsKey",)},
        check=c.customer_kms_key,
        default=c.kms_key("data_capture"),
        rationale="Captured shadow traffic is production data.",
        remediation="Set DataStorageConfig.KmsKey to a customer-managed key.",
        references=(
            "Seed:3",
            "Seed:5",
            "SecurityHub:SageMaker.24",
            "Config:sagemaker-inf-experiment-data-storage-kms-encrypted",
        ),
    ),
)
