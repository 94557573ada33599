"""docs/controls.md is generated from the catalog, and the catalog covers the yardstick."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_sagemaker.cli._docs import render_controls_markdown
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.rules import display_path

ROOT = Path(__file__).resolve().parent.parent

# The request-field rows of the merged table in shared/reference/controls.md (section 7):
# (row, operation, field path, an external ID the rule must reference or "")
YARDSTICK = [
    (1, "CreateNotebookInstance", "DirectInternetAccess", "SecurityHub:SageMaker.1"),
    (2, "CreateNotebookInstance", "SubnetId", "SecurityHub:SageMaker.2"),
    (2, "CreateNotebookInstance", "SecurityGroupIds", "Checkov:CKV_AWS_306"),
    (3, "UpdateNotebookInstance", "RootAccess", "SecurityHub:SageMaker.3"),
    (4, "CreateNotebookInstance", "KmsKeyId", "SecurityHub:SageMaker.21"),
    (5, "CreateNotebookInstance", "PlatformIdentifier", "SecurityHub:SageMaker.8"),
    (6, "UpdateNotebookInstance", "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion", "Checkov:CKV_AWS_371"),
    (7, "CreateNotebookInstanceLifecycleConfig", "OnStart[].Content", "Prowler:sagemaker_notebook_instance_no_secrets"),
    (9, "CreateEndpointConfig", "KmsKeyId", "Checkov:CKV_AWS_98"),
    (10, "CreateEndpointConfig", "ProductionVariants[]", "SecurityHub:SageMaker.4"),
    (11, "CreateModel", "EnableNetworkIsolation", "SecurityHub:SageMaker.5"),
    (12, "CreateModel", "VpcConfig", "Config:sagemaker-model-in-vpc"),
    (13, "CreateModel", "PrimaryContainer", "SecurityHub:SageMaker.16"),
    (14, "CreateModel", "Containers[]", "SecurityHub:SageMaker.19"),
    (15, "CreateHyperParameterTuningJob", "TrainingJobDefinition.EnableInterContainerTrafficEncryption", "Prowler:sagemaker_training_jobs_intercontainer_encryption_enabled"),
    (16, "CreateTrainingJob", "EnableNetworkIsolation", "Prowler:sagemaker_training_jobs_network_isolation_enabled"),
    (17, "CreateTrainingJob", "VpcConfig", "Prowler:sagemaker_training_jobs_vpc_settings_configured"),
    (18, "CreateTrainingJob", "ResourceConfig.VolumeKmsKeyId", "IAM:sagemaker:VolumeKmsKey"),
    (19, "CreateTrainingJob", "OutputDataConfig.KmsKeyId", "IAM:sagemaker:OutputKmsKey"),
    (20, "CreateProcessingJob", "NetworkConfig.EnableNetworkIsolation", ""),
    (21, "CreateProcessingJob", "NetworkConfig.EnableInterContainerTrafficEncryption", ""),
    (22, "CreateProcessingJob", "NetworkConfig.VpcConfig", ""),
    (23, "CreateProcessingJob", "ProcessingResources.ClusterConfig.VolumeKmsKeyId", ""),
    (23, "CreateProcessingJob", "ProcessingOutputConfig.KmsKeyId", ""),
    (24, "CreateTransformJob", "TransformResources.VolumeKmsKeyId", ""),
    (24, "CreateTransformJob", "TransformOutput.KmsKeyId", ""),
    (25, "CreateModelBiasJobDefinition", "NetworkConfig.EnableInterContainerTrafficEncryption", "SecurityHub:SageMaker.15"),
    (26, "CreateModelQualityJobDefinition", "NetworkConfig.EnableNetworkIsolation", "SecurityHub:SageMaker.25"),
    (27, "CreateDataQualityJobDefinition", "JobResources.ClusterConfig.VolumeKmsKeyId", "Checkov:CKV_AWS_368"),
    (27, "CreateDataQualityJobDefinition", "DataQualityJobOutputConfig.KmsKeyId", "Checkov:CKV_AWS_367"),
    (28, "UpdateMonitoringSchedule", "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation", "SecurityHub:SageMaker.14"),
    (29, "CreateMonitoringSchedule", "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableInterContainerTrafficEncryption", "SecurityHub:SageMaker.22"),
    (31, "CreateFeatureGroup", "OfflineStoreConfig.S3StorageConfig.KmsKeyId", "SecurityHub:SageMaker.17"),
    (32, "CreateFeatureGroup", "OnlineStoreConfig.SecurityConfig.KmsKeyId", "SecurityHub:SageMaker.18"),
    (33, "CreateInferenceExperiment", "KmsKey", "SecurityHub:SageMaker.23"),
    (34, "CreateInferenceExperiment", "DataStorageConfig.KmsKey", "SecurityHub:SageMaker.24"),
    (35, "UpdateDomain", "AppNetworkAccessType", "Config:sagemaker-domain-in-vpc"),
    (35, "CreateDomain", "SubnetIds", "IAM:sagemaker:VpcSubnets"),
    (36, "CreateDomain", "KmsKeyId", "Checkov:CKV_AWS_187"),
    (37, "CreateDomain", "AuthMode", "Prowler:sagemaker_domain_sso_configured"),
    (38, "CreateFlowDefinition", "OutputConfig.KmsKeyId", "Checkov:CKV_AWS_372"),
    (39, "CreateAppImageConfig", "Tags", "SecurityHub:SageMaker.6"),
    (39, "CreateImage", "Tags", "SecurityHub:SageMaker.7"),
    (39, "CreateImage", "Description", "Config:sagemaker-image-description"),
    (39, "CreateDomain", "Tags", "Config:sagemaker-domain-tagged"),
    (40, "CreateEndpointConfig", "ProductionVariants[].InstanceType", "IAM:sagemaker:InstanceTypes"),
    (41, "UpdateTrainingJob", "RemoteDebugConfig.EnableRemoteDebug", "IAM:sagemaker:EnableRemoteDebug"),
    (43, "PutBucketVersioning", "VersioningConfiguration.Status", "SecurityHub:S3.14"),
    (44, "PutBucketVersioning", "VersioningConfiguration.MFADelete", "SecurityHub:S3.20"),
    (45, "PutBucketEncryption", "ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault", "SecurityHub:S3.17"),
    (46, "PutBucketPolicy", "Policy", "SecurityHub:S3.5"),
    (47, "PutBucketPolicy", "Policy", "Config:s3-bucket-server-side-encryption-enabled"),
    (48, "PutPublicAccessBlock", "PublicAccessBlockConfiguration", "SecurityHub:S3.8"),
    (48, "PutPublicAccessBlock", "PublicAccessBlockConfiguration", "SecurityHub:S3.1"),
    (49, "DisableKeyRotation", "KeyId", "SecurityHub:KMS.4"),
    (50, "RotateSecret", "RotationRules", "SecurityHub:SecretsManager.1"),
    (53, "CreateSecret", "KmsKeyId", "Config:secretsmanager-using-cmk"),
]


def test_generated_controls_page_is_current() -> None:
    page = (ROOT / "docs" / "controls.md").read_text(encoding="utf-8")
    assert page == render_controls_markdown(CATALOG, REGISTRY), (
        "docs/controls.md is stale: run `secure-sagemaker rules --format markdown > docs/controls.md`"
    )


def test_generated_operations_page_is_current() -> None:
    from secure_sagemaker.cli._docs import render_operations_markdown
    from secure_sagemaker.controls import REGISTRY

    page = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert page == render_operations_markdown(REGISTRY), (
        "docs/operations.md is stale: run "
        "`secure-sagemaker operations --format markdown > docs/operations.md`"
    )


def test_the_controls_page_ends_with_every_judged_operation_and_its_rules() -> None:
    page = render_controls_markdown(CATALOG, REGISTRY)
    section = page.split("\n## Operations judged\n", 1)[1]
    for service, ops in REGISTRY.judged.items():
        for op in ops:
            assert f"\n| `{op}` | " in section, (service, op)
    assert "\n| `CreateEndpoint` | " in section and "SM370" in section


def test_every_rule_has_a_section_and_an_anchor_row() -> None:
    page = render_controls_markdown(CATALOG)
    for rule in CATALOG:
        assert f"\n## {rule.id}\n" in page and f"(#{rule.id.lower()})" in page


@pytest.mark.parametrize(("row", "operation", "field", "reference"), YARDSTICK)
def test_every_request_field_row_of_the_yardstick_has_a_rule(
    row: int, operation: str, field: str, reference: str
) -> None:
    rules = [
        r for r in CATALOG
        if any(display_path(p) == field for p in r.fields.get(operation, ()))
    ]
    assert rules, f"row {row}: no rule judges {operation} {field}"
    if reference:
        assert any(reference in r.references for r in rules), f"row {row}: no rule cites {reference}"


def test_every_policy_example_in_the_docs_is_a_valid_policy() -> None:
    import re

    import tomllib

    from secure_sagemaker import SecurityPolicy

    blocks = [
        (path.name, block)
        for path in sorted((ROOT / "docs").glob("*.md"))
        for block in re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    ]
    assert blocks
    for name, block in blocks:
        SecurityPolicy.from_mapping(tomllib.loads(block), source=name)  # raises if not
