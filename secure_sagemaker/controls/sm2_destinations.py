"""SM26x: every S3 destination a job or endpoint writes is an artifact bucket.

When the policy names artifact buckets, model artifacts, checkpoints, debugger and
profiler output, processing and transform output, data capture, asynchronous
inference results, core dumps and monitoring reports may only be written there: a
request naming any other bucket (another account's, a personal one) is refused.  An
``https://`` URL is refused too: only ``s3://bucket/...`` names its bucket for sure.
Pipeline steps are judged as the requests they become; a destination built from a
pipeline expression cannot be verified and fails, as any security field does.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker._aws.s3uri import bucket_in
from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.sm3_inference import MONITORING_DEFINITIONS
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

TRAIN = "CreateTrainingJob"
TUNE = "CreateHyperParameterTuningJob"
PROC = "CreateProcessingJob"
XFORM = "CreateTransformJob"
SCHEDULES = ("CreateMonitoringSchedule", "UpdateMonitoringSchedule")

# the two shapes of a tuning job's training definitions
_DEFS = ("TrainingJobDefinition?.", "TrainingJobDefinitions[].")
_REFERENCES = ("Seed:2", "Seed:7")
_APPLIES = c.when_policy_has("artifact_buckets")
_REMEDIATION = (
    "Write to s3://<bucket>/<prefix> in one of the policy's artifact-buckets (the "
    "versioned, KMS-encrypted buckets the organisation controls)"
)


def _tuning(*paths: str) -> tuple[str, ...]:
    return tuple(prefix + p for prefix in _DEFS for p in paths)


def artifact_destination(value: Any, ctx: Context) -> Verdict:
    """An ``s3://bucket/...`` URI whose bucket is one of the policy's artifact buckets."""
    if value is MISSING:
        return fail("is absent; name an S3 URI in one of the policy's artifact buckets")
    if not isinstance(value, str):
        return fail("must be an s3:// URI")
    bucket = bucket_in(value.strip())
    if bucket is None:
        return fail("must be an s3://bucket/prefix URI in one of the policy's artifact buckets")
    if not ctx.policy.is_artifact_bucket(bucket):
        allowed = ", ".join(ctx.policy.artifact_buckets)
        return fail(f"writes outside the policy's artifact buckets ({allowed})")
    return PASS


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM260",
        name="job-output-artifact-bucket",
        severity=Severity.HIGH,
        title="Job output is written to an artifact bucket",
        fields={
            TRAIN: ("OutputDataConfig.S3OutputPath",),
            TUNE: _tuning("OutputDataConfig.S3OutputPath"),
            PROC: (
                "ProcessingOutputConfig?.Outputs[].S3Output?.S3Uri",
                "ProcessingInputs[].DatasetDefinition?.AthenaDatasetDefinition?.OutputS3Uri",
                "ProcessingInputs[].DatasetDefinition?.RedshiftDatasetDefinition?.OutputS3Uri",
            ),
            XFORM: ("TransformOutput.S3OutputPath",),
            "CreateAutoMLJob": ("OutputDataConfig.S3OutputPath",),
            "CreateAutoMLJobV2": ("OutputDataConfig.S3OutputPath",),
            "CreateLabelingJob": ("OutputConfig.S3OutputPath",),
            "CreateFlowDefinition": ("OutputConfig.S3OutputPath",),
            "CreateInferenceExperiment": ("DataStorageConfig?.Destination",),
        },
        check=artifact_destination,
        applies=_APPLIES,
        rationale="Model artifacts and job output are the organisation's data: written to "
        "a bucket outside the artifact buckets they escape its encryption, versioning, "
        "access policy and logging, and a bucket in another account exfiltrates them.",
        remediation=f"{_REMEDIATION}: OutputDataConfig.S3OutputPath, processing "
        "Outputs[].S3Output.S3Uri and dataset query OutputS3Uri, TransformOutput.S3OutputPath, "
        "OutputConfig.S3OutputPath, DataStorageConfig.Destination.",
        references=_REFERENCES,
    ),
    Rule(
        id="SM261",
        name="training-side-output-artifact-bucket",
        severity=Severity.HIGH,
        title="Training checkpoints, debugger, profiler and TensorBoard output go to an "
        "artifact bucket",
        fields={
            TRAIN: (
                "CheckpointConfig?.S3Uri",
                "DebugHookConfig?.S3OutputPath",
                "DebugRuleConfigurations[].S3OutputPath?",
                "ProfilerConfig?.S3OutputPath?",
                "ProfilerRuleConfigurations[].S3OutputPath?",
                "TensorBoardOutputConfig?.S3OutputPath",
            ),
            TUNE: _tuning("CheckpointConfig?.S3Uri"),
            "UpdateTrainingJob": (
                "ProfilerConfig?.S3OutputPath?",
                "ProfilerRuleConfigurations[].S3OutputPath?",
            ),
        },
        check=artifact_destination,
        applies=_APPLIES,
        rationale="Checkpoints hold the model's weights and debugger tensors and profiler "
        "traces hold training data and activations: they leak as much as the model itself.",
        remediation=f"{_REMEDIATION}: CheckpointConfig.S3Uri, DebugHookConfig.S3OutputPath, "
        "DebugRuleConfigurations[].S3OutputPath, ProfilerConfig.S3OutputPath, "
        "ProfilerRuleConfigurations[].S3OutputPath, TensorBoardOutputConfig.S3OutputPath.",
        references=_REFERENCES,
    ),
    Rule(
        id="SM262",
        name="endpoint-output-artifact-bucket",
        severity=Severity.HIGH,
        title="Data capture, asynchronous inference results and core dumps go to an "
        "artifact bucket",
        fields={
            "CreateEndpointConfig": (
                "DataCaptureConfig?.DestinationS3Uri",
                "AsyncInferenceConfig?.OutputConfig?.S3OutputPath?",
                "AsyncInferenceConfig?.OutputConfig?.S3FailurePath?",
                "ProductionVariants[].CoreDumpConfig?.DestinationS3Uri",
                "ShadowProductionVariants[].CoreDumpConfig?.DestinationS3Uri",
            ),
            XFORM: ("DataCaptureConfig?.DestinationS3Uri",),
        },
        check=artifact_destination,
        applies=_APPLIES,
        rationale="Captured requests and responses, asynchronous results and core dumps "
        "of the model container hold inference inputs, predictions and memory: personal "
        "data and model weights.",
        remediation=f"{_REMEDIATION}: DataCaptureConfig.DestinationS3Uri, "
        "AsyncInferenceConfig.OutputConfig.S3OutputPath and S3FailurePath, "
        "CoreDumpConfig.DestinationS3Uri.",
        references=_REFERENCES,
    ),
    Rule(
        id="SM263",
        name="monitoring-output-artifact-bucket",
        severity=Severity.MEDIUM,
        title="Model monitoring reports go to an artifact bucket",
        fields={
            **{
                op: (f"{kind}JobOutputConfig.MonitoringOutputs[].S3Output.S3Uri",)
                for op, kind in MONITORING_DEFINITIONS.items()
            },
            **{
                op: (
                    "MonitoringScheduleConfig?.MonitoringJobDefinition?.MonitoringOutputConfig"
                    ".MonitoringOutputs[].S3Output.S3Uri",
                )
                for op in SCHEDULES
            },
        },
        check=artifact_destination,
        applies=_APPLIES,
        rationale="Monitoring reports carry statistics of the captured data and violations "
        "that describe it; they belong with the data, under the same controls.",
        remediation=f"{_REMEDIATION}: MonitoringOutputs[].S3Output.S3Uri.",
        references=_REFERENCES,
    ),
    Rule(
        id="SM264",
        name="studio-sharing-artifact-bucket",
        severity=Severity.MEDIUM,
        title="Studio notebook sharing writes snapshots to an artifact bucket",
        fields={
            **{
                op: ("DefaultUserSettings?.SharingSettings?.S3OutputPath?",)
                for op in ("CreateDomain", "UpdateDomain")
            },
            **{
                op: ("UserSettings?.SharingSettings?.S3OutputPath?",)
                for op in ("CreateUserProfile", "UpdateUserProfile")
            },
        },
        check=artifact_destination,
        applies=_APPLIES,
        rationale="A shared notebook snapshot copies the notebook, its outputs and cells "
        "that display data to S3.",
        remediation=f"{_REMEDIATION}: SharingSettings.S3OutputPath (or "
        "NotebookOutputOption=Disabled without it).",
        references=_REFERENCES,
    ),
    Rule(
        id="SM265",
        name="feature-store-offline-artifact-bucket",
        severity=Severity.MEDIUM,
        title="A feature group's offline store is in an artifact bucket",
        fields={"CreateFeatureGroup": ("OfflineStoreConfig?.S3StorageConfig.S3Uri",)},
        check=artifact_destination,
        applies=_APPLIES,
        rationale="The offline store receives every record ingested into the feature "
        "group: training data, often personal data.",
        remediation=f"{_REMEDIATION}: OfflineStoreConfig.S3StorageConfig.S3Uri.",
        references=_REFERENCES,
    ),
)
