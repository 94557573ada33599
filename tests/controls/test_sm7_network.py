"""SM7xx examples: network and region.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm7_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import training
from tests._examples_vpc import _IGW, _LOCAL, ALL_ENDPOINTS, group_view, subnet_view, vpc_view
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM701": ("CreateTrainingJob", training(), training()),
    "SM702": ("@Subnet", subnet_view(), subnet_view(Routes=[dict(_LOCAL), dict(_IGW)])),
    "SM703": ("@SecurityGroup", group_view("10.0.0.0/16"), group_view("0.0.0.0/0")),
    "SM704": ("@Vpc", vpc_view(), vpc_view(tuple(s for s in ALL_ENDPOINTS if s != "sts"))),
    "SM705": ("@Vpc", vpc_view(), vpc_view(FlowLogs=[])),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
