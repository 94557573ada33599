"""SM14x examples: partner AI app arguments and identity.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm1_partner_apps.py``); tests/test_catalog.py checks
every catalog rule has one."""

from __future__ import annotations

from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import POLICY
from tests.controls._check import check_example

APP = "arn:aws:sagemaker:us-east-1:123456789012:partner-app/app-abcdef123456"


def update(**kw: Any) -> dict[str, Any]:
    return {"Arn": APP, **kw}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM140": (
        "UpdatePartnerApp",
        update(ApplicationConfig={"Arguments": {"mlflow_url": "https://mlflow.internal"}}),
        update(ApplicationConfig={"Arguments": {"api_key": "sk-live-1234567890abcdefghij"}}),
    ),
    "SM141": (
        "UpdatePartnerApp",
        update(EnableIamSessionBasedIdentity=True),
        update(EnableIamSessionBasedIdentity=False),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def test_an_update_that_touches_neither_is_judged_and_passes() -> None:
    found = ss.evaluate("UpdatePartnerApp", update(Tier="small"), POLICY)
    assert [f for f in found if f.failed] == []


def test_create_partner_app_arguments_are_scanned_without_quoting() -> None:
    params = {
        "Name": "app",
        "Type": "comet",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/r",
        "Tier": "small",
        "AuthType": "IAM",
        "ApplicationConfig": {"Arguments": {"api_key": "sk-live-1234567890abcdefghij"}},
    }
    (finding,) = [
        f for f in ss.evaluate("CreatePartnerApp", params, POLICY) if f.rule_id == "SM140"
    ]
    assert finding.failed and finding.field.endswith("Arguments.api_key")
    assert "sk-live" not in finding.message
