"""One secure and one insecure request per SM8xx rule (merge into tests/_examples.py)."""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
LOG_GROUP = "/aws/apigateway/secure-sagemaker/model-api"
LOG_GROUP_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{LOG_GROUP}"


def _patch(*ops: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "restApiId": "a1b2c3d4e5",
        "stageName": "prod",
        "patchOperations": [{"op": op, "path": path, "value": value} for op, path, value in ops],
    }


def _method(authorization: str) -> dict[str, Any]:
    return {
        "restApiId": "a1b2c3d4e5",
        "resourceId": "r1s2t3",
        "httpMethod": "POST",
        "authorizationType": authorization,
    }


def _web_acl(*rules: dict[str, Any]) -> dict[str, Any]:
    visibility = {
        "SampledRequestsEnabled": True,
        "CloudWatchMetricsEnabled": True,
        "MetricName": "model-api",
    }
    return {
        "Name": "model-api",
        "Scope": "REGIONAL",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": visibility,
        "Rules": list(rules),
    }


def _rule(statement: dict[str, Any]) -> dict[str, Any]:
    return {
        "Name": "rule",
        "Priority": 0,
        "Statement": statement,
        "Action": {"Block": {}},
        "VisibilityConfig": {
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": "rule",
        },
    }


RATE = {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}}
GEO = {"GeoMatchStatement": {"CountryCodes": ["KP"]}}

