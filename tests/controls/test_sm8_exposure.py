"""SM8xx examples: API Gateway exposure.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm8_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from secure_sagemaker.controls.sm8_exposure import ACCESS_LOG_FORMAT
from tests._examples_exposure import (
    GEO,
    KEY,
    LOG_GROUP,
    LOG_GROUP_ARN,
    RATE,
    _method,
    _patch,
    _rule,
    _web_acl,
)
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM801": (
        "UpdateStage",
        _patch(
            ("replace", "/accessLogSettings/destinationArn", LOG_GROUP_ARN),
            ("replace", "/accessLogSettings/format", ACCESS_LOG_FORMAT),
        ),
        _patch(("remove", "/accessLogSettings", "")),
    ),
    "SM802": ("PutMethod", _method("AWS_IAM"), _method("NONE")),
    "SM803": (
        "CreateLogGroup",
        {"logGroupName": LOG_GROUP, "kmsKeyId": KEY},
        {"logGroupName": LOG_GROUP},
    ),
    "SM804": ("CreateWebACL", _web_acl(_rule(RATE)), _web_acl(_rule(GEO))),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
