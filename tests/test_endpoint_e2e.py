"""SecureEndpoint against the embedded moto server over HTTPS.

Every security setting is asserted on the *request* as finally sent (after the
guard filled it), and every multi-step method is made to fail at each step in turn
(test-side fault injection on the session's ``before-call`` event) to show that it
leaves nothing behind.  moto lacks UpdateEndpoint and Create/DeleteMonitoringSchedule:
exactly those calls are stubbed, on the session, by operation name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, WaiterError

import secure_sagemaker as ss
from secure_sagemaker._aws.wait import Waiting
from secure_sagemaker.controls.sm8_exposure import ACCESS_LOG_VARIABLES
from secure_sagemaker.endpoint import DataCapture, SecureEndpoint
from secure_sagemaker.testing import capture_requests
from tests._examples import IMAGE, KEY, ROLE, SG, SUBNET

pytestmark = pytest.mark.e2e

BUCKET = "ml-artifacts-bucket"
MODEL_URI = f"s3://{BUCKET}/models/churn/model.tar.gz"
POLICY = ss.SecurityPolicy(
    subnets=[SUBNET], security_group_ids=[SG], kms_key_id=KEY, artifact_buckets=[BUCKET]
)
FAST = Waiting(delay=0.01, max_attempts=3)
INVOKE_ROLE = "arn:aws:iam::123456789012:role/apigateway-invoke-sagemaker"


@pytest.fixture
def session(fresh_aws: Any) -> Iterator[boto3.Session]:
    s = fresh_aws.session()
    s3 = s.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="models/churn/model.tar.gz", Body=b"model")
    stats = {"features": [{"name": "age"}, {"name": "tenure"}]}
    s3.put_object(Bucket=BUCKET, Key="baselines/churn/statistics.json", Body=json.dumps(stats))
    yield s


def deploy(session: boto3.Session, **kw: Any) -> SecureEndpoint:
    kw.setdefault("name", "churn")
    return SecureEndpoint.deploy(
        MODEL_URI,
        IMAGE,
        ROLE,
        "ml.m5.large",
        allow_unpinned=True,
        session=session,
        policy=POLICY,
        waiting=FAST,
        **kw,
    )


def fail_on(session: boto3.Session, service: str, operation: str) -> None:
    """Make the first ``operation`` call of every later client fail (fault injection)."""
    state = {"failed": False}

    def handler(**kwargs: Any) -> None:
        if not state["failed"]:
            state["failed"] = True
            raise ClientError(
                {"Error": {"Code": "InjectedFault", "Message": "injected"}}, operation
            )

    session.events.register(f"before-call.{service}.{operation}", handler)


def stub(session: boto3.Session, service: str, operation: str, response: dict[str, Any]) -> None:
    """Answer ``operation`` without sending it (only for calls moto lacks)."""

    def handler(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("https://stub", 200, {}, None), dict(response)

    session.events.register(f"before-call.{service}.{operation}", handler)


def stub_missing_in_moto(session: boto3.Session) -> None:
    arn = "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/stub"
    stub(session, "sagemaker", "CreateMonitoringSchedule", {"MonitoringScheduleArn": arn})
    stub(session, "sagemaker", "DeleteMonitoringSchedule", {})
    stub(session, "sagemaker", "UpdateEndpoint", {"EndpointArn": arn})


def sagemaker_leftovers(session: boto3.Session) -> dict[str, list[str]]:
    sm = session.client("sagemaker")
    return {
        "models": [m["ModelName"] for m in sm.list_models()["Models"]],
        "configs": [c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]],
        "endpoints": [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]],
        "definitions": [
            d["MonitoringJobDefinitionName"]
            for d in sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]
        ],
    }


def exposure_leftovers(session: boto3.Session) -> dict[str, list[str]]:
    groups = session.client("logs").describe_log_groups()["logGroups"]
    return {
        "apis": [a["id"] for a in session.client("apigateway").get_rest_apis()["items"]],
        "acls": [
            a["Name"] for a in session.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]
        ],
        "log_groups": [g["logGroupName"] for g in groups],
        "alarms": [
            a["AlarmName"] for a in session.client("cloudwatch").describe_alarms()["MetricAlarms"]
        ],
    }


def nothing_left(session: boto3.Session, keep_endpoint: bool = False) -> None:
    left = sagemaker_leftovers(session)
    if keep_endpoint:
        assert len(left["endpoints"]) == 1 and len(left["models"]) == 1 == len(left["configs"])
        left = {"definitions": left["definitions"]}
    assert all(v == [] for v in left.values()), left
    other = exposure_leftovers(session)
    assert all(v == [] for v in other.values()), other


# ----------------------------------------------------------------- deploy


def test_deploy_sends_secure_requests_invokes_and_deletes(session: boto3.Session) -> None:
    with capture_requests(session) as seen:
        ep = deploy(session)
        assert ep.invoke({"x": [1, 2]}) == b"body"  # moto's canned inference response
    model = seen.params("CreateModel")[0]
    assert model["EnableNetworkIsolation"] is True
    assert model["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    assert model["PrimaryContainer"]["ModelDataUrl"] == MODEL_URI
    config = seen.params("CreateEndpointConfig")[0]
    assert config["KmsKeyId"] == KEY
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    assert config["DataCaptureConfig"] == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{BUCKET}/data-capture/churn/",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "KmsKeyId": KEY,
    }
    assert seen.params("CreateEndpoint")[0]["EndpointConfigName"] == ep.endpoint_config_name
    assert seen.params("InvokeEndpoint")[0]["EndpointName"] == "churn"
    assert ep.describe()["EndpointStatus"] == "InService"
    ep.delete()
    nothing_left(session)


def test_deploy_without_wait_does_not_poll(session: boto3.Session) -> None:
    with capture_requests(session) as seen:
        ep = deploy(session, wait=False)
    assert "DescribeEndpoint" not in seen.operations
    assert ep.name == "churn"


def test_unpinned_model_is_refused_before_anything_is_sent(session: boto3.Session) -> None:
    with capture_requests(session) as seen, pytest.raises(ss.IntegrityError, match="pinned"):
        SecureEndpoint.deploy(
            MODEL_URI, IMAGE, ROLE, "ml.m5.large", session=session, policy=POLICY, waiting=FAST
        )
    assert seen.sent == 0
    nothing_left(session)


def _versioned_model(session: boto3.Session) -> tuple[str, str]:
    s3 = session.client("s3")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    key = "models/churn/v2/model.tar.gz"
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=b"model-v2")["VersionId"]
    return f"s3://{BUCKET}/{key}", version


def test_version_pinned_model_deploys_its_plain_uri(session: boto3.Session) -> None:
    uri, version = _versioned_model(session)
    with capture_requests(session) as seen:
        SecureEndpoint.deploy(
            f"{uri}?versionId={version}",
            IMAGE,
            ROLE,
            "ml.m5.large",
            session=session,
            policy=POLICY,
            waiting=FAST,
        )
    assert seen.params("CreateModel")[0]["PrimaryContainer"]["ModelDataUrl"] == uri


def test_superseded_pinned_version_is_refused_before_any_sagemaker_call(
    session: boto3.Session,
) -> None:
    uri, version = _versioned_model(session)
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    session.client("s3").put_object(Bucket=bucket, Key=key, Body=b"replaced")
    with capture_requests(session) as seen, pytest.raises(ss.IntegrityError, match="current"):
        SecureEndpoint.deploy(
            f"{uri}?versionId={version}",
            IMAGE,
            ROLE,
            "ml.m5.large",
            session=session,
            policy=POLICY,
            waiting=FAST,
        )
    assert seen.sent_operations == ["HeadObject"]
    nothing_left(session)


def test_artifact_ref_is_verified_and_a_tampered_one_refused(session: boto3.Session) -> None:
    from secure_sagemaker.artifacts import ArtifactStore

    _versioned_model(session)
    store = ArtifactStore(BUCKET, policy=POLICY, session=session)
    ref = store.put(b"model-bytes", "models/churn/v3/model.tar.gz")
    tampered = attrs.evolve(ref, sha256="0" * 64)
    with capture_requests(session) as seen, pytest.raises(ss.IntegrityError):
        SecureEndpoint.deploy(
            tampered, IMAGE, ROLE, "ml.m5.large", session=session, policy=POLICY, waiting=FAST
        )
    assert not [op for op in seen.sent_operations if "Model" in op or "Endpoint" in op]
    nothing_left(session)
    with capture_requests(session) as seen:
        SecureEndpoint.deploy(
            ref, IMAGE, ROLE, "ml.m5.large", session=session, policy=POLICY, waiting=FAST
        )
    assert seen.params("CreateModel")[0]["PrimaryContainer"]["ModelDataUrl"] == ref.uri


def test_disabled_capture_is_refused_and_the_model_is_rolled_back(session: boto3.Session) -> None:
    with capture_requests(session) as seen, pytest.raises(ss.InsecureRequestError) as info:
        deploy(session, data_capture=DataCapture(enabled=False))
    assert {f.rule_id for f in info.value.findings} == {"SM311"}
    assert "CreateEndpointConfig" not in seen.sent_operations
    assert seen.sent_operations.count("DeleteModel") == 1
    nothing_left(session)


@pytest.mark.parametrize(
    "operation", ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "DescribeEndpoint"]
)
def test_deploy_failing_at_each_step_leaves_nothing(session: boto3.Session, operation: str) -> None:
    fail_on(session, "sagemaker", operation)
    # the waiter (DescribeEndpoint) reports the fault as a WaiterError
    with pytest.raises((ClientError, WaiterError), match="InjectedFault"):
        deploy(session)
    nothing_left(session)


def test_failed_rollback_names_the_leftovers(session: boto3.Session) -> None:
    fail_on(session, "sagemaker", "CreateEndpoint")
    fail_on(session, "sagemaker", "DeleteModel")
    with pytest.raises(ss.RollbackError) as info:
        deploy(session)
    assert len(info.value.leftovers) == 1 and info.value.leftovers[0].startswith("model churn-")
    assert isinstance(info.value.__cause__, ClientError)
    left = sagemaker_leftovers(session)
    assert len(left["models"]) == 1 and left["configs"] == [] and left["endpoints"] == []


# ----------------------------------------------------------------- update


def test_update_switches_to_a_new_config_and_removes_the_old_one(session: boto3.Session) -> None:
    stub_missing_in_moto(session)
    with capture_requests(session) as seen:
        ep = deploy(session)
        old_model, old_config = ep.model_name, ep.endpoint_config_name
        ep.update(initial_instance_count=3)
    new = seen.params("CreateEndpointConfig")[-1]
    assert new["EndpointConfigName"] == ep.endpoint_config_name != old_config
    assert new["ProductionVariants"][0]["InitialInstanceCount"] == 3
    assert new["KmsKeyId"] == KEY and new["DataCaptureConfig"]["KmsKeyId"] == KEY
    assert seen.params("CreateModel")[-1]["EnableNetworkIsolation"] is True
    assert seen.params("UpdateEndpoint")[0] == {
        "EndpointName": "churn",
        "EndpointConfigName": ep.endpoint_config_name,
    }
    left = sagemaker_leftovers(session)
    assert old_config not in left["configs"] and old_model not in left["models"]
    assert left["configs"] == [ep.endpoint_config_name]


@pytest.mark.parametrize("operation", ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint"])
def test_update_failing_at_each_step_keeps_the_current_config(
    session: boto3.Session, operation: str
) -> None:
    deploy(session)  # clients made later see the injected fault
    before = sagemaker_leftovers(session)
    fail_on(session, "sagemaker", operation)
    stub_missing_in_moto(session)
    again = SecureEndpoint("churn", session=session, policy=POLICY, waiting=FAST)
    with pytest.raises(ClientError, match="InjectedFault"):
        again.update(instance_type="ml.m5.xlarge")
    assert sagemaker_leftovers(session) == before


# ----------------------------------------------------------------- monitoring


def test_enable_monitoring_sends_secure_requests(session: boto3.Session) -> None:
    stub_missing_in_moto(session)
    topic = "arn:aws:sns:us-east-1:123456789012:drift"
    with capture_requests(session) as seen:
        ep = deploy(session)
        mon = ep.enable_monitoring(f"s3://{BUCKET}/baselines/churn", alarm_actions=[topic])
    definition = seen.params("CreateDataQualityJobDefinition")[0]
    assert definition["NetworkConfig"] == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": {"Subnets": [SUBNET], "SecurityGroupIds": [SG]},
    }
    assert definition["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KEY
    assert definition["DataQualityJobOutputConfig"]["KmsKeyId"] == KEY
    assert definition["RoleArn"] == ROLE
    assert definition["DataQualityJobInput"]["EndpointInput"]["EndpointName"] == "churn"
    schedule = seen.params("CreateMonitoringSchedule")[0]["MonitoringScheduleConfig"]
    assert schedule["MonitoringJobDefinitionName"] == mon.job_definition_name
    assert schedule["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"
    alarm = session.client("cloudwatch").describe_alarms()["MetricAlarms"][0]
    assert alarm["AlarmName"] == mon.alarm_name and alarm["AlarmActions"] == [topic]
    names = [m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert names == ["feature_baseline_drift_age", "feature_baseline_drift_tenure"]
    ep.delete()
    assert seen.params("DeleteMonitoringSchedule")[0]["MonitoringScheduleName"] == mon.schedule_name
    nothing_left(session)


@pytest.mark.parametrize(
    "operation", ["CreateDataQualityJobDefinition", "CreateMonitoringSchedule", "PutMetricAlarm"]
)
def test_monitoring_failing_at_each_step_leaves_nothing(
    session: boto3.Session, operation: str
) -> None:
    deploy(session)  # clients made later see the injected fault
    service = "cloudwatch" if operation == "PutMetricAlarm" else "sagemaker"
    fail_on(session, service, operation)  # registered before the stubs, so it runs first
    stub_missing_in_moto(session)
    again = SecureEndpoint("churn", session=session, policy=POLICY)
    with pytest.raises(ClientError, match="InjectedFault"):
        again.enable_monitoring(f"s3://{BUCKET}/baselines/churn")
    nothing_left(session, keep_endpoint=True)


# ----------------------------------------------------------------- exposure


def test_expose_sends_secure_requests(session: boto3.Session) -> None:
    with capture_requests(session) as seen:
        ep = deploy(session)
        api = ep.expose("churn-api", rate_limit=200, invoke_role=INVOKE_ROLE)
    assert seen.params("PutMethod")[0]["authorizationType"] == "AWS_IAM"
    integration = seen.params("PutIntegration")[0]
    assert integration["uri"].endswith(":runtime.sagemaker:path//endpoints/churn/invocations")
    group = seen.params("CreateLogGroup")[0]
    assert group == {"logGroupName": api.log_group_name, "kmsKeyId": KEY}
    patches = {p["path"]: p["value"] for p in seen.params("UpdateStage")[0]["patchOperations"]}
    assert patches["/accessLogSettings/destinationArn"] == api.log_group_arn
    fields = json.loads(patches["/accessLogSettings/format"])
    assert set(fields) == set(ACCESS_LOG_VARIABLES)
    rule = seen.params("CreateWebACL")[0]["Rules"][0]
    assert rule["Statement"]["RateBasedStatement"] == {"Limit": 200, "AggregateKeyType": "IP"}
    assert rule["Action"] == {"Block": {}}
    assert seen.params("AssociateWebACL")[0] == {
        "WebACLArn": api.web_acl_arn,
        "ResourceArn": api.stage_arn,
    }
    stage = session.client("apigateway").get_stage(restApiId=api.rest_api_id, stageName="v1")
    assert stage["accessLogSettings"]["destinationArn"] == api.log_group_arn
    assert stage["webAclArn"] == api.web_acl_arn
    logs = session.client("logs").describe_log_groups()["logGroups"][0]
    assert logs["kmsKeyId"] == KEY and logs["retentionInDays"] == 365
    assert api.invoke_url == (
        f"https://{api.rest_api_id}.execute-api.us-east-1.amazonaws.com/v1/invocations"
    )
    ep.delete()
    nothing_left(session)


EXPOSE_STEPS = [
    ("logs", "CreateLogGroup"),
    ("logs", "PutRetentionPolicy"),
    ("logs", "DescribeLogGroups"),
    ("apigateway", "CreateRestApi"),
    ("apigateway", "CreateResource"),
    ("apigateway", "PutMethod"),
    ("apigateway", "PutIntegration"),
    ("apigateway", "PutIntegrationResponse"),
    ("apigateway", "CreateDeployment"),
    ("apigateway", "CreateStage"),
    ("apigateway", "UpdateStage"),
    ("wafv2", "CreateWebACL"),
    ("wafv2", "AssociateWebACL"),
]


@pytest.mark.parametrize(("service", "operation"), EXPOSE_STEPS, ids=[o for _, o in EXPOSE_STEPS])
def test_expose_failing_at_each_step_leaves_nothing(
    session: boto3.Session, service: str, operation: str
) -> None:
    deploy(session)  # clients made later see the injected fault
    fail_on(session, service, operation)
    again = SecureEndpoint("churn", session=session, policy=POLICY)
    with pytest.raises(ClientError, match="InjectedFault"):
        again.expose("churn-api", invoke_role=INVOKE_ROLE)
    nothing_left(session, keep_endpoint=True)


def test_unauthorized_method_is_refused_and_rolled_back(session: boto3.Session) -> None:
    ep = deploy(session)
    with pytest.raises(ss.InsecureRequestError) as info:
        ep.expose("churn-api", authorization="NONE", invoke_role=INVOKE_ROLE)
    assert {f.rule_id for f in info.value.findings} == {"SM802"}
    nothing_left(session, keep_endpoint=True)


def test_log_group_without_a_key_arn_is_refused(session: boto3.Session) -> None:
    deploy(session)  # clients made later see the injected fault
    alias_only = ss.SecurityPolicy(
        subnets=[SUBNET], security_group_ids=[SG], kms_key_id="alias/team-key"
    )
    with capture_requests(session) as seen, pytest.raises(ss.InsecureRequestError) as info:
        SecureEndpoint("churn", session=session, policy=alias_only).expose("churn-api")
    assert {f.rule_id for f in info.value.findings} == {"SM803"}
    assert seen.sent == 0
    nothing_left(session, keep_endpoint=True)


def test_delete_removes_api_monitoring_and_endpoint(session: boto3.Session) -> None:
    stub_missing_in_moto(session)
    ep = deploy(session)
    ep.enable_monitoring(f"s3://{BUCKET}/baselines/churn", drift_features=["age"])
    ep.expose("churn-api", invoke_role=INVOKE_ROLE)
    ep.delete()
    nothing_left(session)
