"""SM3xx examples: models, endpoint configs, monitoring, endpoint state.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm3_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import (
    BUCKET,
    KEY,
    SUBNET,
    VPC,
    drop,
    endpoint_config,
    experiment,
    model,
    monitoring_definition,
    schedule,
)
from tests._examples_account import endpoint
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM301": ("CreateModel", model(), model(EnableNetworkIsolation=False)),
    "SM302": ("CreateModel", model(), model(VpcConfig={"Subnets": [SUBNET], "SecurityGroupIds": ["sg-0fffffffffffffff0"]})),
    "SM303": ("CreateModel", model(), model(PrimaryContainer={"Image": "docker.io/library/nginx:latest"})),
    "SM304": ("CreateModel", model(), model(Containers=[{"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch:2"}])),
    "SM310": ("CreateEndpointConfig", endpoint_config(), drop(endpoint_config(), "KmsKeyId")),
    "SM311": ("CreateEndpointConfig", endpoint_config(), drop(endpoint_config(), "DataCaptureConfig")),
    "SM312": ("CreateEndpointConfig", endpoint_config(), drop(endpoint_config(), "DataCaptureConfig", "KmsKeyId")),
    "SM313": ("CreateEndpointConfig", endpoint_config(), endpoint_config(ProductionVariants=[
        {"VariantName": "v1", "ModelName": "model-1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])),
    "SM314": ("CreateEndpointConfig", endpoint_config(), endpoint_config(ProductionVariants=[
        {"VariantName": "v1", "ModelName": "model-1", "InstanceType": "ml.p5.48xlarge", "InitialInstanceCount": 2}])),
    "SM315": ("CreateEndpointConfig", endpoint_config(AsyncInferenceConfig={"OutputConfig": {
        "S3OutputPath": f"s3://{BUCKET}/async", "KmsKeyId": KEY}}), endpoint_config(AsyncInferenceConfig={
        "OutputConfig": {"S3OutputPath": f"s3://{BUCKET}/async"}})),
    "SM320": ("CreateMonitoringSchedule", schedule(), schedule(EnableNetworkIsolation=False)),
    "SM321": ("CreateDataQualityJobDefinition", monitoring_definition(), monitoring_definition(
        NetworkConfig={"EnableNetworkIsolation": True, "VpcConfig": dict(VPC)})),
    "SM322": ("CreateModelQualityJobDefinition", monitoring_definition("ModelQuality"), monitoring_definition(
        "ModelQuality", NetworkConfig={"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True})),
    "SM323": ("CreateModelBiasJobDefinition", monitoring_definition("ModelBias"), monitoring_definition(
        "ModelBias", JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 20}})),
    "SM324": ("CreateModelExplainabilityJobDefinition", monitoring_definition("ModelExplainability"),
              drop(monitoring_definition("ModelExplainability"), "ModelExplainabilityJobOutputConfig", "KmsKeyId")),
    "SM325": ("CreateDataQualityJobDefinition", monitoring_definition(), monitoring_definition(
        JobResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.c4.8xlarge", "VolumeSizeInGB": 20, "VolumeKmsKeyId": KEY}})),
    "SM330": ("CreateInferenceExperiment", experiment(), drop(experiment(), "KmsKey")),
    "SM331": ("CreateInferenceExperiment", experiment(DataStorageConfig={"Destination": f"s3://{BUCKET}/ie", "KmsKey": KEY}),
              experiment(DataStorageConfig={"Destination": f"s3://{BUCKET}/ie", "KmsKey": "alias/aws/s3"})),
    "SM340": ("@Endpoint", endpoint(), endpoint(MonitoringSchedules=[])),
    "SM341": ("@Endpoint", endpoint(), endpoint(DataCaptureConfig={"EnableCapture": False})),
    "SM342": (
        "@Endpoint",
        endpoint(),
        endpoint(
            ApiGatewayStages=[
                {"Api": "model-api", "Stage": "prod", "AccessLogging": True, "WebAcl": False}
            ]
        ),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
