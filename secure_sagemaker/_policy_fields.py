"""The validators and converters of :class:`~secure_sagemaker.policy.SecurityPolicy`'s
fields: each raises :class:`~secure_sagemaker.PolicyError` naming the key, never the
value."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from secure_sagemaker._aws.kms import is_customer_kms_key
from secure_sagemaker._aws.s3uri import bucket_of, is_bucket_name
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.exceptions import PolicyError, UnknownOperationError
from secure_sagemaker.rules import Severity

SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")
SG_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_RULE_ID = re.compile(r"^SM\d{3}$")
ACCOUNT = re.compile(r"^\d{12}$")
KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)/.+$")
ROLE = re.compile(r"^(?:arn:aws[a-z-]*:iam::\d{12}:role/)?[\w+=,.@/-]{1,512}$")
SECRET = re.compile(r"^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[\w/+=.@-]+$")


def _bucket_name(value: str) -> str:
    return bucket_of(value)


def strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if value is None:
        return ()
    return tuple(value)


def check_each(pattern: re.Pattern[str], what: str) -> Any:
    def validate(inst: Any, attribute: attrs.Attribute[Any], value: Iterable[Any]) -> None:
        for item in value:
            if not isinstance(item, str) or not pattern.match(item):
                raise PolicyError(f"each entry must be {what}", key=attribute.name)

    return validate


def check_kms(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not is_customer_kms_key(value):
        raise PolicyError(
            "must be a customer-managed KMS key ID, key ARN, alias or alias ARN "
            "(not an AWS-managed alias/aws/... key)",
            key=attribute.name,
        )


def check_vpc(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _VPC.match(value)):
        raise PolicyError("must be a VPC ID (vpc-...)", key=attribute.name)


def check_waivers(inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for rule_id, why in value.items():
        if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
            raise PolicyError("keys must be rule IDs like SM205", key=f"waivers.{rule_id}")
        if rule_id not in CATALOG:
            raise PolicyError(
                "unknown rule ID (see `secure-sagemaker rules`)", key=f"waivers.{rule_id}"
            )
        if not isinstance(why, str) or not why.strip():
            raise PolicyError(
                "a waiver needs a justification: reason, owner, expiry", key=f"waivers.{rule_id}"
            )


def to_allow_operations(value: Any) -> dict[str, str]:
    """``[{operation = "svc:Op", justification = "..."}]`` (the file's form) or a
    mapping ``{"svc:Op": "justification"}`` -> ``{"svc:Op": justification}``; a bare
    ``Op`` means ``sagemaker:Op``."""
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = []
        for i, entry in enumerate(value):
            if not isinstance(entry, Mapping) or set(entry) - {"operation", "justification"}:
                raise PolicyError(
                    "each entry must be {operation = ..., justification = ...}",
                    key=f"allow_operations[{i}]",
                )
            items.append((entry.get("operation"), entry.get("justification")))
    else:
        raise PolicyError("must be a list of {operation, justification}", key="allow_operations")
    out: dict[str, str] = {}
    for op, why in items:
        if not isinstance(op, str) or not op.strip():
            raise PolicyError("operation must be service:Operation", key="allow_operations")
        name = op.strip() if ":" in op else f"sagemaker:{op.strip()}"
        out[name] = why
    return out


def check_allow_operations(
    inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]
) -> None:
    for name, why in value.items():
        key = f"allow_operations.{name}"
        service, _, operation = name.partition(":")
        if not isinstance(why, str) or not why.strip():
            raise PolicyError(
                "allowing an operation needs a justification: reason, owner, expiry", key=key
            )
        try:
            REGISTRY.resolve(operation, service)
        except UnknownOperationError as err:
            raise PolicyError(str(err), key=key) from None
        kind = REGISTRY.classify(service, operation)
        if kind == "judged":
            raise PolicyError(
                "is judged by rules (see `secure-sagemaker rules`); waive a rule instead", key=key
            )
        if kind == "read":
            raise PolicyError("is read-only: the guard never refuses it", key=key)


def check_session(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1800 <= value <= 43200:
        raise PolicyError("must be a number of seconds from 1800 to 43200", key=attribute.name)


_PRODUCT = re.compile(r"^prod-[a-z0-9]{1,100}$")
_TEMPLATE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?:/[^\s?#@\\]*)?$")


def check_project_templates(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Each entry a Service Catalog product ID or an ``https://`` template URL without
    a query, fragment, user info or ``..`` segment."""
    for item in value:
        ok = isinstance(item, str) and (
            _PRODUCT.match(item) is not None
            or (_TEMPLATE_URL.match(item) is not None and "/../" not in item + "/")
        )
        if not ok:
            raise PolicyError(
                "each entry must be a Service Catalog product ID (prod-...) or an https:// "
                "template URL",
                key=attribute.name,
            )


def check_bool(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise PolicyError("must be true or false", key=attribute.name)


def check_cidrs(inst: Any, attribute: attrs.Attribute[Any], value: Iterable[Any]) -> None:
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except (TypeError, ValueError):
            raise PolicyError(
                "each entry must be a CIDR (203.0.113.0/24)", key=attribute.name
            ) from None


def to_mapping(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def check_justified(key: str) -> Any:
    def validate(inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
        for name, why in value.items():
            if not isinstance(name, str) or not name.strip():
                raise PolicyError("keys must be resource names or ARNs", key=key)
            if not isinstance(why, str) or not why.strip():
                raise PolicyError(
                    "needs a justification: reason, owner, expiry", key=f"{key}.{name}"
                )

    return validate


def check_buckets(inst: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        if not is_bucket_name(item):
            raise PolicyError(
                "each entry must be an S3 bucket name or s3:// URI", key=attribute.name
            )


def to_buckets(value: Any) -> tuple[str, ...]:
    return tuple(_bucket_name(v) if isinstance(v, str) else v for v in strs(value))


def to_severity(value: Any) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as err:
        raise PolicyError(str(err), key="block_at") from None


def check_mode(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in ("enforce", "warn"):
        raise PolicyError('must be "enforce" or "warn"', key="mode")


def to_waivers(value: Mapping[str, str]) -> dict[str, str]:
    return {str(k).upper(): v for k, v in dict(value).items()}
