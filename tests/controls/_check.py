"""Judge one rule's secure and insecure example (shared by every range's examples)."""

from __future__ import annotations

from functools import cache
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG
from tests._examples import POLICY

# the region each example is judged in, where the rule is about the region
REGION_FOR = {"SM701": ("us-east-1", "eu-west-1")}


@cache
def service_model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def _findings(rule_id: str, operation: str, params: dict[str, Any], region: str) -> list[ss.Finding]:
    found = ss.evaluate(operation, params, POLICY, region=region)
    return [f for f in found if f.rule_id == rule_id]


def check_example(rule_id: str, example: tuple[str, dict[str, Any] | None, dict[str, Any]]) -> None:
    """The secure example is a valid request (botocore's own validation) that passes;
    the insecure one fails, at a named field, with the rule's fix."""
    rule = CATALOG.rule(rule_id)
    operation, secure, insecure = example
    assert operation in rule.fields, f"{rule_id} does not judge {operation}"
    good_region, bad_region = REGION_FOR.get(rule_id, ("us-east-1", "us-east-1"))
    if secure is not None and not operation.startswith("@"):
        model = service_model(rule.service if rule.service != "*" else "sagemaker")
        report = ParamValidator().validate(secure, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()
    if secure is not None:
        found = _findings(rule_id, operation, secure, good_region)
        assert found and all(f.status == "pass" for f in found), found
    bad = _findings(rule_id, operation, insecure, bad_region)
    assert any(f.status == "fail" for f in bad), f"{rule_id} did not fail its insecure example"
    failing = next(f for f in bad if f.status == "fail")
    assert failing.field and failing.remediation == rule.remediation
