"""Combinators that build rule checks and defaults.

A check is ``(value, ctx) -> Verdict``; it must not raise and must never put the
value in its reason.  A default is ``(policy, parent) -> value | None``.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from secure_sagemaker._aws.kms import is_customer_kms_key
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Default, Verdict, fail
from secure_sagemaker.scan import decode_script, scan_mapping, scan_text

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")


# ----------------------------------------------------------------- value checks


def equals(expected: Any, *, when_absent: str) -> Check:
    """The field must equal ``expected``; ``when_absent`` describes the service default."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING:
            return fail(f"is absent, so the service default applies ({when_absent})")
        if value != expected or type(value) is not type(expected):
            return fail(f"must be {json.dumps(expected)}")
        return PASS

    return check


def optional_equals(expected: Any) -> Check:
    """Like :func:`equals` where an absent field is secure (the default is safe)."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING or (value == expected and type(value) is type(expected)):
            return PASS
        return fail(f"must be {json.dumps(expected)} or absent")

    return check


def customer_kms_key(value: Any, ctx: Context) -> Verdict:
    """A customer-managed KMS key (ID, ARN, alias or alias ARN; not ``alias/aws/*``)
    of the organisation.  When the policy lists ``allowed_kms_keys``: one of them (see
    :func:`allowed_kms_key`) or a key the policy itself names (``kms_keys()``, which
    the guard fills in).  Otherwise: not a key or alias ARN of an account outside
    ``trusted_accounts`` (when that list is set; the guard sets the caller's own)."""
    if value is MISSING:
        return fail("is absent, so an AWS-owned or AWS-managed key is used")
    if not is_customer_kms_key(value):
        return fail("must be a customer-managed KMS key ID, key ARN or alias (not alias/aws/*)")
    if ctx.policy.allowed_kms_keys:
        if value in ctx.policy.kms_keys() or allowed_kms_key(
            value, ctx.policy.allowed_kms_keys, ctx.region
        ):
            return PASS
        return fail("is not one of the policy's allowed KMS keys (allowed-kms-keys)")
    account = arn_account(value)
    trusted = ctx.policy.trusted_accounts
    if trusted and account is not None and account not in trusted:
        return fail("is a key of an account outside the policy's trusted accounts")
    return PASS


def arn_account(value: object) -> str | None:
    """The 12-digit account of an ARN (``arn:partition:service:region:account:...``);
    ``None`` for anything else."""
    if not isinstance(value, str):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    account = parts[4]
    return account if len(account) == 12 and account.isascii() and account.isdigit() else None


def allowed_kms_key(value: str, allowed: Sequence[str], region: str | None) -> bool:
    """Whether the key reference ``value`` is one of ``allowed`` (key or alias ARNs).

    An ARN matches only itself.  A bare key ID or alias (``alias/name``) resolves in
    the caller's account and region, so it matches a listed ARN with the same
    ``key/<id>`` or ``alias/<name>`` in the request's region (any region when the
    region is unknown); anything else matches only if it is literally in the list.
    Strings are compared exactly: an alias ARN never stands for its key's ARN.
    """
    if value in allowed:
        return True
    if value.startswith("arn:"):
        return False
    resource = value if value.startswith("alias/") else f"key/{value}"
    for entry in allowed:
        parts = entry.split(":", 5)
        if len(parts) == 6 and parts[5] == resource and (region is None or parts[3] == region):
            return True
    return False


def present(what: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING or value in ("", [], {}):
            return fail(f"is absent; {what}")
        return PASS

    return check


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _within(values: list[str], allowed: Sequence[str]) -> bool:
    return not allowed or all(v in allowed for v in values)


def subnets(value: Any, ctx: Context) -> Verdict:
    """A subnet ID or list of them, non-empty, and within the policy's subnets."""
    if value is MISSING:
        return fail("is absent, so it runs in the SageMaker service VPC with internet access")
    items = _strings(value)
    if not items:
        return fail("must name at least one subnet")
    if not _within(items, ctx.policy.subnets):
        return fail("names a subnet that is not one of the policy's private subnets")
    return PASS


def security_groups(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return fail("is absent; a VPC resource needs the policy's security groups")
    items = _strings(value)
    if not items:
        return fail("must name at least one security group")
    if not _within(items, ctx.policy.security_group_ids):
        return fail("names a security group that is not one of the policy's security groups")
    return PASS


def vpc_config(value: Any, ctx: Context) -> Verdict:
    """``{"Subnets": [...], "SecurityGroupIds": [...]}`` within the policy's network."""
    if value is MISSING:
        return fail("is absent, so it runs in the SageMaker service VPC with internet access")
    if not isinstance(value, Mapping):
        return fail("must be an object with Subnets and SecurityGroupIds")
    verdict = subnets(value.get("Subnets", MISSING), ctx)
    if not verdict.passed:
        return Verdict(False, verdict.reason, "Subnets")
    verdict = security_groups(value.get("SecurityGroupIds", MISSING), ctx)
    if not verdict.passed:
        return Verdict(False, verdict.reason, "SecurityGroupIds")
    return PASS


def instance_type_allowed(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return PASS
    if not isinstance(value, str):
        return fail("must be an instance type name")
    if _instance_types(tuple(ctx.policy.allowed_instance_types)).fullmatch(value):
        return PASS
    return fail("is not in the policy's allowed instance types")


@functools.lru_cache(maxsize=64)
def _instance_types(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for the policy's instance-type globs (``ml.m5.*``), built once."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns) or "(?!)")


def image_allowed(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return PASS
    if not isinstance(value, str):
        return fail("must be an image URI")
    if any(value.startswith(prefix) for prefix in ctx.policy.allowed_image_registries):
        return PASS
    return fail("is not from one of the policy's allowed image registries")


def private_registry(value: Any, ctx: Context) -> Verdict:
    """A model container's image comes from ECR (reached through the ecr.dkr VPC
    endpoint) or from a registry in the VPC (``RepositoryAccessMode=Vpc``)."""
    if not isinstance(value, Mapping):
        return fail("must be a container definition object")
    config = value.get("ImageConfig")
    if isinstance(config, Mapping) and config.get("RepositoryAccessMode") == "Vpc":
        return PASS
    image = value.get("Image")
    if image is None and value.get("ModelPackageName") is not None:
        return PASS  # the model package pins its own (ECR) image
    if isinstance(image, str) and ECR_IMAGE.match(image):
        return PASS
    return fail(
        "pulls its image from a public registry; use an ECR image or "
        "ImageConfig.RepositoryAccessMode=Vpc",
        "Image",
    )


def no_secrets(value: Any, ctx: Context) -> Verdict:
    """An ``Environment``-like mapping holds no credential (only references)."""
    if value is MISSING:
        return PASS
    if not isinstance(value, Mapping):
        return fail("must be a map of strings")
    found = scan_mapping(value)
    if not found:
        return PASS
    key, kind = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return fail(f"holds a credential ({kind}){more}; pass a Secrets Manager reference", key)


def no_secrets_in_script(value: Any, ctx: Context) -> Verdict:
    """A lifecycle-config ``Content`` (base64 script) holds no credential."""
    if value is MISSING:
        return PASS
    if not isinstance(value, str):
        return fail("must be base64-encoded script text")
    kinds = scan_text(decode_script(value))
    if kinds:
        return fail(f"contains a credential ({', '.join(kinds)}); read it from Secrets Manager")
    return PASS


def no_secrets_in_text(value: Any, ctx: Context) -> Verdict:
    """A plain string (a URL, a name) holds no credential."""
    if value is MISSING:
        return PASS
    if not isinstance(value, str):
        return fail("must be a string")
    kinds = scan_text(value)
    if kinds:
        return fail(f"contains a credential ({', '.join(kinds)})")
    return PASS


def min_instances(count: int) -> Check:
    """A production variant has at least ``count`` instances (serverless variants pass)."""

    def check(value: Any, ctx: Context) -> Verdict:
        if not isinstance(value, Mapping):
            return fail("must be a production variant object")
        if value.get("ServerlessConfig") is not None:
            return PASS
        n = value.get("InitialInstanceCount")
        if isinstance(n, int) and not isinstance(n, bool) and n >= count:
            return PASS
        return fail(
            f"must be at least {count} for availability zone redundancy", "InitialInstanceCount"
        )

    return check


def required_tags(value: Any, ctx: Context) -> Verdict:
    keys = set()
    if isinstance(value, list):
        keys = {t.get("Key") for t in value if isinstance(t, Mapping)}
    elif value is not MISSING:
        return fail("must be a list of {Key, Value} tags")
    missing = [k for k in ctx.policy.required_tags if k not in keys]
    if missing:
        return fail(f"lacks the policy's required tag key(s) {', '.join(missing)}")
    return PASS


def has_tags(value: Any, ctx: Context) -> Verdict:
    if isinstance(value, list) and any(isinstance(t, Mapping) and t.get("Key") for t in value):
        return PASS
    return fail("has no tags; resources without tags cannot be attributed or governed")


def rotation_within(days: int) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING:
            return fail("is absent, so the secret is never rotated automatically")
        if not isinstance(value, Mapping):
            return fail("must be an object")
        after = value.get("AutomaticallyAfterDays")
        if isinstance(after, int) and not isinstance(after, bool):
            return PASS if 0 < after <= days else fail(f"must rotate at least every {days} days")
        expr = value.get("ScheduleExpression")
        if isinstance(expr, str):
            m = re.fullmatch(r"rate\((\d+) days?\)", expr.strip())
            if m is None or int(m.group(1)) <= days:
                return PASS  # cron() expressions and short rates
            return fail(f"must rotate at least every {days} days")
        return fail("has neither AutomaticallyAfterDays nor ScheduleExpression")

    return check


def all_true(*names: str) -> Check:
    def check(value: Any, ctx: Context) -> Verdict:
        if not isinstance(value, Mapping):
            return fail("is absent or not an object")
        for name in names:
            if value.get(name) is not True:
                return fail("must set every public-access-block flag to true", name)
        return PASS

    return check


def kms_encryption(value: Any, ctx: Context) -> Verdict:
    """``ServerSideEncryption`` on an S3 write is ``aws:kms`` or ``aws:kms:dsse``."""
    if value is MISSING:
        return fail("is absent, so the object is encrypted with SSE-S3, not a customer key")
    if value not in ("aws:kms", "aws:kms:dsse"):
        return fail('must be "aws:kms" (or "aws:kms:dsse")')
    return PASS


def changed_within(days: int, event: str) -> Check:
    """A check that the date field is at most ``days`` days before ``AssessedAt``;
    an absent date falls back to ``CreatedDate``.  ``event`` names what the date
    records ("rotated", "accessed") in the failure reason."""

    def check(value: Any, ctx: Context) -> Verdict:
        now = ctx.params.get("AssessedAt")
        since_creation = value is MISSING or value is None
        when = ctx.params.get("CreatedDate") if since_creation else value
        if not isinstance(now, datetime) or not isinstance(when, datetime):
            return fail("cannot be judged: the date or the assessment time is unknown")
        age = (now - when).days
        if age <= days:
            return PASS
        if since_creation:
            return fail(
                f"was never {event} in the {age} days since the secret was created (limit {days})"
            )
        return fail(f"was last {event} {age} days ago (limit {days})")

    return check


# ----------------------------------------------------------------- defaults


def const(value: Any) -> Default:
    """A default that is always ``value`` (a fresh copy each time)."""

    def default(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
        return json.loads(json.dumps(value))

    return default


def kms_key(purpose: str) -> Default:
    def default(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
        return policy.kms_key(purpose)

    return default


def policy_vpc(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    return policy.vpc_config


def policy_subnet(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    return policy.subnets[0] if policy.subnets else None


def policy_subnets(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    return list(policy.subnets) or None


def policy_security_groups(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    return list(policy.security_group_ids) or None


def data_capture(policy: SecurityPolicy, parent: Mapping[str, Any]) -> Any:
    """Capture 100% of requests and responses to the first artifact bucket, KMS-encrypted."""
    if not policy.artifact_buckets:
        return None
    name = parent.get("EndpointConfigName", "endpoint")
    config: dict[str, Any] = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": f"s3://{policy.artifact_buckets[0]}/data-capture/{name}",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    key = policy.kms_key("data_capture")
    if key:
        config["KmsKeyId"] = key
    return config


# ----------------------------------------------------------------- applicability


def when_policy_has(attribute: str) -> Callable[[Mapping[str, Any], SecurityPolicy], bool]:
    def applies(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
        return bool(getattr(policy, attribute))

    return applies


def to_artifact_bucket(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    return policy.is_artifact_bucket(params.get("Bucket"))


def data_capture_enabled(value: Any, ctx: Context) -> Verdict:
    if value is MISSING:
        return fail("is absent, so no request or response is captured for monitoring")
    if not isinstance(value, Mapping):
        return fail("must be an object")
    if value.get("EnableCapture", True) is not True:
        return fail("must enable capture", "EnableCapture")
    pct = value.get("InitialSamplingPercentage")
    if not isinstance(pct, int) or isinstance(pct, bool) or pct <= 0:
        return fail("must sample a positive percentage of requests", "InitialSamplingPercentage")
    if not isinstance(value.get("DestinationS3Uri"), str):
        return fail("must name an S3 destination", "DestinationS3Uri")
    return PASS
