"""End to end: audit a moto server (over HTTPS) seeded with secure and insecure
resources of every kind; the audit must find exactly the insecure ones.

moto lacks ListUserProfiles/DescribeUserProfile, ListNotebookInstanceLifecycleConfigs
and ListMonitoringSchedules/DescribeMonitoringSchedule: those calls are stubbed (and
only those), and so are the lists of the kinds moto lacks entirely (EMPTY_LISTS:
ListSpaces, ListApps, ListInferenceComponents, ListMlflowTrackingServers,
ListWorkforces, ListOptimizationJobs and the lists of tests/test_audit_more_kinds.py's
kinds answer no items here; tests/test_audit_new_kinds.py and test_audit_more_kinds.py
seed those kinds).  moto drops some fields on Describe (notebook PlatformIdentifier and
IMDS config, model EnableNetworkIsolation, processing volume KMS key): the Describe
calls of the *secure* resources that set them are stubbed with what was created, so
a secure setting moto cannot return is not reported as insecure.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit._engine import address_s3control_directly
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.testing import EmbeddedAWS

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
LOOSE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/loose-role"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1"
ART = "ml-artifacts-secure"
LOOSE = "ml-artifacts-loose"
LOGS = "ml-access-logs"
ENDPOINTS = ("sagemaker.api", "sagemaker.runtime", "s3", "sts", "logs", "ecr.api", "ecr.dkr", "kms")

Responder = Callable[[dict[str, Any]], "dict[str, Any] | None"]


def stub(session: Any, service: str, operation: str, responder: Responder) -> None:
    """Answer ``operation`` from ``responder(params)`` instead of the server (when it
    returns ``None`` the call goes to moto).  Clients made later inherit it."""

    def capture(params: dict[str, Any], context: dict[str, Any], **kw: Any) -> None:
        context["stub_params"] = dict(params)

    def answer(context: dict[str, Any], **kw: Any) -> Any:
        body = responder(context.get("stub_params", {}))
        return None if body is None else (AWSResponse("", 200, {}, None), body)

    session.events.register(f"before-parameter-build.{service}.{operation}", capture)
    session.events.register(f"before-call.{service}.{operation}", answer)


# --------------------------------------------------------------------------- seeding


class Seed:
    """Creates the account; remembers what moto will not return."""

    def __init__(self, session: Any) -> None:
        self.s = session
        self.sm = session.client("sagemaker")
        self.dropped: dict[tuple[str, str], dict[str, Any]] = {}

    def network(self) -> None:
        ec2 = self.s.client("ec2")
        self.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.private = ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.0.1.0/24")["Subnet"][
            "SubnetId"
        ]
        self.sg = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=self.vpc)[
            "GroupId"
        ]
        for name in ENDPOINTS:
            kind = "Gateway" if name == "s3" else "Interface"
            ec2.create_vpc_endpoint(
                VpcId=self.vpc,
                ServiceName=f"com.amazonaws.{REGION}.{name}",
                VpcEndpointType=kind,
                **({"PrivateDnsEnabled": True} if kind == "Interface" else {}),
            )
        ec2.create_flow_logs(
            ResourceIds=[self.vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{LOGS}",
        )
        # a public subnet and a wide-open group in another VPC, without endpoints or logs
        self.open_vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        self.public = ec2.create_subnet(VpcId=self.open_vpc, CidrBlock="10.1.1.0/24")["Subnet"][
            "SubnetId"
        ]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.open_vpc)
        table = ec2.create_route_table(VpcId=self.open_vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=table, SubnetId=self.public)
        self.open_sg = ec2.create_security_group(
            GroupName="open", Description="open", VpcId=self.open_vpc
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=self.open_sg,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        )

    def keys(self) -> None:
        kms = self.s.client("kms")
        self.key = kms.create_key(Description="ml")["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=self.key)
        self.stale_key = kms.create_key(Description="no rotation")["KeyMetadata"]["Arn"]

    def policy(self) -> SecurityPolicy:
        return SecurityPolicy(
            subnets=[self.private],
            security_group_ids=[self.sg],
            kms_key_id=self.key,
            artifact_buckets=[ART],
        )

    def vpc_config(self, secure: bool) -> dict[str, list[str]]:
        if secure:
            return {"Subnets": [self.private], "SecurityGroupIds": [self.sg]}
        return {"Subnets": [self.public], "SecurityGroupIds": [self.open_sg]}

    def buckets(self) -> None:
        s3 = self.s.client("s3")
        for name in (ART, LOOSE, LOGS):
            s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=ART, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_ownership_controls(
            Bucket=ART,
            OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        )
        s3.put_bucket_encryption(
            Bucket=ART,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": self.key,
                        }
                    }
                ]
            },
        )
        s3.put_public_access_block(
            Bucket=ART,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_acl(Bucket=LOGS, ACL="log-delivery-write")
        s3.put_bucket_logging(
            Bucket=ART,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": LOGS, "TargetPrefix": f"{ART}/"}
            },
        )
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TLS",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{ART}", f"arn:aws:s3:::{ART}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "KMS",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{ART}/*",
                    "Condition": {
                        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}
                    },
                },
            ],
        }
        s3.put_bucket_policy(Bucket=ART, Policy=json.dumps(policy))

    def account(self) -> None:
        s3control = address_s3control_directly(self.s.client("s3control"))
        s3control.put_public_access_block(
            AccountId=ACCOUNT,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        ct = self.s.client("cloudtrail")
        ct.create_trail(
            Name="org", S3BucketName=LOGS, IsMultiRegionTrail=True, EnableLogFileValidation=True
        )
        ct.start_logging(Name="org")
        ct.put_event_selectors(
            TrailName="org",
            EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
        )
        self.s.client("guardduty").create_detector(
            Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}]
        )
        self.s.client("macie2").enable_macie()
        iam = self.s.client("iam")
        boundary = iam.create_policy(
            PolicyName="ml-boundary",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}],
                }
            ),
        )["Policy"]["Arn"]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sagemaker.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ],
        }
        iam.create_role(
            RoleName="sagemaker-execution",
            AssumeRolePolicyDocument=json.dumps(trust),
            PermissionsBoundary=boundary,
        )
        trust["Statement"][0].pop("Condition")
        iam.create_role(RoleName="loose-role", AssumeRolePolicyDocument=json.dumps(trust))

    def secrets(self) -> None:
        sm = self.s.client("secretsmanager")
        sm.create_secret(Name="db-secure", SecretString="x", KmsKeyId=self.key)
        sm.rotate_secret(
            SecretId="db-secure",
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )
        sm.create_secret(Name="db-loose", SecretString="x")

    # ---- SageMaker
    def notebooks(self) -> None:
        secure = {
            "NotebookInstanceName": "nb-secure",
            "InstanceType": "ml.t3.medium",
            "RoleArn": ROLE,
            "SubnetId": self.private,
            "SecurityGroupIds": [self.sg],
            "DirectInternetAccess": "Disabled",
            "RootAccess": "Disabled",
            "KmsKeyId": self.key,
            "PlatformIdentifier": "notebook-al2023-v1",
            "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
            "DefaultCodeRepository": "https://github.com/example/ml.git",
            "LifecycleConfigName": "lcc-secure",
        }
        self.sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="lcc-secure",
            OnStart=[{"Content": base64.b64encode(b"pip install -r req.txt\n").decode()}],
        )
        self.sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="lcc-leaky",
            OnStart=[
                {
                    "Content": base64.b64encode(
                        b"export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
                    ).decode()
                }
            ],
        )
        self.sm.create_notebook_instance(**secure)
        self.dropped[("notebook", "nb-secure")] = {
            "PlatformIdentifier": "notebook-al2023-v1",
            "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
        }
        self.sm.create_notebook_instance(
            NotebookInstanceName="nb-loose", InstanceType="ml.t3.medium", RoleArn=LOOSE_ROLE
        )

    def domains(self) -> None:
        base = {
            "AuthMode": "SSO",
            "VpcId": self.vpc,
            "DefaultUserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [self.sg]},
        }
        self.domain = self.sm.create_domain(
            DomainName="studio-secure",
            SubnetIds=[self.private],
            AppNetworkAccessType="VpcOnly",
            KmsKeyId=self.key,
            **base,
        )["DomainArn"].rsplit("/", 1)[-1]
        self.sm.create_domain(
            DomainName="studio-loose",
            AuthMode="IAM",
            VpcId=self.vpc,
            SubnetIds=[self.private],
            DefaultUserSettings={"ExecutionRole": ROLE},
        )

    def jobs(self) -> None:
        def training(name: str, secure: bool) -> dict[str, Any]:
            req: dict[str, Any] = {
                "TrainingJobName": name,
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": ROLE,
                "OutputDataConfig": {"S3OutputPath": f"s3://{ART if secure else LOOSE}/out/"},
                "ResourceConfig": {
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                },
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            }
            if secure:
                req["OutputDataConfig"]["KmsKeyId"] = self.key
                req["ResourceConfig"]["VolumeKmsKeyId"] = self.key
                req.update(
                    VpcConfig=self.vpc_config(True),
                    EnableNetworkIsolation=True,
                    EnableInterContainerTrafficEncryption=True,
                )
            return req

        self.sm.create_training_job(**training("train-secure", True))
        self.sm.create_training_job(**training("train-loose", False))
        for name, secure in (("proc-secure", True), ("proc-loose", False)):
            cluster = {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
            req: dict[str, Any] = {
                "ProcessingJobName": name,
                "RoleArn": ROLE,
                "AppSpecification": {"ImageUri": IMAGE},
                "ProcessingResources": {"ClusterConfig": cluster},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            }
            if secure:
                cluster["VolumeKmsKeyId"] = self.key
                req["ProcessingOutputConfig"] = {
                    "Outputs": [
                        {
                            "OutputName": "o",
                            "S3Output": {
                                "S3Uri": f"s3://{ART}/p/",
                                "LocalPath": "/opt/ml/processing/o",
                                "S3UploadMode": "EndOfJob",
                            },
                        }
                    ],
                    "KmsKeyId": self.key,
                }
                req["NetworkConfig"] = {
                    "EnableNetworkIsolation": True,
                    "EnableInterContainerTrafficEncryption": True,
                    "VpcConfig": self.vpc_config(True),
                }
            else:
                req["NetworkConfig"] = {"VpcConfig": self.vpc_config(False)}
            if secure:
                self.dropped[("processing", name)] = {
                    "ProcessingResources": {"ClusterConfig": dict(cluster)}
                }
            self.sm.create_processing_job(**req)

    def models(self) -> None:
        container = {"Image": IMAGE, "ModelDataUrl": f"s3://{ART}/model.tar.gz"}
        self.sm.create_model(
            ModelName="model-secure",
            ExecutionRoleArn=ROLE,
            PrimaryContainer=container,
            VpcConfig=self.vpc_config(True),
            EnableNetworkIsolation=True,
        )
        self.dropped[("model", "model-secure")] = {"EnableNetworkIsolation": True}
        self.sm.create_model(
            ModelName="model-loose",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": "docker.io/library/nginx:latest"},
        )
        variant = {
            "VariantName": "v",
            "ModelName": "model-secure",
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 2,
        }
        capture = {
            "EnableCapture": True,
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": f"s3://{ART}/capture",
            "KmsKeyId": self.key,
            "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        }
        self.sm.create_endpoint_config(
            EndpointConfigName="epc-secure",
            KmsKeyId=self.key,
            ProductionVariants=[variant],
            DataCaptureConfig=capture,
        )
        self.sm.create_endpoint_config(
            EndpointConfigName="epc-loose",
            ProductionVariants=[{**variant, "ModelName": "model-loose", "InitialInstanceCount": 1}],
        )
        self.sm.create_endpoint(EndpointName="ep-secure", EndpointConfigName="epc-secure")
        self.sm.create_endpoint(EndpointName="ep-loose", EndpointConfigName="epc-loose")
        # ep-loose is invoked through a REST API stage without access logs or WAF
        apigw = self.s.client("apigateway")
        api = apigw.create_rest_api(name="model-api")["id"]
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        apigw.put_method(
            restApiId=api, resourceId=root, httpMethod="POST", authorizationType="AWS_IAM"
        )
        apigw.put_integration(
            restApiId=api,
            resourceId=root,
            httpMethod="POST",
            type="AWS",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:runtime.sagemaker:path/endpoints/ep-loose/invocations",
        )
        apigw.create_deployment(restApiId=api, stageName="prod")

    def monitoring(self) -> None:
        def definition(name: str, secure: bool) -> dict[str, Any]:
            cluster = {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 20}
            req: dict[str, Any] = {
                "JobDefinitionName": name,
                "RoleArn": ROLE,
                "DataQualityAppSpecification": {"ImageUri": IMAGE},
                "DataQualityJobInput": {
                    "EndpointInput": {
                        "EndpointName": "ep-secure",
                        "LocalPath": "/opt/ml/processing/input",
                    }
                },
                "DataQualityJobOutputConfig": {
                    "MonitoringOutputs": [
                        {
                            "S3Output": {
                                "S3Uri": f"s3://{ART}/monitor",
                                "LocalPath": "/opt/ml/processing/output",
                            }
                        }
                    ]
                },
                "JobResources": {"ClusterConfig": cluster},
            }
            if secure:
                cluster["VolumeKmsKeyId"] = self.key
                req["DataQualityJobOutputConfig"]["KmsKeyId"] = self.key
                req["NetworkConfig"] = {
                    "EnableNetworkIsolation": True,
                    "EnableInterContainerTrafficEncryption": True,
                    "VpcConfig": self.vpc_config(True),
                }
            return req

        self.sm.create_data_quality_job_definition(**definition("dq-secure", True))
        self.sm.create_data_quality_job_definition(**definition("dq-loose", False))

    def pipelines(self) -> None:
        def step(secure: bool) -> str:
            args: dict[str, Any] = {
                "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                "RoleArn": ROLE,
                "OutputDataConfig": {"S3OutputPath": f"s3://{ART}/pipe/", "KmsKeyId": self.key},
                "ResourceConfig": {
                    "InstanceType": "ml.m5.xlarge",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 30,
                    "VolumeKmsKeyId": self.key,
                },
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                "VpcConfig": self.vpc_config(True),
                "EnableNetworkIsolation": secure,
                "EnableInterContainerTrafficEncryption": True,
            }
            return json.dumps(
                {
                    "Version": "2020-12-01",
                    "Steps": [{"Name": "Train", "Type": "Training", "Arguments": args}],
                }
            )

        for name, secure in (("pipe-secure", True), ("pipe-loose", False)):
            self.sm.create_pipeline(
                PipelineName=name, RoleArn=ROLE, PipelineDefinition=step(secure)
            )


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


#: List calls of audited kinds moto does not implement, with their item key.
EMPTY_LISTS = {
    "ListSpaces": "Spaces",
    "ListApps": "Apps",
    "ListInferenceComponents": "InferenceComponents",
    "ListMlflowTrackingServers": "TrackingServerSummaries",
    "ListWorkforces": "Workforces",
    "ListOptimizationJobs": "OptimizationJobSummaries",
    # tests/test_audit_more_kinds.py seeds these
    "ListHubs": "HubSummaries",
    "ListLabelingJobs": "LabelingJobSummaryList",
    "ListStudioLifecycleConfigs": "StudioLifecycleConfigs",
    "ListFeatureGroups": "FeatureGroupSummaries",
    "ListEdgePackagingJobs": "EdgePackagingJobSummaries",
    "ListInferenceRecommendationsJobs": "InferenceRecommendationsJobs",
    "ListInferenceExperiments": "InferenceExperiments",
    "ListAlgorithms": "AlgorithmSummaryList",
    "ListPartnerApps": "Summaries",
    "ListProjects": "ProjectSummaryList",
    "ListMlflowApps": "Summaries",
    "ListCodeRepositories": "CodeRepositorySummaryList",
    "ListDeviceFleets": "DeviceFleetSummaries",
    "ListFlowDefinitions": "FlowDefinitionSummaries",
    "ListWorkteams": "Workteams",
    "ListImages": "Images",
    "ListInferenceRouters": "InferenceRouters",
    "ListAIBenchmarkJobs": "AIBenchmarkJobs",
    "ListAIRecommendationJobs": "AIRecommendationJobs",
    "ListAIWorkloadConfigs": "AIWorkloadConfigs",
}


def _no_items(key: str, params: dict[str, Any]) -> dict[str, Any]:
    return {key: []}


def install_stubs(session: Any, seed: Seed) -> None:
    """Answer what moto lacks, and the Describe calls whose secure fields moto drops."""
    for operation, key in EMPTY_LISTS.items():
        stub(session, "sagemaker", operation, partial(_no_items, key))
    profile = {
        "DomainId": seed.domain,
        "UserProfileName": "alice",
        "UserProfileArn": _arn("user-profile", f"{seed.domain}/alice"),
        "UserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [seed.open_sg]},
    }
    stub(
        session,
        "sagemaker",
        "ListUserProfiles",
        lambda p: {"UserProfiles": [{"DomainId": seed.domain, "UserProfileName": "alice"}]},
    )
    stub(session, "sagemaker", "DescribeUserProfile", lambda p: profile)
    stub(
        session,
        "sagemaker",
        "ListNotebookInstanceLifecycleConfigs",
        lambda p: {
            "NotebookInstanceLifecycleConfigs": [
                {"NotebookInstanceLifecycleConfigName": n} for n in ("lcc-secure", "lcc-leaky")
            ]
        },
    )
    schedule_config = {
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        "MonitoringJobDefinitionName": "dq-secure",
        "MonitoringType": "DataQuality",
    }
    stub(
        session,
        "sagemaker",
        "ListMonitoringSchedules",
        lambda p: {
            "MonitoringScheduleSummaries": [
                {
                    "MonitoringScheduleName": "ep-secure-dq",
                    "EndpointName": "ep-secure",
                    "MonitoringScheduleStatus": "Scheduled",
                    "MonitoringScheduleArn": _arn("monitoring-schedule", "ep-secure-dq"),
                    "CreationTime": 0,
                    "LastModifiedTime": 0,
                }
            ]
        },
    )
    stub(
        session,
        "sagemaker",
        "DescribeMonitoringSchedule",
        lambda p: {
            "MonitoringScheduleName": "ep-secure-dq",
            "EndpointName": "ep-secure",
            "MonitoringScheduleArn": _arn("monitoring-schedule", "ep-secure-dq"),
            "MonitoringScheduleStatus": "Scheduled",
            "MonitoringType": "DataQuality",
            "MonitoringScheduleConfig": schedule_config,
        },
    )

    def rotated_by_lambda(params: dict[str, Any]) -> dict[str, Any]:
        """db-secure rotates with a Lambda function (moto cannot seed one: it invokes it)."""
        listed = seed.s.client("secretsmanager").list_secrets(**params)
        listed.pop("ResponseMetadata", None)
        for secret in listed["SecretList"]:
            if secret["Name"] == "db-secure":
                secret["RotationLambdaARN"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:rotate"
        return listed

    stub(session, "secretsmanager", "ListSecrets", rotated_by_lambda)

    def patched(kind: str, id_param: str, describe: str) -> Responder:
        def respond(params: dict[str, Any]) -> dict[str, Any] | None:
            extra = seed.dropped.get((kind, params.get(id_param, "")))
            if extra is None:
                return None  # the call goes to moto
            real = getattr(raw, describe)(**params)
            real.pop("ResponseMetadata", None)
            return _merge(real, extra)

        return respond

    raw = EmbeddedSession.raw  # a client without the stubs, to fetch the real response
    stub(
        session,
        "sagemaker",
        "DescribeNotebookInstance",
        patched("notebook", "NotebookInstanceName", "describe_notebook_instance"),
    )
    stub(session, "sagemaker", "DescribeModel", patched("model", "ModelName", "describe_model"))
    stub(
        session,
        "sagemaker",
        "DescribeProcessingJob",
        patched("processing", "ProcessingJobName", "describe_processing_job"),
    )


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out.get(k) or {}, v) if isinstance(v, dict) and k in out else v
    return out


class EmbeddedSession:
    raw: Any = None


@pytest.fixture(scope="module")
def seeded(aws: EmbeddedAWS) -> Iterator[tuple[Any, Seed]]:
    aws.reset()
    session = aws.session()
    seed = Seed(session)
    seed.keys()
    seed.buckets()
    seed.network()  # flow logs need the log bucket
    seed.account()
    seed.secrets()
    seed.notebooks()
    seed.domains()
    seed.jobs()
    seed.models()
    seed.monitoring()
    seed.pipelines()
    EmbeddedSession.raw = aws.session().client("sagemaker")
    audited = aws.session()
    install_stubs(audited, seed)
    yield audited, seed


@pytest.fixture(scope="module")
def report(seeded: tuple[Any, Seed]) -> AuditReport:
    session, seed = seeded
    return audit(session, policy=seed.policy(), max_workers=8)


def failures(report: AuditReport) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        if f.status == "fail":
            out[f.resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]].add(f.rule_id)
    return dict(out)


def expected(seed: Seed) -> dict[str, set[str]]:
    """Every insecure resource and exactly the rules it breaks."""
    return {
        seed.stale_key.rsplit("/", 1)[-1]: {"SM430"},
        "alice": {"SM115"},
        "d-studio-loose": {"SM111", "SM113", "SM114", "SM115"},
        "db-loose": {"SM501", "SM502"},
        "dq-loose": {"SM320", "SM321", "SM322", "SM323", "SM324"},
        "ep-loose": {"SM340", "SM341", "SM342"},
        "epc-loose": {"SM262", "SM310", "SM311", "SM312", "SM313"},  # SM262: capture elsewhere
        "lcc-leaky": {"SM109"},
        "loose-role": {"SM607", "SM608"},
        # SM412: ACLs enabled; no bucket policy: SM406/SM407 (its denies missing), not
        # SM443 (no policy opens nothing)
        LOOSE: {"SM403", "SM405", "SM406", "SM407", "SM408", "SM412", "SM433"},
        "model-loose": {"SM301", "SM302", "SM303"},
        "nb-loose": {"SM101", "SM102", "SM103", "SM104", "SM105", "SM106", "SM107", "SM108"},
        "pipe-loose": {"SM202"},
        "proc-loose": {"SM201", "SM202", "SM203", "SM204"},
        seed.open_sg: {"SM703"},
        seed.public: {"SM702"},
        seed.open_vpc: {"SM704", "SM705"},
        "train-loose": {"SM201", "SM202", "SM203", "SM204", "SM205", "SM260"},
    }


def _name(resource: str) -> str:
    """The resource's name: last ARN segment, without a secret's random suffix."""
    last = resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return last.rsplit("-", 1)[0] if resource.startswith("arn:aws:secretsmanager") else last


def test_the_audit_finds_exactly_the_insecure_resources(
    report: AuditReport, seeded: tuple[Any, Seed]
) -> None:
    found: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        if f.status == "fail":
            found[_name(f.resource)].add(f.rule_id)
    assert dict(found) == expected(seeded[1])


def test_every_listed_resource_is_assessed_without_errors(report: AuditReport) -> None:
    assert report.listed == report.assessed
    assert report.complete
    # 17 SageMaker resources + 3 stubbed, 2 keys, 2 secrets, 2 buckets, 2 roles, 2 VPCs,
    # 2 subnets, 2 security groups, the account (region view and public access block)
    assert report.listed == 38
    assert [f for f in report.findings if f.status == "error"] == []
    assert report.accounts == (ACCOUNT,) and report.regions == (REGION,)


def test_secure_resources_pass_every_rule_that_judges_them(report: AuditReport) -> None:
    by_resource: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        by_resource[_name(f.resource)].add(f.status)
    for name in (
        "nb-secure",
        "train-secure",
        "proc-secure",
        "model-secure",
        "epc-secure",
        "ep-secure",
        "dq-secure",
        "pipe-secure",
        "lcc-secure",
        ART,
        "db-secure",
        "sagemaker-execution",
        "root",
    ):
        assert by_resource[name] == {"pass"}, name
    nb = {f.rule_id for f in report.findings if f.resource.endswith("notebook-instance/nb-secure")}
    assert {"SM101", "SM102", "SM103", "SM104", "SM105", "SM106", "SM107", "SM108"} <= nb


def test_findings_carry_resource_type_account_and_region(report: AuditReport) -> None:
    for f in report.findings:
        assert f.resource and f.resource_type.startswith("AWS::"), f
        assert f.account == ACCOUNT, f
    types = {f.resource_type for f in report.findings}
    assert {
        "AWS::SageMaker::NotebookInstance",
        "AWS::SageMaker::Endpoint",
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::SecretsManager::Secret",
        "AWS::IAM::Role",
        "AWS::EC2::VPC",
        "AWS::::Account",
        "AWS::SageMaker::Pipeline",
    } <= types
    bucket = next(f for f in report.findings if f.resource == f"arn:aws:s3:::{ART}")
    assert bucket.region == REGION
    role = next(f for f in report.findings if f.resource_type == "AWS::IAM::Role")
    assert role.region == ""  # IAM is global


def test_one_describe_per_resource_plus_list_pages(seeded: tuple[Any, Seed]) -> None:
    session, seed = seeded
    calls: dict[str, int] = defaultdict(int)

    def count(event_name: str, **kw: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    # before-parameter-build sees stubbed calls too (before-call stops at the stub)
    session.events.register("before-parameter-build.sagemaker", count)
    try:
        report = audit(session, policy=seed.policy(), services=["sagemaker"], max_workers=4)
    finally:
        session.events.unregister("before-parameter-build.sagemaker", count)
    describes = {op: n for op, n in calls.items() if op.startswith("Describe")}
    lists = {op: n for op, n in calls.items() if op.startswith("List")}
    assert sum(describes.values()) == report.listed == 22
    assert describes["DescribeNotebookInstance"] == 2 and describes["DescribeEndpoint"] == 2
    # one page per kind (ListMonitoringSchedules is shared by the endpoint view)
    assert all(n == 1 for n in lists.values()), lists
    assert set(calls) == set(describes) | set(lists)
