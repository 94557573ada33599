"""SM2xx examples: training, processing, transform, tuning, AutoML jobs; pipelines.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm2_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import (
    BUCKET,
    KEY,
    VPC,
    drop,
    model,
    pipeline,
    processing,
    training,
    transform,
    tuning,
)
from tests.controls._check import check_example

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
    "SM250": ("CreatePipeline", pipeline(training()), {**pipeline(training()), "PipelineDefinition": "{not json"}),
    "SM299": ("CreateModel", model(), drop(model(), "Tags")),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
