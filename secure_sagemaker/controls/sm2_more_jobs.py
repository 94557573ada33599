"""SM28x - jobs that build, optimise, package or benchmark models, and the
validation jobs of model packages and algorithms."""

from __future__ import annotations

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import Rule, Severity

COMPILE = "CreateCompilationJob"
OPTIMIZE = "CreateOptimizationJob"
EDGE = "CreateEdgePackagingJob"
RECOMMEND = "CreateInferenceRecommendationsJob"
PACKAGE = "CreateModelPackage"
ALGORITHM = "CreateAlgorithm"

# the containers a model package or algorithm deploys
_PACKAGE_CONTAINERS = (
    "InferenceSpecification?.Containers[].",
    "AdditionalInferenceSpecifications[].Containers[].",
)
_OPTIMIZATIONS = tuple(
    f"OptimizationConfigs[].{kind}?."
    for kind in ("ModelQuantizationConfig", "ModelCompilationConfig", "ModelShardingConfig")
)
# the jobs SageMaker runs to validate a model package or an algorithm
_PROFILES = "ValidationSpecification?.ValidationProfiles[]."
_TRANSFORM = _PROFILES + "TransformJobDefinition?."
_TRAINING = _PROFILES + "TrainingJobDefinition?."


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM280",
        name="model-build-job-in-vpc",
        severity=Severity.HIGH,
        title="Compilation, optimization and recommendation jobs run in the policy's "
        "private VPC subnets",
        fields={
            COMPILE: ("VpcConfig",),
            OPTIMIZE: ("VpcConfig",),
            RECOMMEND: ("InputConfig.VpcConfig",),
        },
        check=c.vpc_config,
        default=c.policy_vpc,
        rationale="These jobs load the model's weights (and recommendation jobs host it "
        "on test endpoints); without a VpcConfig they run in the SageMaker service "
        "network with internet access.",
        remediation="Set VpcConfig (InputConfig.VpcConfig for recommendation jobs) to the "
        "policy's private subnets and security groups (filled in when the policy names them).",
        references=("Seed:1",),
    ),
    Rule(
        id="SM281",
        name="model-build-job-output-cmk",
        severity=Severity.HIGH,
        title="Compiled, optimised and packaged models are encrypted with a "
        "customer-managed KMS key",
        fields={
            COMPILE: ("OutputConfig.KmsKeyId",),
            OPTIMIZE: ("OutputConfig.KmsKeyId",),
            EDGE: ("OutputConfig.KmsKeyId",),
            RECOMMEND: ("OutputConfig?.KmsKeyId",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="The output of these jobs is the model itself; an AWS-managed key "
        "cannot be restricted to the people who should read models.",
        remediation="Set OutputConfig.KmsKeyId to a customer-managed key (policy kms-keys.output).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM282",
        name="model-build-job-volume-cmk",
        severity=Severity.HIGH,
        title="Edge packaging and recommendation job volumes are encrypted with a "
        "customer-managed KMS key",
        fields={
            EDGE: ("ResourceKey",),
            RECOMMEND: ("InputConfig.VolumeKmsKeyId",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="The packaging job's volume and the recommendation job's test endpoints' "
        "volumes hold the model's weights.",
        remediation="Set ResourceKey (edge packaging) or InputConfig.VolumeKmsKeyId "
        "(recommendation jobs) to a customer-managed key (policy kms-keys.volume).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM283",
        name="model-package-image-allowed-registry",
        severity=Severity.HIGH,
        title="Model package, algorithm and optimization images come from an allowed registry",
        fields={
            PACKAGE: tuple(prefix + "Image?" for prefix in _PACKAGE_CONTAINERS),
            ALGORITHM: (
                "TrainingSpecification.TrainingImage",
                "InferenceSpecification?.Containers[].Image?",
            ),
            OPTIMIZE: tuple(prefix + "Image?" for prefix in _OPTIMIZATIONS),
        },
        check=c.image_allowed,
        applies=c.when_policy_has("allowed_image_registries"),
        rationale="A model package or algorithm is what others deploy and train with: its "
        "images must come from a registry you control and scan, like any job's image.",
        remediation="Push the images to one of the policy's allowed-image-registries "
        "(InferenceSpecification.Containers[].Image, TrainingSpecification.TrainingImage, "
        "OptimizationConfigs[].*.Image).",
        references=("Seed:7",),
    ),
    Rule(
        id="SM284",
        name="validation-job-output-cmk",
        severity=Severity.HIGH,
        title="Validation jobs of model packages and algorithms encrypt their output with "
        "a customer-managed KMS key",
        fields={
            PACKAGE: (_TRANSFORM + "TransformOutput.KmsKeyId",),
            ALGORITHM: (
                _TRAINING + "OutputDataConfig.KmsKeyId",
                _TRANSFORM + "TransformOutput.KmsKeyId",
            ),
        },
        check=c.customer_kms_key,
        default=c.kms_key("output"),
        rationale="Validation runs real training and transform jobs: their output is a "
        "model and its predictions, written to S3.",
        remediation="Set the validation profiles' TransformOutput.KmsKeyId and "
        "OutputDataConfig.KmsKeyId to a customer-managed key (policy kms-keys.output).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM285",
        name="validation-job-volume-cmk",
        severity=Severity.MEDIUM,
        title="Validation job volumes are encrypted with a customer-managed KMS key",
        fields={
            PACKAGE: (_TRANSFORM + "TransformResources.VolumeKmsKeyId",),
            ALGORITHM: (
                _TRAINING + "ResourceConfig.VolumeKmsKeyId",
                _TRANSFORM + "TransformResources.VolumeKmsKeyId",
            ),
        },
        check=c.customer_kms_key,
        default=c.kms_key("volume"),
        rationale="The validation jobs' storage volumes hold the validation data and the "
        "model while they run.",
        remediation="Set the validation profiles' TransformResources.VolumeKmsKeyId and "
        "ResourceConfig.VolumeKmsKeyId to a customer-managed key (policy kms-keys.volume).",
        references=("Seed:3",),
    ),
    Rule(
        id="SM286",
        name="model-build-environment-no-secrets",
        severity=Severity.CRITICAL,
        title="No credentials in the environment of optimization jobs, model packages "
        "and validation jobs",
        fields={
            OPTIMIZE: (
                "OptimizationEnvironment",
                *(prefix + "OverrideEnvironment" for prefix in _OPTIMIZATIONS),
            ),
            PACKAGE: (
                *(prefix + "Environment" for prefix in _PACKAGE_CONTAINERS),
                _TRANSFORM + "Environment",
            ),
            ALGORITHM: (
                "InferenceSpecification?.Containers[].Environment",
                _TRANSFORM + "Environment",
            ),
        },
        check=c.no_secrets,
        rationale="These environments are returned in plain text by Describe* calls, and a "
        "model package's are copied into every model deployed from it.",
        remediation="Store the credential in Secrets Manager and pass a reference "
        "(secure_sagemaker.SecretRef(name)); resolve it in the container at run time.",
        references=("Seed:4",),
    ),
)
