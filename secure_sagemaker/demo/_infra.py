"""Infrastructure the demo and the notebooks stand up on the emulator, and the stubs
for the few calls moto lacks (labelled wherever they are used)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import secure_sagemaker as ss
from secure_sagemaker.audit._engine import address_s3control_directly
from secure_sagemaker.iam import trust_policy

ENDPOINT_SERVICES = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "logs",
    "ecr.api",
    "ecr.dkr",
    "kms",
    "secretsmanager",
)


def stub_operation(
    session: Any, service: str, operation: str, answer: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """Answer ``operation`` locally, without sending it: only for calls moto lacks.
    ``answer`` gets the request as sent (already filled and judged by the guard)."""
    from botocore.awsrequest import AWSResponse

    def handler(params: dict[str, Any], model: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        body = json.loads(params.get("body") or b"{}")
        return AWSResponse("https://stub.invalid", 200, {}, None), answer(body)

    session.events.register(f"before-call.{service}.{operation}", handler)


def stub_monitoring_schedules(session: Any, region: str, account: str) -> None:
    """moto lacks Create/List/Describe/DeleteMonitoringSchedule: keep the schedules the demo
    creates (the requests as sent) and answer for them."""
    schedules: dict[str, dict[str, Any]] = {}

    def arn(name: str) -> str:
        return f"arn:aws:sagemaker:{region}:{account}:monitoring-schedule/{name}"

    def create(request: dict[str, Any]) -> dict[str, Any]:
        name = request["MonitoringScheduleName"]
        config = request["MonitoringScheduleConfig"]
        definition = session.client("sagemaker").describe_data_quality_job_definition(
            JobDefinitionName=config["MonitoringJobDefinitionName"]
        )
        endpoint = definition["DataQualityJobInput"]["EndpointInput"]["EndpointName"]
        schedules[name] = {
            "MonitoringScheduleName": name,
            "MonitoringScheduleArn": arn(name),
            "MonitoringScheduleStatus": "Scheduled",
            "MonitoringType": "DataQuality",
            "MonitoringScheduleConfig": request["MonitoringScheduleConfig"],
            "EndpointName": endpoint,
        }
        return {"MonitoringScheduleArn": arn(name)}

    def listing(request: dict[str, Any]) -> dict[str, Any]:
        keys = (
            "MonitoringScheduleName",
            "MonitoringScheduleArn",
            "MonitoringScheduleStatus",
            "EndpointName",
            "MonitoringType",
        )
        return {
            "MonitoringScheduleSummaries": [
                {k: v[k] for k in keys if v.get(k)} | {"CreationTime": 0, "LastModifiedTime": 0}
                for v in schedules.values()
            ]
        }

    def delete(request: dict[str, Any]) -> dict[str, Any]:
        schedules.pop(request["MonitoringScheduleName"], None)
        return {}

    def describe(request: dict[str, Any]) -> dict[str, Any]:
        return schedules[request["MonitoringScheduleName"]] | {
            "CreationTime": 0,
            "LastModifiedTime": 0,
        }

    stub_operation(session, "sagemaker", "CreateMonitoringSchedule", create)
    stub_operation(session, "sagemaker", "ListMonitoringSchedules", listing)
    stub_operation(session, "sagemaker", "DescribeMonitoringSchedule", describe)
    stub_operation(session, "sagemaker", "DeleteMonitoringSchedule", delete)


def provision_network(session: Any, region: str) -> tuple[str, list[str], str]:
    """A private VPC: two subnets without an internet route, a security group with
    no ingress, interface endpoints for what SageMaker needs, an S3 gateway
    endpoint and flow logs.  Returns (vpc id, subnet ids, security group id)."""
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    subnets = []
    for i, zone in enumerate(("a", "b")):
        subnet = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"{region}{zone}"
        )["Subnet"]["SubnetId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        subnets.append(subnet)
    group = ec2.create_security_group(
        VpcId=vpc, GroupName="sagemaker-private", Description="SageMaker jobs: no ingress"
    )["GroupId"]
    for service in ENDPOINT_SERVICES:
        ec2.create_vpc_endpoint(
            VpcId=vpc,
            VpcEndpointType="Interface",
            SubnetIds=subnets,
            SecurityGroupIds=[group],
            PrivateDnsEnabled=True,
            ServiceName=f"com.amazonaws.{region}.{service}",
        )
    ec2.create_vpc_endpoint(
        VpcId=vpc,
        VpcEndpointType="Gateway",
        RouteTableIds=[table],
        ServiceName=f"com.amazonaws.{region}.s3",
    )
    session.client("logs").create_log_group(logGroupName="/vpc/flow-logs/secure-sagemaker-demo")
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/vpc/flow-logs/secure-sagemaker-demo",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
    )
    return vpc, subnets, group


def apigateway_role(session: Any, account: str, region: str, endpoint: str) -> str:
    """The role API Gateway assumes to invoke exactly this endpoint."""

    iam = session.client("iam")
    name = "secure-sagemaker-demo-apigateway"
    arn = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            trust_policy(account, service="apigateway.amazonaws.com")
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="invoke-endpoint",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sagemaker:InvokeEndpoint",
                        "Resource": f"arn:aws:sagemaker:{region}:{account}:endpoint/{endpoint}",
                    }
                ],
            }
        ),
    )
    return str(arn)


def access_log_bucket(session: Any, account: str, source: str) -> str:
    """A bucket S3 server access logging may write to (for ``source`` only)."""
    s3 = session.client("s3")
    name = f"secure-sagemaker-demo-access-logs-{account}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "S3ServerAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                        "Condition": {
                            "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                            "StringEquals": {"aws:SourceAccount": account},
                        },
                    }
                ],
            }
        ),
    )
    return name


def account_evidence(session: Any, account: str) -> None:
    """What an audit looks for at account level: a multi-region CloudTrail trail with
    log-file validation, GuardDuty with S3 protection, Macie, and the account-wide
    S3 public access block."""

    trail_bucket = f"secure-sagemaker-demo-trail-{account}"
    session.client("s3").create_bucket(Bucket=trail_bucket)
    trail = session.client("cloudtrail")
    trail.create_trail(
        Name="secure-sagemaker-demo",
        S3BucketName=trail_bucket,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
    )
    trail.put_event_selectors(
        TrailName="secure-sagemaker-demo",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    )
    trail.start_logging(Name="secure-sagemaker-demo")
    session.client("guardduty").create_detector(
        Enable=True, DataSources={"S3Logs": {"Enable": True}}
    )
    session.client("macie2").enable_macie()
    control = address_s3control_directly(session.client("s3control"))
    control.put_public_access_block(
        AccountId=account,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def rotation_function(session: Any, account: str) -> str:
    """A rotation Lambda for the demo secret (the emulator never runs its code)."""
    import io
    import zipfile

    role = session.client("iam").create_role(
        RoleName="secure-sagemaker-demo-rotation",
        AssumeRolePolicyDocument=json.dumps(trust_policy(account, service="lambda.amazonaws.com")),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("rotate.py", "def handler(event, context):\n    return None\n")
    return str(
        session.client("lambda").create_function(
            FunctionName="secure-sagemaker-demo-rotation",
            Runtime="python3.12",
            Role=role,
            Handler="rotate.handler",
            Code={"ZipFile": code.getvalue()},
        )["FunctionArn"]
    )


def legacy_notebook(session: Any, role: str) -> str:
    """What an account already has: a notebook made before any guard existed."""

    installed = ss.guard.installed_policy()
    ss.uninstall()
    try:
        session.client("sagemaker").create_notebook_instance(
            NotebookInstanceName="legacy-notebook",
            InstanceType="ml.t3.medium",
            RoleArn=role,
            DirectInternetAccess="Enabled",
            RootAccess="Enabled",
        )
    finally:
        if installed is not None:
            ss.install(installed)
    return "legacy-notebook"
