"""Account and resource-state rules that only an audit can judge.

They judge *resource views*: documents the audit assembles from Describe/Get calls
(see :mod:`secure_sagemaker.audit`), never API requests.

* ``@Account`` (one per account and region)::

    {"AccountId": "...", "Region": "...",
     "Trails": [{"Name", "IsLogging", "IsMultiRegionTrail", "LogFileValidationEnabled",
                 "ManagementEvents": "All" | "ReadOnly" | "WriteOnly" | None}],
     "GuardDuty": {"Status": "ENABLED", "S3Protection": "ENABLED"},   # absent: no detector
     "Macie": {"Status": "ENABLED"}}                                  # absent: not enabled

* ``@Endpoint``: ``DescribeEndpoint`` plus ``MonitoringSchedules`` (names of the
  schedules watching it) and ``ApiGatewayStages`` (``[{"Api", "Stage",
  "AccessLogging": bool, "WebAcl": bool}]`` for each REST API stage that invokes it).
* ``@KmsKey``: ``DescribeKey``'s ``KeyMetadata`` plus ``KeyRotationEnabled`` and
  ``Policy`` (the key policy JSON); customer-managed keys only.
* ``@Bucket``: ``{"Bucket": name, "Logging": GetBucketLogging's LoggingEnabled}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from secure_sagemaker import checks as c
from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

ACCOUNT = "@Account"
ENDPOINT = "@Endpoint"
KMS_KEY = "@KmsKey"
BUCKET = "@Bucket"


def _active_trails(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [
        t
        for t in value
        if isinstance(t, Mapping)
        and t.get("IsLogging") is True
        and t.get("IsMultiRegionTrail") is True
        and t.get("ManagementEvents") == "All"
    ]


def _management_trail(value: Any, ctx: Context) -> Verdict:
    if _active_trails(value):
        return PASS
    return fail("has no logging, multi-region trail recording read and write management events")


def _validated_trail(value: Any, ctx: Context) -> Verdict:
    if any(t.get("LogFileValidationEnabled") is True for t in _active_trails(value)):
        return PASS
    return fail("has no logging management-event trail with log file validation enabled")


def _guardduty_s3(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, Mapping):
        return fail("has no GuardDuty detector in this region")
    if value.get("Status") != "ENABLED":
        return fail("has a GuardDuty detector that is not enabled", "Status")
    if value.get("S3Protection") != "ENABLED":
        return fail("has GuardDuty without S3 Protection", "S3Protection")
    return PASS


def _macie(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Mapping) and value.get("Status") == "ENABLED":
        return PASS
    return fail("does not have Amazon Macie enabled in this region")


def _monitored(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, list) and value:
        return PASS
    return fail("has no Model Monitor schedule watching it")


def _capturing(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, Mapping):
        return fail("is absent, so the endpoint captures no requests or responses")
    if value.get("EnableCapture") is not True:
        return fail("must be true on the running endpoint", "EnableCapture")
    return PASS


def _stage_protected(value: Any, ctx: Context) -> Verdict:
    if not isinstance(value, Mapping):
        return fail("must be an API Gateway stage description")
    if value.get("AccessLogging") is not True:
        return fail("invokes the endpoint without access logging", "AccessLogging")
    if value.get("WebAcl") is not True:
        return fail("invokes the endpoint without an AWS WAF web ACL", "WebAcl")
    return PASS


def _rotatable(params: Mapping[str, Any], policy: Any) -> bool:
    """Symmetric, AWS_KMS-origin keys not being deleted; an unknown key (it could not
    be described) counts as applicable, so it gets a verdict."""
    return (
        params.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and params.get("Origin", "AWS_KMS") == "AWS_KMS"
        and params.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion")
    )


def _key_enabled(value: Any, ctx: Context) -> Verdict:
    if value == "Enabled":
        return PASS
    if value == "PendingDeletion" or value == "PendingReplicaDeletion":
        return fail("is scheduled for deletion; data encrypted with it becomes unreadable")
    return fail("is not Enabled, so nothing encrypted with it can be read")


def _public_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        aws = principal.get("AWS")
        return aws == "*" or (isinstance(aws, list) and "*" in aws)
    return False


def _key_policy_private(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return fail("could not be read")
    try:
        doc = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return fail("is not valid JSON")
    statements = doc.get("Statement", []) if isinstance(doc, Mapping) else []
    statements = [statements] if isinstance(statements, Mapping) else statements
    for s in statements if isinstance(statements, list) else []:
        if (
            isinstance(s, Mapping)
            and s.get("Effect") == "Allow"
            and _public_principal(s.get("Principal"))
            and not s.get("Condition")
        ):
            return fail('allows every AWS principal (Principal "*") without a condition')
    return PASS


def _logging(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Mapping) and isinstance(value.get("TargetBucket"), str):
        if value["TargetBucket"] == ctx.params.get("Bucket"):
            return fail("delivers access logs into the bucket itself", "TargetBucket")
        return PASS
    return fail("is absent, so reads and writes of models and data leave no access log")


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM340",
        name="endpoint-monitored",
        severity=Severity.MEDIUM,
        title="Endpoint is watched by a Model Monitor schedule",
        fields={ENDPOINT: ("MonitoringSchedules",)},
        check=_monitored,
        rationale="Without monitoring, drift, data-quality problems and probing for model "
        "inversion or membership inference go unnoticed.",
        remediation="Create a monitoring schedule for the endpoint "
        "(CreateMonitoringSchedule with a data-quality job definition).",
        references=("Seed:5",),
    ),
    Rule(
        id="SM341",
        name="endpoint-capturing-data",
        severity=Severity.MEDIUM,
        title="Running endpoint captures requests and responses",
        fields={ENDPOINT: ("DataCaptureConfig",)},
        check=_capturing,
        rationale="The endpoint config can say capture while the running endpoint does not "
        "(it was updated, or capture was switched off); monitoring needs the live traffic.",
        remediation="Update the endpoint to an endpoint config with DataCaptureConfig "
        "EnableCapture=true.",
        references=("Seed:5",),
    ),
    Rule(
        id="SM342",
        name="endpoint-api-logged-and-filtered",
        severity=Severity.HIGH,
        title="API Gateway stages that invoke an endpoint log access and use AWS WAF",
        fields={ENDPOINT: ("ApiGatewayStages[]",)},
        check=_stage_protected,
        rationale="A public API in front of a model is where extraction and inversion "
        "attacks come from; access logs are the evidence and WAF rate-limits and filters.",
        remediation="Enable access logging on the stage (accessLogSettings) and associate an "
        "AWS WAF web ACL with it.",
        references=("Seed:5", "Seed:6", "Config:api-gw-associated-with-waf"),
    ),
    Rule(
        id="SM430",
        name="kms-key-rotation-enabled",
        severity=Severity.MEDIUM,
        service="kms",
        title="Customer KMS keys have automatic rotation enabled",
        fields={KMS_KEY: ("KeyRotationEnabled",)},
        check=c.equals(True, when_absent="rotation off"),
        applies=_rotatable,
        rationale="Rotation limits how much data one key version protects.",
        remediation="aws kms enable-key-rotation --key-id <key>; waive SM430 for keys whose "
        "material is imported.",
        references=(
            "Seed:3",
            "SecurityHub:KMS.4",
            "Config:cmk-backing-key-rotation-enabled",
            "Prowler:kms_cmk_rotation_enabled",
        ),
    ),
    Rule(
        id="SM431",
        name="kms-key-enabled",
        severity=Severity.HIGH,
        service="kms",
        title="Customer KMS keys are enabled and not scheduled for deletion",
        fields={KMS_KEY: ("KeyState",)},
        check=_key_enabled,
        rationale="A deleted key makes every model, dataset and volume encrypted with it "
        "unrecoverable; a disabled key breaks the jobs that use it.",
        remediation="Cancel the deletion (aws kms cancel-key-deletion) and enable the key, "
        "or move its data to another key first.",
        references=(
            "Seed:3",
            "SecurityHub:KMS.3",
            "Config:kms-cmk-not-scheduled-for-deletion",
        ),
    ),
    Rule(
        id="SM432",
        name="kms-key-policy-not-public",
        severity=Severity.CRITICAL,
        service="kms",
        title="Customer KMS key policies do not allow every AWS principal",
        fields={KMS_KEY: ("Policy",)},
        check=_key_policy_private,
        rationale='A key policy with Principal "*" lets any AWS account use the key to '
        "decrypt your models and data.",
        remediation='Replace Principal "*" with the account and roles that need the key, '
        "or add a condition such as aws:PrincipalOrgID.",
        references=("Seed:3", "Prowler:kms_key_not_publicly_accessible"),
    ),
    Rule(
        id="SM433",
        name="artifact-bucket-access-logging",
        severity=Severity.MEDIUM,
        service="s3",
        title="Artifact buckets have server access logging enabled",
        fields={BUCKET: ("Logging",)},
        check=_logging,
        rationale="Access logs record who read or replaced a model or dataset, the evidence "
        "after theft or poisoning.",
        remediation="Enable server access logging to a separate log bucket "
        "(PutBucketLogging with LoggingEnabled.TargetBucket).",
        references=(
            "Seed:6",
            "SecurityHub:S3.9",
            "Config:s3-bucket-logging-enabled",
            "Prowler:s3_bucket_server_access_logging_enabled",
            "Checkov:CKV_AWS_18",
        ),
    ),
    Rule(
        id="SM434",
        name="guardduty-s3-protection",
        severity=Severity.MEDIUM,
        service="guardduty",
        title="GuardDuty is enabled with S3 Protection",
        fields={ACCOUNT: ("GuardDuty",)},
        check=_guardduty_s3,
        rationale="S3 Protection watches object-level access to artifact buckets and flags "
        "exfiltration and anomalous reads of models and training data.",
        remediation="Enable GuardDuty in the region and its S3 Protection feature "
        "(UpdateDetector with Features S3_DATA_EVENTS=ENABLED).",
        references=(
            "Seed:3",
            "Seed:5",
            "SecurityHub:GuardDuty.1",
            "SecurityHub:GuardDuty.10",
            "Config:guardduty-enabled-centralized",
            "Config:guardduty-s3-protection-enabled",
            "Prowler:guardduty_is_enabled",
        ),
    ),
    Rule(
        id="SM435",
        name="macie-enabled",
        severity=Severity.LOW,
        service="macie2",
        title="Amazon Macie is enabled to find sensitive data in artifact buckets",
        fields={ACCOUNT: ("Macie",)},
        check=_macie,
        rationale="Macie discovers personal data in training sets and captured inference "
        "data, which then needs stricter keys and retention.",
        remediation="Enable Macie (aws macie2 enable-macie) and run discovery jobs on the "
        "artifact buckets.",
        references=(
            "Seed:3",
            "SecurityHub:Macie.1",
            "Config:macie-status-check",
            "Prowler:macie_is_enabled",
        ),
    ),
    Rule(
        id="SM680",
        name="cloudtrail-management-events",
        severity=Severity.HIGH,
        service="cloudtrail",
        title="A multi-region CloudTrail trail logs read and write management events",
        fields={ACCOUNT: ("Trails",)},
        check=_management_trail,
        rationale="CloudTrail management events are the record of who called which "
        "SageMaker API, and the evidence least-privilege roles are refined from.",
        remediation="Create a multi-region trail with management events (ReadWriteType=All) "
        "and start logging.",
        references=(
            "Seed:2",
            "Seed:6",
            "SecurityHub:CloudTrail.1",
            "Config:multi-region-cloudtrail-enabled",
            "Prowler:cloudtrail_multi_region_enabled",
        ),
    ),
    Rule(
        id="SM681",
        name="cloudtrail-log-file-validation",
        severity=Severity.MEDIUM,
        service="cloudtrail",
        title="The management-event trail validates its log files",
        fields={ACCOUNT: ("Trails",)},
        check=_validated_trail,
        rationale="Log file validation makes tampering with the audit record detectable.",
        remediation="aws cloudtrail update-trail --name <trail> --enable-log-file-validation.",
        references=(
            "Seed:6",
            "SecurityHub:CloudTrail.4",
            "Config:cloud-trail-log-file-validation-enabled",
            "Prowler:cloudtrail_log_file_validation_enabled",
            "Checkov:CKV_AWS_36",
        ),
    ),
)
