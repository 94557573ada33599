"""SM2xx examples: training, processing, transform, tuning, AutoML jobs; pipelines.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm2_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import (
    ACCOUNT,
    BUCKET,
    IMAGE,
    KEY,
    POLICY,
    VPC,
    drop,
    model,
    monitoring_definition,
    pipeline,
    processing,
    schedule,
    training,
    transform,
    tuning,
)
from tests.controls._check import check_example

SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:wandb-api-key"

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM201": ("CreateTrainingJob", training(), drop(training(), "VpcConfig")),
    "SM202": ("CreateProcessingJob", processing(), processing(NetworkConfig={
        "EnableInterContainerTrafficEncryption": True, "VpcConfig": dict(VPC)})),
    "SM203": ("CreateHyperParameterTuningJob", tuning(), tuning(EnableInterContainerTrafficEncryption=False)),
    "SM204": ("CreateTransformJob", transform(), transform(TransformResources={
        "InstanceType": "ml.m5.xlarge", "InstanceCount": 1})),
    "SM205": ("CreateTrainingJob", training(), training(OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/o"})),
    "SM206": ("CreateTrainingJob", training(), training(ResourceConfig={
        "InstanceType": "ml.p4d.24xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30, "VolumeKmsKeyId": KEY})),
    "SM207": ("CreateProcessingJob", processing(), processing(AppSpecification={"ImageUri": "docker.io/library/python:3"})),
    "SM208": ("CreateTrainingJob", training(), training(RemoteDebugConfig={"EnableRemoteDebug": True})),
    "SM209": ("CreateTrainingJob", training(AlgorithmSpecification={
        "TrainingImage": IMAGE, "TrainingInputMode": "File", "ContainerEntrypoint": ["python3", "train.py"],
        "ContainerArguments": ["--epochs", "3", "--api-key-secret-arn", SECRET_ARN]}),
        training(AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File",
                                         "ContainerArguments": ["--epochs", "3", "--api-key", "k-123456"]})),
    "SM250": ("CreatePipeline", pipeline(training()), {**pipeline(training()), "PipelineDefinition": "{not json"}),
    "SM299": ("CreateModel", model(), drop(model(), "Tags")),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


@pytest.mark.parametrize(
    ("operation", "params", "path"),
    [
        ("CreateProcessingJob", processing(), ("AppSpecification",)),
        ("CreateDataQualityJobDefinition", monitoring_definition(), ("DataQualityAppSpecification",)),
        ("CreateModelQualityJobDefinition", monitoring_definition("ModelQuality"),
         ("ModelQualityAppSpecification",)),
        ("CreateMonitoringSchedule", schedule(),
         ("MonitoringScheduleConfig", "MonitoringJobDefinition", "MonitoringAppSpecification")),
    ],
)
def test_sm209_judges_every_container_command_line(
    operation: str, params: dict[str, Any], path: tuple[str, ...]
) -> None:
    def with_command(field: str, command: list[str]) -> dict[str, Any]:
        out = copy.deepcopy(params)
        node = out
        for key in path:
            node = node[key]
        node[field] = command
        return out

    def statuses(request: dict[str, Any]) -> list[str]:
        return [f.status for f in ss.evaluate(operation, request, POLICY) if f.rule_id == "SM209"]

    assert statuses(params) == ["pass"]
    for field in ("ContainerEntrypoint", "ContainerArguments"):
        assert statuses(with_command(field, ["python3", "run.py", "--mode", "batch"])) == ["pass"]
        bad = with_command(field, ["python3", "run.py", "--db-password", "hunter2!x"])
        (finding,) = [f for f in ss.evaluate(operation, bad, POLICY) if f.rule_id == "SM209"]
        assert finding.status == "fail" and field in finding.field
        assert "hunter2" not in finding.message and "command-line option" in finding.message
    assert statuses(with_command("ContainerArguments", [7])) == ["fail"]  # type: ignore[list-item]
