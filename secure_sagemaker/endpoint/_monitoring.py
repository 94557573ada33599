"""Model Monitor for a :class:`SecureEndpoint`: data-quality job definition, schedule
and a CloudWatch alarm on the drift metric, created together or not at all.

moto has no CreateMonitoringSchedule/DeleteMonitoringSchedule, so the end-to-end
tests stub exactly those two calls; everything else runs against the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from secure_sagemaker._aws.clients import resource_name
from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker._aws.s3uri import bucket_of, s3_uri, split_s3_uri
from secure_sagemaker._wrapper import AwsContext
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = [
    "DRIFT_NAMESPACE",
    "Monitoring",
    "analyzer_image",
    "create_monitoring",
    "monitoring_defaults",
]

DRIFT_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MAX_ALARM_METRICS = 10
_SCHEDULES = {"hourly": "cron(0 * ? * * *)", "daily": "cron(0 0 ? * * *)"}
_PERIODS = {"hourly": 3600, "daily": 86400}
# the Model Monitor analyzer image's account per region (AWS "Model Monitor prebuilt
# container" page); other regions: pass analyzer_image=...
_ANALYZER_ACCOUNTS = {
    "us-east-1": "156813124566",
    "us-east-2": "777275614652",
    "us-west-1": "890145073186",
    "us-west-2": "159807026194",
    "ca-central-1": "536280801234",
    "eu-central-1": "048819808253",
    "eu-north-1": "895015795356",
    "eu-west-1": "468650794304",
    "eu-west-2": "749857270468",
    "eu-west-3": "680080141114",
    "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524",
    "ap-south-1": "126357580389",
    "ap-southeast-1": "245545462676",
    "ap-southeast-2": "563025443158",
    "sa-east-1": "539772159869",
}


@attrs.frozen
class Monitoring:
    """What :meth:`SecureEndpoint.enable_monitoring` created."""

    job_definition_name: str
    schedule_name: str
    schedule_arn: str
    alarm_name: str | None = None


def analyzer_image(region: str) -> str:
    """The Model Monitor analyzer image for ``region``; raises ``ValueError`` for a
    region not in the table (pass ``analyzer_image=`` then)."""
    account = _ANALYZER_ACCOUNTS.get(region)
    if account is None:
        raise InvalidArgumentError(
            "no known Model Monitor image for this region; pass analyzer_image="
        )
    return f"{account}.dkr.ecr.{region}.amazonaws.com/sagemaker-model-monitor-analyzer"


def monitoring_defaults(
    ctx: AwsContext, endpoint_name: str, role: str | None, output_uri: str | None
) -> tuple[str, str]:
    """``(role, output_uri)``: the model's execution role and
    ``s3://<policy's first artifact bucket, else the capture bucket>/monitoring/<endpoint>/``
    for whichever is ``None`` (the endpoint is described either way: it must exist)."""
    sm = ctx.client("sagemaker")
    description = sm.describe_endpoint(EndpointName=endpoint_name)
    if role is not None and output_uri is not None:
        return role, output_uri
    config = sm.describe_endpoint_config(EndpointConfigName=description["EndpointConfigName"])
    if role is None:
        model_name = config["ProductionVariants"][0]["ModelName"]
        role = str(sm.describe_model(ModelName=model_name)["ExecutionRoleArn"])
    if output_uri is None:
        capture = config.get("DataCaptureConfig") or {}
        bucket = bucket_of(str(capture.get("DestinationS3Uri", "")))
        bucket = next(iter(ctx.policy.artifact_buckets), bucket)
        output_uri = s3_uri(bucket, f"monitoring/{endpoint_name}/")
    return role, output_uri


def _schedule(schedule: str) -> tuple[str, int]:
    if schedule in _SCHEDULES:
        return _SCHEDULES[schedule], _PERIODS[schedule]
    if schedule.startswith("cron(") and schedule.endswith(")"):
        return schedule, 3600
    raise InvalidArgumentError('schedule must be "hourly", "daily" or a cron(...) expression')


def baseline_features(ctx: AwsContext, baseline_uri: str) -> list[str]:
    """Feature names from the baseline's ``statistics.json``."""
    bucket, prefix = split_s3_uri(baseline_uri.rstrip("/") + "/statistics.json")
    body = ctx.client("s3").get_object(Bucket=bucket, Key=prefix)["Body"].read()
    stats = json.loads(body)
    return [str(f["name"]) for f in stats.get("features", []) if "name" in f]


def _definition_request(
    name: str,
    *,
    endpoint_name: str,
    baseline_uri: str,
    output_uri: str,
    role: str,
    image: str,
    instance_type: str,
) -> dict[str, Any]:
    """Isolation, inter-container encryption, VPC and both KMS keys are filled by the
    guard from the policy (SM320-SM324)."""
    base = baseline_uri.rstrip("/")
    return {
        "JobDefinitionName": name,
        "DataQualityBaselineConfig": {
            "ConstraintsResource": {"S3Uri": f"{base}/constraints.json"},
            "StatisticsResource": {"S3Uri": f"{base}/statistics.json"},
        },
        "DataQualityAppSpecification": {
            "ImageUri": image,
            "Environment": {"publish_cloudwatch_metrics": "Enabled"},
        },
        "DataQualityJobInput": {
            "EndpointInput": {
                "EndpointName": endpoint_name,
                "LocalPath": "/opt/ml/processing/input/endpoint",
                "S3InputMode": "File",
            }
        },
        "DataQualityJobOutputConfig": {
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": output_uri,
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    }
                }
            ]
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": instance_type,
                "VolumeSizeInGB": 20,
            }
        },
        "NetworkConfig": {
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
        },
        "RoleArn": role,
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def _alarm_request(
    name: str,
    *,
    endpoint_name: str,
    schedule_name: str,
    features: Sequence[str],
    threshold: float,
    period: int,
    actions: Sequence[str],
) -> dict[str, Any]:
    dimensions = [
        {"Name": "Endpoint", "Value": endpoint_name},
        {"Name": "MonitoringSchedule", "Value": schedule_name},
    ]
    metrics: list[dict[str, Any]] = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": DRIFT_NAMESPACE,
                    "MetricName": f"feature_baseline_drift_{feature}",
                    "Dimensions": dimensions,
                },
                "Period": period,
                "Stat": "Maximum",
            },
            "ReturnData": False,
        }
        for i, feature in enumerate(features)
    ]
    ids = ",".join(m["Id"] for m in metrics)
    metrics.append({"Id": "drift", "Expression": f"MAX([{ids}])", "ReturnData": True})
    return {
        "AlarmName": name,
        "AlarmDescription": "Model Monitor baseline drift on a SageMaker endpoint",
        "Metrics": metrics,
        "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching",
        "ActionsEnabled": bool(actions),
        "AlarmActions": list(actions),
    }


def create_monitoring(
    ctx: AwsContext,
    *,
    endpoint_name: str,
    baseline_uri: str,
    output_uri: str,
    role: str,
    schedule: str,
    alarm: bool,
    alarm_actions: Sequence[str],
    drift_features: Sequence[str],
    drift_threshold: float,
    image: str | None,
    instance_type: str,
    undo: UndoStack,
) -> Monitoring:
    """Create the definition, schedule and alarm, registering an undo for each."""
    expression, period = _schedule(schedule)
    features = list(drift_features)
    if alarm and not features:
        features = baseline_features(ctx, baseline_uri)
    if alarm and not 0 < len(features) <= MAX_ALARM_METRICS:
        raise InvalidArgumentError(
            f"the drift alarm watches 1 to {MAX_ALARM_METRICS} features; pass "
            "drift_features= with the most important ones"
        )
    sm = ctx.client("sagemaker")
    definition = resource_name(f"{endpoint_name}-dq")
    sm.create_data_quality_job_definition(
        **_definition_request(
            definition,
            endpoint_name=endpoint_name,
            baseline_uri=baseline_uri,
            output_uri=output_uri,
            role=role,
            image=image or analyzer_image(ctx.region),
            instance_type=instance_type,
        )
    )
    undo.push(
        f"data quality job definition {definition}",
        lambda: sm.delete_data_quality_job_definition(JobDefinitionName=definition),
    )
    schedule_name = resource_name(f"{endpoint_name}-monitor")
    created = sm.create_monitoring_schedule(
        MonitoringScheduleName=schedule_name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": expression},
            "MonitoringJobDefinitionName": definition,
            "MonitoringType": "DataQuality",
        },
    )
    undo.push(
        f"monitoring schedule {schedule_name}",
        lambda: sm.delete_monitoring_schedule(MonitoringScheduleName=schedule_name),
    )
    alarm_name = None
    if alarm:
        alarm_name = f"{schedule_name}-drift"
        cloudwatch = ctx.client("cloudwatch")
        cloudwatch.put_metric_alarm(
            **_alarm_request(
                alarm_name,
                endpoint_name=endpoint_name,
                schedule_name=schedule_name,
                features=features,
                threshold=drift_threshold,
                period=period,
                actions=alarm_actions,
            )
        )
        undo.push(f"alarm {alarm_name}", lambda: cloudwatch.delete_alarms(AlarmNames=[alarm_name]))
    return Monitoring(definition, schedule_name, created["MonitoringScheduleArn"], alarm_name)


def delete_monitoring(ctx: AwsContext, monitoring: Monitoring) -> None:
    """Remove what :func:`create_monitoring` made (alarm, schedule, definition)."""
    if monitoring.alarm_name:
        ctx.client("cloudwatch").delete_alarms(AlarmNames=[monitoring.alarm_name])
    sm = ctx.client("sagemaker")
    sm.delete_monitoring_schedule(MonitoringScheduleName=monitoring.schedule_name)
    sm.delete_data_quality_job_definition(JobDefinitionName=monitoring.job_definition_name)
