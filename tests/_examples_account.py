"""One secure and one insecure resource view per account/state rule (merge into
tests/_examples.py as part of EXAMPLES)."""

from __future__ import annotations

import json
from typing import Any

ACCOUNT = "123456789012"
KEY_ID = "12345678-1234-1234-1234-123456789012"

TRAIL = {
    "Name": "org",
    "IsLogging": True,
    "IsMultiRegionTrail": True,
    "LogFileValidationEnabled": True,
    "ManagementEvents": "All",
}


def account(**kw: Any) -> dict[str, Any]:
    return {
        "AccountId": ACCOUNT,
        "Region": "us-east-1",
        "Trails": [dict(TRAIL)],
        "GuardDuty": {"Status": "ENABLED", "S3Protection": "ENABLED"},
        "Macie": {"Status": "ENABLED"},
        **kw,
    }


def endpoint(**kw: Any) -> dict[str, Any]:
    return {
        "EndpointName": "ep",
        "EndpointStatus": "InService",
        "DataCaptureConfig": {
            "EnableCapture": True,
            "CaptureStatus": "Started",
            "CurrentSamplingPercentage": 100,
        },
        "MonitoringSchedules": ["ep-data-quality"],
        "ApiGatewayStages": [
            {"Api": "model-api", "Stage": "prod", "AccessLogging": True, "WebAcl": True}
        ],
        **kw,
    }


def key_policy(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:*",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def kms_key(**kw: Any) -> dict[str, Any]:
    return {
        "KeyId": KEY_ID,
        "KeyManager": "CUSTOMER",
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Origin": "AWS_KMS",
        "KeyRotationEnabled": True,
        "Policy": key_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        **kw,
    }


