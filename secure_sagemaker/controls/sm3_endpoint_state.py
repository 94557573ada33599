"""Endpoint state only an audit can judge (``@Endpoint`` views): monitored, capturing,
exposed only through protected API Gateway stages.

The views are described in :mod:`secure_sagemaker.controls._views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls._views import ENDPOINT
from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail


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
)
