"""SM0xx examples: the registry's verdicts (these rules judge no field, so each insecure
example is a request of an unclassified operation or of an unjudgeable shape)."""

from __future__ import annotations

from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.controls.sm0_operations import (
    NOT_JUDGEABLE,
    UNKNOWN_OPERATION,
    UNKNOWN_OPERATION_UNPROTECTED,
)
from tests._examples import POLICY, training


def _nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        node["a"] = {}
        node = node["a"]
    return root


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM000": ("DeleteModelCard", None, {"ModelCardName": "h"}),
    "SM001": ("DeleteFlowLogs", None, {"FlowLogIds": ["fl-0123456789abcdef0"]}),
    "SM002": ("CreateTrainingJob", training(), {**training(), "Environment": _nested(200)}),
}


def test_the_constants_name_the_rules() -> None:
    names = {CATALOG.rule(i).name for i in (UNKNOWN_OPERATION, UNKNOWN_OPERATION_UNPROTECTED, NOT_JUDGEABLE)}
    assert names == {"operation-not-classified", "operation-not-classified-logged", "request-judgeable"}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_example(rule_id: str) -> None:
    operation, secure, insecure = EXAMPLES[rule_id]
    found = [f for f in ss.evaluate(operation, insecure, POLICY) if f.rule_id == rule_id]
    assert [f.status for f in found] == ["fail"]
    assert found[0].remediation and "a" * 3 not in found[0].message
    if secure is not None:
        assert not [f for f in ss.evaluate(operation, secure, POLICY) if f.rule_id == rule_id]
