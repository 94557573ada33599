"""SM29x - the remaining operations that store data, run code or name images:
model hubs and cards, device fleets, inference experiments and routers, training
sessions, AI benchmark and recommendation jobs, image versions, model package
updates and Studio app image configs."""

from __future__ import annotations

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.sm2_destinations import artifact_destination
from secure_sagemaker.rules import Rule, Severity

HUB = "CreateHub"
CARD = "CreateModelCard"
CARD_UPDATE = "UpdateModelCard"
CARD_EXPORT = "CreateModelCardExportJob"
FLEETS = ("CreateDeviceFleet", "UpdateDeviceFleet")
EXPERIMENT = "UpdateInferenceExperiment"
ROUTERS = ("CreateInferenceRouter", "UpdateInferenceRouter")
SESSION = "CreateTrainingSession"
BENCHMARK = "CreateAIBenchmarkJob"
RECOMMEND = "CreateAIRecommendationJob"
WORKLOAD = "CreateAIWorkloadConfig"
IMAGE_VERSION = "CreateImageVersion"
PACKAGE_UPDATE = "UpdateModelPackage"
APP_IMAGE_UPDATE = "UpdateAppImageConfig"
TASK_UI = "CreateHumanTaskUi"
HUB_IMPORT = "ImportHubContent"
JOB = "CreateJob"
WORKTEAM = "CreateWorkteam"
WORKTEAM_UPDATE = "UpdateWorkteam"
_PRESIGN = "S3Presign.IamPolicyConstraints.SourceIp"

# an inference router's asynchronous output
_ASYNC = "RoutingTargets[].AsyncInferenceConfig?.OutputConfig."
# the containers an UpdateModelPackage adds or replaces
_PACKAGE_CONTAINERS = (
    "InferenceSpecification?.Containers[].",
    "AdditionalInferenceSpecificationsToAdd[].Containers[].",
)
_APP_ENVIRONMENTS = tuple(
    f"{kind}?.ContainerConfig?.ContainerEnvironmentVariables"
    for kind in ("JupyterLabAppImageConfig", "CodeEditorAppImageConfig")
)


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM290",
        name="remaining-output-artifact-bucket",
        severity=Severity.HIGH,
        title="Hubs, model card exports, device fleets, inference experiments and routers, "
        "training sessions and AI jobs write only to the policy's artifact buckets",
        fields={
            HUB: ("S3StorageConfig.S3OutputPath",),
            CARD_EXPORT: ("OutputConfig.S3OutputPath",),
            **{op: ("OutputConfig.S3OutputLocation",) for op in FLEETS},
            EXPERIMENT: ("DataStorageConfig?.Destination",),
            **{op: (_ASYNC + "S3OutputPath", _ASYNC + "S3FailurePath") for op in ROUTERS},
            SESSION: ("OutputConfig.S3Location.Path",),
            BENCHMARK: ("OutputConfig.S3OutputLocation",),
            RECOMMEND: ("OutputConfig.S3OutputLocation?",),
        },
        check=artifact_destination,
        applies=c.when_policy_has("artifact_buckets"),
        rationale="Each writes models, captured inference data, exported model cards or "
        "results to S3: outside the versioned, KMS-encrypted artifact buckets the "
        "organisation controls, that data escapes its encryption, retention and access "
        "controls.",
        remediation="Write to s3://<bucket>/<prefix> in one of the policy's artifact-buckets "
        "(S3StorageConfig.S3OutputPath, OutputConfig.S3OutputPath / S3OutputLocation / "
        "S3Location.Path, DataStorageConfig.Destination, AsyncInferenceConfig.OutputConfig "
        "S3OutputPath and S3FailurePath).",
        references=("Seed:2", "Seed:7"),
    ),
    Rule(
        id="SM291",
        name="remaining-output-cmk",
        severity=Severity.HIGH,
        title="Model cards, device fleet output, inference experiment captures, router "
        "results and training session output are encrypted with a customer-managed KMS key",
        fields={
            CARD: ("SecurityConfig.KmsKeyId",),
            **{op: ("OutputConfig.KmsKeyId",) for op in FLEETS},
            EXPERIMENT: ("DataStorageConfig?.KmsKey",),
            **{op: (_ASYNC + "KmsKeyId",) for op in ROUTERS},
            SESSION: ("OutputConfig.S3Location.KmsKeyArn",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Without a key of yours the data is encrypted with an AWS-managed key, "
        "whose use cannot be restricted to the people who should read it.",
        remediation="Set SecurityConfig.KmsKeyId, OutputConfig.KmsKeyId, "
        "DataStorageConfig.KmsKey or OutputConfig.S3Location.KmsKeyArn to a "
        "customer-managed key (policy kms-keys.output).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM292",
        name="remaining-documents-no-secrets",
        severity=Severity.HIGH,
        title="Model cards, hub content, task UIs, workload configs and job documents "
        "contain no credentials",
        fields={
            CARD: ("Content",),
            CARD_UPDATE: ("Content?",),
            HUB_IMPORT: ("HubContentDocument", "HubContentMarkdown?"),
            TASK_UI: ("UiTemplate.Content",),
            WORKLOAD: ("AIWorkloadConfigs?.WorkloadSpec.Inline?",),
            JOB: ("JobConfigDocument",),
        },
        check=c.no_secrets_in_text,
        rationale="These documents are stored in plain text in the API and returned to "
        "anyone who can describe the resource.",
        remediation="Remove the credential from the document; store it in Secrets Manager "
        "and reference the secret's ARN instead.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM293",
        name="remaining-image-allowed-registry",
        severity=Severity.HIGH,
        title="Image versions and updated model package containers come from an allowed registry",
        fields={
            IMAGE_VERSION: ("BaseImage",),
            PACKAGE_UPDATE: tuple(prefix + "Image?" for prefix in _PACKAGE_CONTAINERS),
        },
        check=c.image_allowed,
        applies=c.when_policy_has("allowed_image_registries"),
        rationale="An image version is what Studio apps run; a model package's containers "
        "are what others deploy: both must come from a registry you control and scan.",
        remediation="Push the image to one of the policy's allowed-image-registries and "
        "pass that URI (BaseImage, Containers[].Image).",
        references=("Seed:7",),
    ),
    Rule(
        id="SM294",
        name="remaining-environment-no-secrets",
        severity=Severity.HIGH,
        title="Updated model package containers and app image configs carry no credentials "
        "in their environment",
        fields={
            PACKAGE_UPDATE: tuple(prefix + "Environment?" for prefix in _PACKAGE_CONTAINERS),
            APP_IMAGE_UPDATE: _APP_ENVIRONMENTS,
        },
        check=c.no_secrets,
        rationale="Environment variables are stored in plain text and returned by every "
        "Describe call.",
        remediation="Put the credential in Secrets Manager and pass its ARN in the "
        "environment instead of the value.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM295",
        name="remaining-compute-in-vpc",
        severity=Severity.HIGH,
        title="Training sessions and AI benchmark jobs run in the policy's private VPC subnets",
        fields={
            SESSION: ("VpcConfig",),
            BENCHMARK: ("NetworkConfig.VpcConfig",),
        },
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="Without a VpcConfig the compute runs in the SageMaker service network "
        "with internet access, outside the VPC's endpoints, flow logs and security groups.",
        remediation="Set VpcConfig (NetworkConfig.VpcConfig for benchmark jobs) to the "
        "policy's private subnets and security groups (filled in when the policy names them).",
        references=("Seed:1",),
    ),
    Rule(
        id="SM296",
        name="workteam-presigned-urls-source-ip",
        severity=Severity.MEDIUM,
        title="Work teams' presigned S3 URLs only work from the workforce's allowed IP ranges",
        fields={
            WORKTEAM: ("WorkerAccessConfiguration." + _PRESIGN,),
            WORKTEAM_UPDATE: ("WorkerAccessConfiguration?." + _PRESIGN,),
        },
        check=c.equals("Enabled", when_absent="presigned URLs work from any address"),
        default=c.const("Enabled"),
        applies=c.when_policy_has("allowed_workforce_cidrs"),
        rationale="Workers read the task's data through presigned S3 URLs; without the "
        "SourceIp constraint a leaked URL opens the data from anywhere on the internet, "
        "whatever the workforce's allowed CIDRs.",
        remediation="Set WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.SourceIp "
        "to Enabled (filled in when the policy lists allowed-workforce-cidrs).",
        references=("Seed:2",),
    ),
)
