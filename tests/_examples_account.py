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


EXAMPLES_ACCOUNT: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
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
    "SM430": ("@KmsKey", kms_key(), kms_key(KeyRotationEnabled=False)),
    "SM431": ("@KmsKey", kms_key(), kms_key(KeyState="PendingDeletion")),
    "SM432": ("@KmsKey", kms_key(), kms_key(Policy=key_policy("*"))),
    "SM433": (
        "@Bucket",
        {
            "Bucket": "ml-artifacts-bucket",
            "Logging": {"TargetBucket": "ml-access-logs", "TargetPrefix": "ml-artifacts-bucket/"},
        },
        {"Bucket": "ml-artifacts-bucket"},
    ),
    "SM434": (
        "@Account",
        account(),
        account(GuardDuty={"Status": "ENABLED", "S3Protection": "DISABLED"}),
    ),
    "SM435": ("@Account", account(), {k: v for k, v in account().items() if k != "Macie"}),
    "SM680": ("@Account", account(), account(Trails=[{**TRAIL, "IsMultiRegionTrail": False}])),
    "SM681": (
        "@Account",
        account(),
        account(Trails=[{**TRAIL, "LogFileValidationEnabled": False}]),
    ),
}
