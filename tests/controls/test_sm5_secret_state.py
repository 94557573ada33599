"""Examples for sm5_secret_state (SM540): one secure and one insecure ``@Secret`` view
per rule, then the edges: trusted accounts, no resource policy, not read."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import ACCOUNT, POLICY
from tests.controls._check import check_example

FOREIGN = "444455556666"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-AbCdEf"
TRUSTED = attrs.evolve(POLICY, trusted_accounts=[ACCOUNT])


def resource_policy(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def secret(**kw: Any) -> dict[str, Any]:
    return {"ARN": SECRET_ARN, "Name": "db", **kw}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM540": (
        "@Secret",
        secret(
            ResourcePolicy=resource_policy(
                {"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
            )
        ),
        secret(ResourcePolicy=resource_policy({"AWS": "*"})),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(params: dict[str, Any], policy: ss.SecurityPolicy = POLICY) -> str:
    found = [f for f in ss.evaluate("@Secret", params, policy) if f.rule_id == "SM540"]
    assert len(found) <= 1
    return found[0].status if found else "-"


@pytest.mark.parametrize(
    ("principal", "policy", "expected"),
    [
        ({"AWS": f"arn:aws:iam::{FOREIGN}:role/reader"}, TRUSTED, "fail"),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, TRUSTED, "pass"),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, POLICY, "fail"),  # none trusted
        ({"Service": "sagemaker.amazonaws.com"}, POLICY, "pass"),
        ("*", TRUSTED, "fail"),
    ],
)
def test_who_a_secret_policy_lets_in(
    principal: Any, policy: ss.SecurityPolicy, expected: str
) -> None:
    assert _status(secret(ResourcePolicy=resource_policy(principal)), policy) == expected


def test_no_policy_passes_and_an_unread_one_gets_no_verdict() -> None:
    assert _status(secret(ResourcePolicy="")) == "pass"
    assert _status(secret()) == "-"


def test_the_failure_names_the_statement_not_the_document() -> None:
    (found,) = [
        f
        for f in ss.evaluate("@Secret", secret(ResourcePolicy=resource_policy("*")), POLICY)
        if f.rule_id == "SM540"
    ]
    assert found.field == "ResourcePolicy.Statement[0].Principal"
    assert "secretsmanager:GetSecretValue" not in found.message
