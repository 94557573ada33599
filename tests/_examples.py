"""Realistic requests, and one secure and one insecure example per catalog rule."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone
from typing import Any

from secure_sagemaker import SecurityPolicy

ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
OTHER_KEY = "alias/team-key"
SUBNET = "subnet-0123456789abcdef0"
SG = "sg-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1"
BUCKET = "ml-artifacts-bucket"
VPC = {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
TAGS = [{"Key": "owner", "Value": "ml-team"}]

POLICY = SecurityPolicy(
    subnets=[SUBNET],
    security_group_ids=[SG],
    kms_key_id=KEY,
    artifact_buckets=[f"s3://{BUCKET}/models"],
    allowed_instance_types=["ml.m5.*", "ml.t3.*", "ml.g5.*"],
    allowed_image_registries=[f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/"],
    allowed_regions=["us-east-1"],
    required_tags=["owner"],
    allowed_workforce_cidrs=["203.0.113.0/24"],
    vpc_id="vpc-0123456789abcdef0",
)


def notebook(**kw: Any) -> dict[str, Any]:
    return {
        "NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": ROLE,
        "SubnetId": SUBNET, "SecurityGroupIds": [SG], "DirectInternetAccess": "Disabled",
        "RootAccess": "Disabled", "KmsKeyId": KEY, "PlatformIdentifier": "notebook-al2023-v1",
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
        "DefaultCodeRepository": "https://github.com/example/ml.git", "Tags": TAGS, **kw,
    }


def training(**kw: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": "train-1",
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/data/"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/out/", "KmsKeyId": KEY},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                           "VolumeSizeInGB": 30, "VolumeKmsKeyId": KEY},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "HyperParameters": {"epochs": "3"}, "Environment": {"LOG_LEVEL": "info"},
        "VpcConfig": dict(VPC), "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True, "Tags": TAGS, **kw,
    }


def tuning(**definition: Any) -> dict[str, Any]:
    t = training()
    return {
        "HyperParameterTuningJobName": "tune-1",
        "HyperParameterTuningJobConfig": {"Strategy": "Bayesian", "ResourceLimits": {
            "MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2}},
        "TrainingJobDefinition": {
            "AlgorithmSpecification": t["AlgorithmSpecification"], "RoleArn": ROLE,
            "OutputDataConfig": t["OutputDataConfig"], "ResourceConfig": t["ResourceConfig"],
            "StoppingCondition": t["StoppingCondition"], "VpcConfig": dict(VPC),
            "EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
            "StaticHyperParameters": {"epochs": "3"}, **definition,
        },
        "Tags": TAGS,
    }


def processing(**kw: Any) -> dict[str, Any]:
    return {
        "ProcessingJobName": "proc-1", "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": IMAGE},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge",
                                                  "VolumeSizeInGB": 30, "VolumeKmsKeyId": KEY}},
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "o", "S3Output": {
            "S3Uri": f"s3://{BUCKET}/p/", "LocalPath": "/opt/ml/processing/o", "S3UploadMode": "EndOfJob"}}],
            "KmsKeyId": KEY},
        "NetworkConfig": {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True,
                          "VpcConfig": dict(VPC)},
        "Environment": {"MODE": "batch"}, "Tags": TAGS, **kw,
    }


def transform(**kw: Any) -> dict[str, Any]:
    return {
        "TransformJobName": "xf-1", "ModelName": "model-1",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                           "S3Uri": f"s3://{BUCKET}/in/"}}},
        "TransformOutput": {"S3OutputPath": f"s3://{BUCKET}/xf/", "KmsKeyId": KEY},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeKmsKeyId": KEY},
        "Tags": TAGS, **kw,
    }


def model(**kw: Any) -> dict[str, Any]:
    return {
        "ModelName": "model-1", "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/m/model.tar.gz",
                             "Environment": {"WORKERS": "2"}},
        "VpcConfig": dict(VPC), "EnableNetworkIsolation": True, "Tags": TAGS, **kw,
    }


def endpoint_config(**kw: Any) -> dict[str, Any]:
    return {
        "EndpointConfigName": "epc-1",
        "ProductionVariants": [{"VariantName": "v1", "ModelName": "model-1",
                                "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}],
        "KmsKeyId": KEY,
        "DataCaptureConfig": {"EnableCapture": True, "InitialSamplingPercentage": 100,
                              "DestinationS3Uri": f"s3://{BUCKET}/capture", "KmsKeyId": KEY,
                              "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]},
        "Tags": TAGS, **kw,
    }


def monitoring_definition(kind: str = "DataQuality", **kw: Any) -> dict[str, Any]:
    app: dict[str, Any] = {"ImageUri": IMAGE, "Environment": {"THRESHOLD": "0.1"}}
    job_input: dict[str, Any] = {"EndpointInput": {"EndpointName": "ep", "LocalPath": "/opt/ml/processing/input"}}
    if kind in ("ModelBias", "ModelExplainability"):
        app = {"ImageUri": IMAGE, "ConfigUri": f"s3://{BUCKET}/analysis.json", "Environment": {"T": "1"}}
    if kind == "ModelQuality":
        app = {"ImageUri": IMAGE, "ProblemType": "BinaryClassification", "Environment": {"T": "1"}}
    if kind in ("ModelBias", "ModelQuality"):
        job_input["GroundTruthS3Input"] = {"S3Uri": f"s3://{BUCKET}/truth"}
    return {
        "JobDefinitionName": "dq-1", "RoleArn": ROLE,
        f"{kind}AppSpecification": app,
        f"{kind}JobInput": job_input,
        f"{kind}JobOutputConfig": {"MonitoringOutputs": [{"S3Output": {
            "S3Uri": f"s3://{BUCKET}/mon", "LocalPath": "/opt/ml/processing/output"}}], "KmsKeyId": KEY},
        "JobResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                           "VolumeSizeInGB": 20, "VolumeKmsKeyId": KEY}},
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": True, "EnableNetworkIsolation": True,
                          "VpcConfig": dict(VPC)},
        "Tags": TAGS, **kw,
    }


def schedule(**network: Any) -> dict[str, Any]:
    return {
        "MonitoringScheduleName": "sched-1",
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": {
                "MonitoringInputs": [{"EndpointInput": {"EndpointName": "ep",
                                                        "LocalPath": "/opt/ml/processing/input"}}],
                "MonitoringOutputConfig": {"MonitoringOutputs": [{"S3Output": {
                    "S3Uri": f"s3://{BUCKET}/mon", "LocalPath": "/opt/ml/processing/output"}}],
                    "KmsKeyId": KEY},
                "MonitoringResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                          "VolumeSizeInGB": 20, "VolumeKmsKeyId": KEY}},
                "MonitoringAppSpecification": {"ImageUri": IMAGE},
                "RoleArn": ROLE,
                "NetworkConfig": {"EnableInterContainerTrafficEncryption": True,
                                  "EnableNetworkIsolation": True, "VpcConfig": dict(VPC), **network},
            },
        },
        "Tags": TAGS,
    }


def domain(**kw: Any) -> dict[str, Any]:
    return {
        "DomainName": "studio", "AuthMode": "SSO", "VpcId": "vpc-0123456789abcdef0",
        "SubnetIds": [SUBNET], "AppNetworkAccessType": "VpcOnly", "KmsKeyId": KEY,
        "DefaultUserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [SG]}, "Tags": TAGS, **kw,
    }


def pipeline(step_args: dict[str, Any], step_type: str = "Training") -> dict[str, Any]:
    definition = {"Version": "2020-12-01", "Parameters": [], "Steps": [
        {"Name": "Train", "Type": step_type, "Arguments": step_args}]}
    return {"PipelineName": "p1", "RoleArn": ROLE, "PipelineDefinition": json.dumps(definition),
            "ClientRequestToken": "token-0123456789abcdef0123456789", "Tags": TAGS}


def script(text: str) -> dict[str, Any]:
    return {"NotebookInstanceLifecycleConfigName": "lcc",
            "OnStart": [{"Content": base64.b64encode(text.encode()).decode()}]}


def experiment(**kw: Any) -> dict[str, Any]:
    variant = {"ModelName": "model-1", "VariantName": "shadow", "InfrastructureConfig": {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1}}}
    return {"Name": "ie", "Type": "ShadowMode", "RoleArn": ROLE, "EndpointName": "ep",
            "ModelVariants": [variant], "ShadowModeConfig": {
                "SourceModelVariantName": "v1",
                "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 50}]},
            "KmsKey": KEY, **kw}


def drop(params: dict[str, Any], *path: str) -> dict[str, Any]:
    """A copy without the field at ``path``."""
    out = copy.deepcopy(params)
    node = out
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return out


def put(**kw: Any) -> dict[str, Any]:
    return {"Bucket": BUCKET, "Key": "models/m.tar.gz", "Body": b"x",
            "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY, **kw}


def bucket_policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


TLS_ONLY = {"Sid": "TLS", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
KMS_ONLY = {"Sid": "KMS", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}
BPA = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
       "RestrictPublicBuckets": True}

# rule id -> (operation, secure params, insecure params); judged with POLICY
