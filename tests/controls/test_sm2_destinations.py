"""Examples for sm2_destinations: one secure and one insecure request per rule; then
every destination field, each pointed at a foreign bucket in turn."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.controls.sm2_destinations import artifact_destination
from secure_sagemaker.rules import MISSING, Context
from tests._examples import (
    BUCKET,
    KEY,
    POLICY,
    SG,
    endpoint_config,
    monitoring_definition,
    processing,
    schedule,
    training,
    transform,
    tuning,
)
from tests.controls._check import check_example

FOREIGN = "s3://someone-elses-bucket/loot/"
FS = {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
      "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}]}
PROFILE = {"DomainId": "d-1", "UserProfileName": "u"}


def sharing(uri: str) -> dict[str, Any]:
    return {**PROFILE, "UserSettings": {"SecurityGroups": [SG], "SharingSettings": {
        "NotebookOutputOption": "Allowed", "S3OutputPath": uri, "S3KmsKeyId": KEY}}}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM260": ("CreateTrainingJob", training(), training(OutputDataConfig={"S3OutputPath": FOREIGN, "KmsKeyId": KEY})),
    "SM261": ("CreateTrainingJob", training(CheckpointConfig={"S3Uri": f"s3://{BUCKET}/ckpt/"}),
              training(CheckpointConfig={"S3Uri": FOREIGN})),
    "SM262": ("CreateEndpointConfig", endpoint_config(), endpoint_config(DataCaptureConfig={
        "EnableCapture": True, "InitialSamplingPercentage": 100, "DestinationS3Uri": FOREIGN, "KmsKeyId": KEY,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]})),
    "SM263": ("CreateDataQualityJobDefinition", monitoring_definition(), monitoring_definition(
        DataQualityJobOutputConfig={"MonitoringOutputs": [{"S3Output": {
            "S3Uri": FOREIGN, "LocalPath": "/opt/ml/processing/output"}}], "KmsKeyId": KEY})),
    "SM264": ("CreateUserProfile", sharing(f"s3://{BUCKET}/sharing/"), sharing(FOREIGN)),
    "SM265": ("CreateFeatureGroup",
              {**FS, "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs", "KmsKeyId": KEY}}},
              {**FS, "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": FOREIGN, "KmsKeyId": KEY}}}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


# ------------------------------------------------------------ every destination field

ASYNC = {"ClientConfig": {"MaxConcurrentInvocationsPerInstance": 1},
         "OutputConfig": {"KmsKeyId": KEY, "S3OutputPath": f"s3://{BUCKET}/async/",
                          "S3FailurePath": f"s3://{BUCKET}/async-failed/"}}
VARIANT_DUMP = {"VariantName": "v1", "ModelName": "model-1", "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2, "CoreDumpConfig": {"DestinationS3Uri": f"s3://{BUCKET}/dumps/"}}
ATHENA = {"InputName": "q", "DatasetDefinition": {"LocalPath": "/opt/ml/processing/q", "AthenaDatasetDefinition": {
    "Catalog": "c", "Database": "d", "QueryString": "select 1", "WorkGroup": "w",
    "OutputS3Uri": f"s3://{BUCKET}/athena/", "OutputFormat": "PARQUET", "KmsKeyId": KEY}}}

# (rule, operation, request writing only to the artifact bucket, path to each destination)
DESTINATIONS: list[tuple[str, str, dict[str, Any], tuple[Any, ...]]] = [
    ("SM260", "CreateTrainingJob", training(), ("OutputDataConfig", "S3OutputPath")),
    ("SM260", "CreateHyperParameterTuningJob", tuning(),
     ("TrainingJobDefinition", "OutputDataConfig", "S3OutputPath")),
    ("SM260", "CreateProcessingJob", processing(),
     ("ProcessingOutputConfig", "Outputs", 0, "S3Output", "S3Uri")),
    ("SM260", "CreateProcessingJob", processing(ProcessingInputs=[ATHENA]),
     ("ProcessingInputs", 0, "DatasetDefinition", "AthenaDatasetDefinition", "OutputS3Uri")),
    ("SM260", "CreateTransformJob", transform(), ("TransformOutput", "S3OutputPath")),
    ("SM261", "CreateTrainingJob", training(DebugHookConfig={"S3OutputPath": f"s3://{BUCKET}/debug/"}),
     ("DebugHookConfig", "S3OutputPath")),
    ("SM261", "CreateTrainingJob", training(DebugRuleConfigurations=[{
        "RuleConfigurationName": "r", "RuleEvaluatorImage": "img", "S3OutputPath": f"s3://{BUCKET}/rules/"}]),
     ("DebugRuleConfigurations", 0, "S3OutputPath")),
    ("SM261", "CreateTrainingJob", training(ProfilerConfig={"S3OutputPath": f"s3://{BUCKET}/profiler/"}),
     ("ProfilerConfig", "S3OutputPath")),
    ("SM261", "CreateTrainingJob", training(ProfilerRuleConfigurations=[{
        "RuleConfigurationName": "r", "RuleEvaluatorImage": "img", "S3OutputPath": f"s3://{BUCKET}/prules/"}]),
     ("ProfilerRuleConfigurations", 0, "S3OutputPath")),
    ("SM261", "CreateTrainingJob", training(TensorBoardOutputConfig={"S3OutputPath": f"s3://{BUCKET}/tb/"}),
     ("TensorBoardOutputConfig", "S3OutputPath")),
    ("SM261", "CreateHyperParameterTuningJob", tuning(CheckpointConfig={"S3Uri": f"s3://{BUCKET}/ckpt/"}),
     ("TrainingJobDefinition", "CheckpointConfig", "S3Uri")),
    ("SM261", "UpdateTrainingJob", {"TrainingJobName": "t", "ProfilerConfig": {
        "S3OutputPath": f"s3://{BUCKET}/profiler/"}}, ("ProfilerConfig", "S3OutputPath")),
    ("SM262", "CreateEndpointConfig", endpoint_config(AsyncInferenceConfig=ASYNC),
     ("AsyncInferenceConfig", "OutputConfig", "S3OutputPath")),
    ("SM262", "CreateEndpointConfig", endpoint_config(AsyncInferenceConfig=ASYNC),
     ("AsyncInferenceConfig", "OutputConfig", "S3FailurePath")),
    ("SM262", "CreateEndpointConfig", endpoint_config(ProductionVariants=[VARIANT_DUMP]),
     ("ProductionVariants", 0, "CoreDumpConfig", "DestinationS3Uri")),
    ("SM262", "CreateTransformJob", transform(DataCaptureConfig={"DestinationS3Uri": f"s3://{BUCKET}/bc/"}),
     ("DataCaptureConfig", "DestinationS3Uri")),
    ("SM263", "CreateModelQualityJobDefinition", monitoring_definition("ModelQuality"),
     ("ModelQualityJobOutputConfig", "MonitoringOutputs", 0, "S3Output", "S3Uri")),
    ("SM263", "CreateMonitoringSchedule", schedule(),
     ("MonitoringScheduleConfig", "MonitoringJobDefinition", "MonitoringOutputConfig", "MonitoringOutputs", 0,
      "S3Output", "S3Uri")),
]


def with_value(params: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(params)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def statuses(rule_id: str, operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY) -> list[str]:
    return [f.status for f in ss.evaluate(operation, params, policy) if f.rule_id == rule_id]


@pytest.mark.parametrize(("rule_id", "operation", "params", "path"), DESTINATIONS,
                         ids=[f"{op}.{'.'.join(map(str, p))}" for _, op, _, p in DESTINATIONS])
def test_each_destination_must_be_in_an_artifact_bucket(
    rule_id: str, operation: str, params: dict[str, Any], path: tuple[Any, ...]
) -> None:
    assert operation in CATALOG.rule(rule_id).fields
    assert statuses(rule_id, operation, params) == ["pass"]
    for bad in (FOREIGN, f"https://{BUCKET}.s3.amazonaws.com/x", f"s3://{BUCKET}-copy/x", 7):
        findings = [f for f in ss.evaluate(operation, with_value(params, path, bad), POLICY) if f.rule_id == rule_id]
        assert [f.status for f in findings] == ["fail"], bad
        assert str(bad) not in findings[0].message  # the request's value is never quoted
        assert ".".join(map(str, path)).replace(".0", "[0]") in findings[0].field


def test_the_rules_apply_only_when_the_policy_names_artifact_buckets() -> None:
    bare = attrs.evolve(POLICY, artifact_buckets=())
    foreign = training(OutputDataConfig={"S3OutputPath": FOREIGN, "KmsKeyId": KEY})
    assert statuses("SM260", "CreateTrainingJob", foreign, bare) == []
    assert statuses("SM260", "CreateTrainingJob", foreign) == ["fail"]


def test_the_check_names_the_policy_buckets_but_never_the_value() -> None:
    ctx = Context(POLICY, {}, "CreateTrainingJob")
    verdict = artifact_destination("s3://other-bucket/x", ctx)
    assert not verdict.passed and BUCKET in verdict.reason and "other-bucket" not in verdict.reason
    assert artifact_destination(f"s3://{BUCKET}", ctx).passed
    assert artifact_destination(f" s3://{BUCKET}/a/b ", ctx).passed
    assert not artifact_destination(MISSING, ctx).passed
    assert not artifact_destination(f"s3://{BUCKET}.evil/x", ctx).passed
    assert not artifact_destination(f"s3:/{BUCKET}/x", ctx).passed


def test_absent_optional_destinations_are_not_judged() -> None:
    # no checkpoint, debugger, profiler or TensorBoard config: SM261 has nothing to judge
    assert statuses("SM261", "CreateTrainingJob", training()) == []
    assert statuses("SM262", "CreateTransformJob", transform()) == []


def test_a_pipeline_step_writing_to_a_foreign_bucket_is_refused() -> None:
    from tests._examples import pipeline

    good = pipeline(training())
    bad = pipeline(training(OutputDataConfig={"S3OutputPath": FOREIGN, "KmsKeyId": KEY}))
    assert statuses("SM260", "CreatePipeline", good) == ["pass"]
    assert statuses("SM260", "CreatePipeline", bad) == ["fail"]
