"""KMS key identifiers: which ones name a customer-managed key."""

from __future__ import annotations

import re

__all__ = ["is_customer_kms_key"]

_KEY_ID = r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
_ALIAS = r"alias/[A-Za-z0-9/_-]+"
_KMS = re.compile(
    rf"^(?:{_KEY_ID}|{_ALIAS}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(?:key/{_KEY_ID}|{_ALIAS}))$"
)


def is_customer_kms_key(value: object) -> bool:
    """True for a KMS key ID, key ARN, alias or alias ARN that is not an AWS-managed
    ``alias/aws/...`` key."""
    return isinstance(value, str) and bool(_KMS.match(value)) and "alias/aws/" not in value
