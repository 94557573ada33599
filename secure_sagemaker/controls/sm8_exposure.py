"""SM8xx - access logging and filtering for APIs that expose a model.

What a request can show, per the botocore ``apigateway``, ``logs`` and ``wafv2`` models:

* A REST API stage's access logging cannot be set at creation: ``CreateStage`` and
  ``CreateDeployment(stageName=...)`` have no ``accessLogSettings`` member.  It is set
  (and removed) by ``UpdateStage`` patch operations on ``/accessLogSettings/...``, so
  SM801 judges every such patch: it must not remove access logging, must point it at
  a CloudWatch Logs group or Firehose stream, and must keep the JSON format with the
  fields an investigation needs.  A stage that never gets an ``UpdateStage`` is judged
  by the audit (SM342 on the ``@Endpoint`` view), not here.
* ``PutMethod.authorizationType`` is required, so SM802 judges every method.
* ``CreateLogGroup.kmsKeyId`` (SM803) and ``CreateWebACL.Rules`` (SM804) are ordinary
  request fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from secure_sagemaker.rules import MISSING, PASS, Context, Rule, Severity, Verdict, fail

__all__ = [
    "ACCESS_LOG_FORMAT",
    "ACCESS_LOG_VARIABLES",
    "LOG_GROUP_PREFIXES",
    "RULES",
    "access_log_format",
]

#: JSON key -> ``$context`` variable every access-log line must carry.
ACCESS_LOG_VARIABLES: Mapping[str, str] = {
    "requestId": "requestId",
    "ip": "identity.sourceIp",
    "caller": "identity.caller",
    "user": "identity.user",
    "requestTime": "requestTime",
    "httpMethod": "httpMethod",
    "resourcePath": "resourcePath",
    "status": "status",
    "protocol": "protocol",
    "responseLength": "responseLength",
}


def access_log_format(extra: Mapping[str, str] | None = None) -> str:
    """The JSON access-log format with every required field (plus ``extra`` keys ->
    ``$context`` variables), one line per request."""
    fields = {**ACCESS_LOG_VARIABLES, **(extra or {})}
    return json.dumps({k: f"$context.{v}" for k, v in fields.items()}, separators=(",", ":"))


ACCESS_LOG_FORMAT = access_log_format()

#: Log group name prefixes SM803 judges: API Gateway's, SageMaker's and ours.
LOG_GROUP_PREFIXES = (
    "/aws/apigateway/",
    "API-Gateway-Execution-Logs_",
    "/aws/sagemaker/",
    "/secure-sagemaker/",
)

_ACCESS_LOG_PATH = "/accessLogSettings"
_DESTINATION = re.compile(
    r"^arn:aws[a-z-]*:(?:logs:[a-z0-9-]+:\d{12}:log-group:[^:*]+"
    r"|firehose:[a-z0-9-]+:\d{12}:deliverystream/amazon-apigateway-.+)$"
)
_KEY_ARN = re.compile(
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/"
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)


# ----------------------------------------------------------------- SM801


def _format_verdict(value: Any) -> Verdict:
    if not isinstance(value, str):
        return fail("must be a JSON access-log format string")
    try:
        parsed = json.loads(value)
    except ValueError:
        return fail("must be a JSON object format, one line per request")
    if not isinstance(parsed, Mapping):
        return fail("must be a JSON object format, one line per request")
    present = {str(v) for v in parsed.values()}
    missing = [k for k, var in ACCESS_LOG_VARIABLES.items() if f"$context.{var}" not in present]
    if missing:
        return fail(f"lacks the required access-log field(s) {', '.join(missing)}")
    return PASS


def _access_log_patch(value: Any, ctx: Context) -> Verdict:
    """One ``UpdateStage`` patch operation keeps access logging on and complete."""
    if not isinstance(value, Mapping):
        return fail("must be a patch operation object")
    path = value.get("path")
    if not isinstance(path, str) or not path.startswith(_ACCESS_LOG_PATH):
        return PASS  # not about access logging
    op = value.get("op")
    if op == "remove":
        return fail("removes the stage's access logging")
    if op not in ("replace", "add"):
        return fail("must replace access-log settings, not move or copy them", "op")
    new = value.get("value")
    if path == f"{_ACCESS_LOG_PATH}/destinationArn":
        if isinstance(new, str) and _DESTINATION.match(new):
            return PASS
        return fail(
            "must be a CloudWatch Logs log group ARN (without :*) or an "
            "amazon-apigateway-* Firehose stream ARN",
            "value",
        )
    if path == f"{_ACCESS_LOG_PATH}/format":
        verdict = _format_verdict(new)
        return PASS if verdict.passed else fail(verdict.reason, "value")
    return fail("must set /accessLogSettings/destinationArn or /accessLogSettings/format")


# ----------------------------------------------------------------- SM802


def _authorized(value: Any, ctx: Context) -> Verdict:
    """``PutMethod.authorizationType`` (a string) or an ``UpdateMethod`` patch operation."""
    if isinstance(value, Mapping):  # UpdateMethod patch operation
        if value.get("path") != "/authorizationType":
            return PASS
        if value.get("op") == "remove":
            return fail("removes the method's authorization", "op")
        value = value.get("value", MISSING)
    if value is MISSING:
        return fail("is absent; every API Gateway method must name its authorization")
    if not isinstance(value, str) or value.upper() == "NONE":
        return fail(
            "is NONE, so anyone who finds the URL can invoke the method; use AWS_IAM, "
            "COGNITO_USER_POOLS or CUSTOM"
        )
    return PASS


def _not_preflight(params: Mapping[str, Any], policy: Any) -> bool:
    # CORS preflight (OPTIONS) carries no credentials by design; Checkov CKV_AWS_59
    # exempts it too.
    method = params.get("httpMethod")
    return not (isinstance(method, str) and method.upper() == "OPTIONS")


# ----------------------------------------------------------------- SM803


def _log_group_key(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return fail("is absent, so the log group is encrypted with a key CloudWatch Logs owns")
    if not isinstance(value, str) or "alias/aws/" in value:
        return fail("must be the ARN of a customer-managed KMS key")
    if not _KEY_ARN.match(value):
        return fail("must be a KMS key ARN (CloudWatch Logs accepts neither key IDs nor aliases)")
    return PASS


def _judged_log_group(params: Mapping[str, Any], policy: Any) -> bool:
    name = params.get("logGroupName")
    if not isinstance(name, str):
        return True  # unknown: judge it (a false failure beats a silent skip)
    return name.startswith(LOG_GROUP_PREFIXES)


def _log_key_default(policy: Any, parent: Mapping[str, Any]) -> Any:
    key = policy.kms_key_id
    return key if isinstance(key, str) and _KEY_ARN.match(key) else None


# ----------------------------------------------------------------- SM804


def _rate_limited(rule: Any) -> bool:
    if not isinstance(rule, Mapping):
        return False
    statement = rule.get("Statement")
    rate = statement.get("RateBasedStatement") if isinstance(statement, Mapping) else None
    if not isinstance(rate, Mapping):
        return False
    key = rate.get("AggregateKeyType")
    per_ip = key in ("IP", "FORWARDED_IP") or (
        key == "CUSTOM_KEYS"
        and any(
            isinstance(k, Mapping) and ("IP" in k or "ForwardedIP" in k)
            for k in rate.get("CustomKeys") or ()
        )
    )
    action = rule.get("Action")
    blocks = isinstance(action, Mapping) and ("Block" in action or "Captcha" in action)
    limit = rate.get("Limit")
    return per_ip and blocks and isinstance(limit, int) and not isinstance(limit, bool)


def _rate_rule(value: Any, ctx: Context) -> Verdict:
    if value is MISSING or value == []:
        return fail("has no rules, so no client is rate-limited")
    if not isinstance(value, list):
        return fail("must be a list of rules")
    if any(_rate_limited(r) for r in value):
        return PASS
    return fail(
        "has no rate-based rule that blocks per client IP (RateBasedStatement with "
        "AggregateKeyType IP or FORWARDED_IP and a Block action)"
    )


_PATCHES = ("patchOperations[]",)

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM801",
        name="api-stage-access-logging",
        severity=Severity.MEDIUM,
        service="apigateway",
        title="API stage access logging stays on, in JSON with the investigation fields",
        fields={"UpdateStage": _PATCHES},
        check=_access_log_patch,
        rationale="Access logs are the record of who called a model and how often - the "
        "evidence of model extraction or inversion attempts. CreateStage cannot set them, "
        "so they are judged when UpdateStage sets or removes them.",
        remediation="Patch /accessLogSettings/destinationArn to a KMS-encrypted log group ARN "
        "and /accessLogSettings/format to a JSON format with requestId, ip, caller, user, "
        "requestTime, httpMethod, resourcePath, status, protocol, responseLength; never "
        "remove /accessLogSettings.",
        references=("Seed:6", "Checkov:CKV_AWS_76"),
    ),
    Rule(
        id="SM802",
        name="api-method-authorization",
        severity=Severity.HIGH,
        service="apigateway",
        title="API methods require authorization (IAM, Cognito or a Lambda authorizer)",
        fields={"PutMethod": ("authorizationType",), "UpdateMethod": _PATCHES},
        check=_authorized,
        applies=_not_preflight,
        rationale="A method with authorizationType NONE lets anyone on the internet invoke "
        "the model behind it, which is what extraction attacks need.",
        remediation="Set authorizationType to AWS_IAM (or COGNITO_USER_POOLS / CUSTOM with an "
        "authorizer).",
        references=(
            "Seed:6",
            "Prowler:apigateway_restapi_authorizers_enabled",
            "Checkov:CKV_AWS_59",
        ),
    ),
    Rule(
        id="SM803",
        name="log-group-cmk",
        severity=Severity.MEDIUM,
        service="logs",
        title="API Gateway and SageMaker log groups are encrypted with a customer-managed key",
        fields={"CreateLogGroup": ("kmsKeyId",)},
        check=_log_group_key,
        default=_log_key_default,
        applies=_judged_log_group,
        rationale="Access logs hold caller identities and IP addresses; a customer key makes "
        "reading them auditable and revocable. Judged for log groups named "
        "/aws/apigateway/..., API-Gateway-Execution-Logs_..., /aws/sagemaker/... and "
        "/secure-sagemaker/....",
        remediation="Set kmsKeyId to the ARN of a customer-managed key whose key policy lets "
        "logs.<region>.amazonaws.com use it.",
        references=(
            "Seed:3",
            "Seed:6",
            "Config:cloudwatch-log-group-encrypted",
            "Prowler:cloudwatch_log_group_kms_encryption_enabled",
            "Checkov:CKV_AWS_158",
        ),
    ),
    Rule(
        id="SM804",
        name="waf-rate-limit",
        severity=Severity.MEDIUM,
        service="wafv2",
        title="Web ACLs rate-limit each client IP",
        fields={"CreateWebACL": ("Rules",), "UpdateWebACL": ("Rules",)},
        check=_rate_rule,
        rationale="Model extraction needs many queries; a per-IP rate-based rule caps how "
        "fast one client can query the model, and its metrics show who tried.",
        remediation="Add a rule with a RateBasedStatement (AggregateKeyType IP, or "
        "FORWARDED_IP behind a proxy) and Action Block.",
        references=("Seed:6",),
    ),
)
