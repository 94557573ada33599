"""Realistic requests, and one secure and one insecure example per catalog rule."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timedelta, timezone
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
EXAMPLES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "SM101": ("CreateNotebookInstance", notebook(), notebook(SubnetId="subnet-0fffffffffffffff0")),
    "SM102": ("CreateNotebookInstance", notebook(), drop(notebook(), "SecurityGroupIds")),
    "SM103": ("CreateNotebookInstance", notebook(), drop(notebook(), "DirectInternetAccess")),
    "SM104": ("UpdateNotebookInstance", {"NotebookInstanceName": "nb", "RootAccess": "Disabled"},
              {"NotebookInstanceName": "nb", "RootAccess": "Enabled"}),
    "SM105": ("CreateNotebookInstance", notebook(), notebook(KmsKeyId="alias/aws/sagemaker")),
    "SM106": ("CreateNotebookInstance", notebook(), notebook(
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "1"})),
    "SM107": ("CreateNotebookInstance", notebook(), notebook(PlatformIdentifier="notebook-al2-v1")),
    "SM108": ("CreateNotebookInstance", notebook(), drop(notebook(), "DefaultCodeRepository")),
    "SM109": ("CreateNotebookInstanceLifecycleConfig", script("pip install -r requirements.txt\n"),
              script("export DB_PASSWORD=hunter2hunter2\n")),
    "SM110": ("CreateCodeRepository", {"CodeRepositoryName": "ml", "GitConfig": {
        "RepositoryUrl": "https://github.com/example/ml.git",
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:git-AbCdEf"}},
              {"CodeRepositoryName": "ml", "GitConfig": {
                  "RepositoryUrl": "https://ml-bot:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB@github.com/example/ml.git"}}),
    "SM111": ("CreateDomain", domain(), domain(AppNetworkAccessType="PublicInternetOnly")),
    "SM112": ("CreateDomain", domain(), domain(SubnetIds=["subnet-0fffffffffffffff0"])),
    "SM113": ("CreateDomain", domain(), drop(domain(), "KmsKeyId")),
    "SM114": ("CreateDomain", domain(), domain(AuthMode="IAM")),
    "SM115": ("CreateUserProfile", {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SecurityGroups": [SG]}},
              {"DomainId": "d-1", "UserProfileName": "u", "UserSettings": {"SecurityGroups": ["sg-0fffffffffffffff0"]}}),
    "SM116": ("CreateDomain", domain(), domain(DefaultUserSettings={"SecurityGroups": [SG]})),
    "SM117": ("CreateImage", {"ImageName": "img", "RoleArn": ROLE, "Description": "d", "Tags": TAGS},
              {"ImageName": "img", "RoleArn": ROLE, "Description": "d"}),
    "SM118": ("CreateImage", {"ImageName": "img", "RoleArn": ROLE, "Description": "d", "Tags": TAGS},
              {"ImageName": "img", "RoleArn": ROLE, "Tags": TAGS}),
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
    "SM401": ("PutObject", put(), put(ServerSideEncryption="AES256")),
    "SM402": ("CreateMultipartUpload", drop(put(), "Body"), drop(drop(put(), "Body"), "SSEKMSKeyId")),
    "SM403": ("PutBucketVersioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}},
              {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Suspended"}}),
    "SM404": ("PutBucketVersioning", {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}},
              {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled", "MFADelete": "Disabled"}}),
    "SM405": ("PutBucketEncryption", {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}, "BucketKeyEnabled": True}]}},
              {"Bucket": BUCKET, "ServerSideEncryptionConfiguration": {"Rules": [
                  {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}),
    "SM406": ("PutBucketPolicy", {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY)},
              {"Bucket": BUCKET, "Policy": bucket_policy(KMS_ONLY)}),
    "SM407": ("PutBucketPolicy", {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY, KMS_ONLY)},
              {"Bucket": BUCKET, "Policy": bucket_policy(TLS_ONLY)}),
    "SM408": ("PutPublicAccessBlock", {"Bucket": BUCKET, "PublicAccessBlockConfiguration": BPA},
              {"Bucket": BUCKET, "PublicAccessBlockConfiguration": {**BPA, "RestrictPublicBuckets": False}}),
    "SM409": ("PutPublicAccessBlock", {"AccountId": ACCOUNT, "PublicAccessBlockConfiguration": BPA},
              {"AccountId": ACCOUNT, "PublicAccessBlockConfiguration": {**BPA, "BlockPublicAcls": False}}),
    "SM410": ("DisableKeyRotation", None, {"KeyId": KEY}),  # type: ignore[dict-item]
    "SM420": ("CreateFeatureGroup", {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
                                     "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
                                     "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs", "KmsKeyId": KEY}}},
              {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
               "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
               "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": f"s3://{BUCKET}/fs"}}}),
    "SM421": ("CreateFeatureGroup", {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
                                     "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
                                     "OnlineStoreConfig": {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": KEY}}},
              {"FeatureGroupName": "fg", "RecordIdentifierFeatureName": "id", "EventTimeFeatureName": "t",
               "FeatureDefinitions": [{"FeatureName": "id", "FeatureType": "String"}],
               "OnlineStoreConfig": {"EnableOnlineStore": True}}),
    "SM501": ("CreateSecret", {"Name": "db", "SecretString": "x", "KmsKeyId": KEY}, {"Name": "db", "SecretString": "x"}),
    "SM502": ("RotateSecret", {"SecretId": "db", "RotationRules": {"AutomaticallyAfterDays": 30}},
              {"SecretId": "db", "RotationRules": {"ScheduleExpression": "rate(180 days)"}}),
    "SM503": ("@Secret", {"CreatedDate": NOW - timedelta(days=400), "LastRotatedDate": NOW - timedelta(days=10), "AssessedAt": NOW},
              {"CreatedDate": NOW - timedelta(days=400), "LastRotatedDate": NOW - timedelta(days=120), "AssessedAt": NOW}),
    "SM504": ("@Secret", {"CreatedDate": NOW - timedelta(days=400), "LastAccessedDate": NOW - timedelta(days=1), "AssessedAt": NOW},
              {"CreatedDate": NOW - timedelta(days=400), "AssessedAt": NOW}),
    "SM510": ("CreateTrainingJob", training(Environment={"DB_PASSWORD": "secretsmanager:prod/db"}),
              training(HyperParameters={"api_key": "\"sk-live-0123456789abcdefghijk\""})),
    "SM701": ("CreateTrainingJob", training(), training()),  # judged with region below
}
REGION_FOR = {"SM701": ("us-east-1", "eu-west-1")}

# examples of the rule tables other modules own
from tests._examples_account import EXAMPLES_ACCOUNT  # noqa: E402
from tests._examples_exposure import EXAMPLES_EXPOSURE  # noqa: E402
from tests._examples_vpc import EXAMPLES_VPC  # noqa: E402
from tests.test_iam_rules import EXAMPLES as EXAMPLES_IAM  # noqa: E402

for _extra in (EXAMPLES_ACCOUNT, EXAMPLES_EXPOSURE, EXAMPLES_VPC, EXAMPLES_IAM):
    assert not set(_extra) & set(EXAMPLES), "an example is defined twice"
    EXAMPLES.update(_extra)  # type: ignore[arg-type]
