"""CloudTrail state only an audit can judge (``@Account`` views): management events
recorded, log files validated.

The views are described in :mod:`secure_sagemaker.controls._views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls._views import ACCOUNT
from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail


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


RULES: tuple[Rule, ...] = (
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
