"""SM6xx examples: CloudTrail (the IAM policy examples are in tests/test_iam_rules.py).

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm6_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples_account import TRAIL, account
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM680": ("@Account", account(), account(Trails=[{**TRAIL, "IsMultiRegionTrail": False}])),
    "SM681": (
        "@Account",
        account(),
        account(Trails=[{**TRAIL, "LogFileValidationEnabled": False}]),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
