"""Exposing a :class:`SecureEndpoint` through API Gateway: a REST API with IAM
authorization, JSON access logs in a KMS-encrypted log group, and a WAF web ACL
that rate-limits each client IP - created together or not at all.

Access logging to CloudWatch also needs the account-level API Gateway CloudWatch
role (``apigateway update-account``); that is an account setting, not set here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from secure_sagemaker._aws.rollback import UndoStack, ignore_missing
from secure_sagemaker._wrapper import AwsContext
from secure_sagemaker.controls.sm8_exposure import ACCESS_LOG_FORMAT

__all__ = ["Exposure", "create_exposure", "delete_exposure"]

CALLER_CREDENTIALS = "arn:aws:iam::*:user/*"  # API Gateway passes the caller's identity on
_RESOURCE = "invocations"


@attrs.frozen
class Exposure:
    """What :meth:`SecureEndpoint.expose` created, and the URL to call."""

    invoke_url: str
    rest_api_id: str
    stage_name: str
    stage_arn: str
    log_group_name: str
    log_group_arn: str
    web_acl_name: str
    web_acl_id: str
    web_acl_arn: str


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def web_acl_request(name: str, rate_limit: int) -> dict[str, Any]:
    """A regional web ACL: allow by default, block an IP over ``rate_limit`` requests
    per 5 minutes."""
    rule = {
        "Name": "rate-limit-per-ip",
        "Priority": 0,
        "Statement": {"RateBasedStatement": {"Limit": rate_limit, "AggregateKeyType": "IP"}},
        "Action": {"Block": {}},
        "VisibilityConfig": _visibility(f"{name}-rate-limit"),
    }
    return {
        "Name": name,
        "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}},
        "Rules": [rule],
        "VisibilityConfig": _visibility(name),
        "Description": "secure-sagemaker: per-IP rate limit for a SageMaker endpoint API",
    }


def _log_group(ctx: AwsContext, name: str, retention_days: int, undo: UndoStack) -> str:
    logs = ctx.client("logs")
    logs.create_log_group(logGroupName=name)  # kmsKeyId filled by the guard (SM803)
    undo.push(
        f"log group {name}",
        ignore_missing(lambda: logs.delete_log_group(logGroupName=name)),
    )
    logs.put_retention_policy(logGroupName=name, retentionInDays=retention_days)
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    arn = next(g["arn"] for g in groups if g["logGroupName"] == name)
    return str(arn).removesuffix(":*")


def _rest_api(
    ctx: AwsContext,
    api_name: str,
    *,
    endpoint_name: str,
    authorization: str,
    credentials: str,
    undo: UndoStack,
) -> str:
    apigw = ctx.client("apigateway")
    api = apigw.create_rest_api(
        name=api_name,
        description=f"Invokes SageMaker endpoint {endpoint_name}",
        endpointConfiguration={"types": ["REGIONAL"]},
    )
    api_id = str(api["id"])
    undo.push(f"REST API {api_id}", ignore_missing(lambda: apigw.delete_rest_api(restApiId=api_id)))
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=_RESOURCE)["id"]
    where = {"restApiId": api_id, "resourceId": resource, "httpMethod": "POST"}
    apigw.put_method(**where, authorizationType=authorization)  # judged by SM802
    apigw.put_integration(
        **where,
        type="AWS",
        integrationHttpMethod="POST",
        uri=(
            f"arn:{ctx.partition}:apigateway:{ctx.region}:runtime.sagemaker:"
            f"path//endpoints/{endpoint_name}/invocations"
        ),
        credentials=credentials,
        passthroughBehavior="WHEN_NO_MATCH",
    )
    apigw.put_method_response(**where, statusCode="200")
    apigw.put_integration_response(**where, statusCode="200", selectionPattern="")
    return api_id


def _stage(ctx: AwsContext, api_id: str, stage: str, log_group_arn: str) -> None:
    apigw = ctx.client("apigateway")
    deployment = apigw.create_deployment(restApiId=api_id, description="secure-sagemaker")
    apigw.create_stage(
        restApiId=api_id, stageName=stage, deploymentId=deployment["id"], tracingEnabled=True
    )
    # CreateStage cannot carry access-log settings: they are patched in (judged by SM801)
    apigw.update_stage(
        restApiId=api_id,
        stageName=stage,
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": log_group_arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": ACCESS_LOG_FORMAT},
        ],
    )


def _web_acl(ctx: AwsContext, name: str, rate_limit: int, undo: UndoStack) -> dict[str, str]:
    waf = ctx.client("wafv2")
    summary = waf.create_web_acl(**web_acl_request(name, rate_limit))["Summary"]
    acl = {"Name": str(summary["Name"]), "Id": str(summary["Id"]), "ARN": str(summary["ARN"])}
    undo.push(
        f"web ACL {acl['Name']}", ignore_missing(_delete_web_acl(waf, acl["Name"], acl["Id"]))
    )
    return acl


def _delete_web_acl(waf: Any, name: str, acl_id: str) -> Callable[[], None]:
    def run() -> None:
        token = waf.get_web_acl(Name=name, Scope="REGIONAL", Id=acl_id)["LockToken"]
        waf.delete_web_acl(Name=name, Scope="REGIONAL", Id=acl_id, LockToken=token)

    return run


def create_exposure(
    ctx: AwsContext,
    api_name: str,
    *,
    endpoint_name: str,
    stage: str,
    rate_limit: int,
    authorization: str,
    invoke_role: str | None,
    log_retention_days: int,
    undo: UndoStack,
) -> Exposure:
    """Create log group, REST API, stage with access logs, web ACL and association,
    registering an undo for each."""
    log_group = f"/aws/apigateway/secure-sagemaker/{api_name}"
    log_group_arn = _log_group(ctx, log_group, log_retention_days, undo)
    api_id = _rest_api(
        ctx,
        api_name,
        endpoint_name=endpoint_name,
        authorization=authorization,
        credentials=invoke_role or CALLER_CREDENTIALS,
        undo=undo,
    )
    _stage(ctx, api_id, stage, log_group_arn)
    acl = _web_acl(ctx, api_name, rate_limit, undo)
    stage_arn = f"arn:{ctx.partition}:apigateway:{ctx.region}::/restapis/{api_id}/stages/{stage}"
    waf = ctx.client("wafv2")
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=stage_arn)
    undo.push(
        f"web ACL association of {stage_arn}",
        ignore_missing(lambda: waf.disassociate_web_acl(ResourceArn=stage_arn)),
    )
    suffix = "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
    return Exposure(
        invoke_url=f"https://{api_id}.execute-api.{ctx.region}.{suffix}/{stage}/{_RESOURCE}",
        rest_api_id=api_id,
        stage_name=stage,
        stage_arn=stage_arn,
        log_group_name=log_group,
        log_group_arn=log_group_arn,
        web_acl_name=acl["Name"],
        web_acl_id=acl["Id"],
        web_acl_arn=acl["ARN"],
    )


def delete_exposure(ctx: AwsContext, exposure: Exposure) -> None:
    """Remove what :func:`create_exposure` made, association first."""
    waf = ctx.client("wafv2")
    ignore_missing(lambda: waf.disassociate_web_acl(ResourceArn=exposure.stage_arn))()
    ignore_missing(_delete_web_acl(waf, exposure.web_acl_name, exposure.web_acl_id))()
    apigw = ctx.client("apigateway")
    ignore_missing(lambda: apigw.delete_rest_api(restApiId=exposure.rest_api_id))()
    logs = ctx.client("logs")
    ignore_missing(lambda: logs.delete_log_group(logGroupName=exposure.log_group_name))()
