"""Examples for sm3_resource_policies: one secure and one insecure request per rule, then
the edges of what a SageMaker resource policy may grant."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import ACCOUNT, POLICY
from tests.controls._check import check_example

FOREIGN = "444455556666"
GROUP = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model-package-group/churn"
ENDPOINT = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/churn"


def _policy(
    principal: Any, actions: list[str], resource: str, condition: dict[str, Any] | None = None
) -> str:
    statement: dict[str, Any] = {
        "Sid": "Share",
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": resource,
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


ORG_ONLY = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
READ = ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
INVOKE = ["sagemaker:InvokeEndpoint"]

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM350": (
        "PutModelPackageGroupPolicy",
        {
            "ModelPackageGroupName": "churn",
            "ResourcePolicy": _policy({"AWS": "*"}, READ, GROUP, ORG_ONLY),
        },
        {"ModelPackageGroupName": "churn", "ResourcePolicy": _policy({"AWS": "*"}, READ, GROUP)},
    ),
    "SM351": (
        "PutEndpointPolicy",
        {
            "EndpointName": "churn",
            "ResourcePolicy": _policy({"AWS": "*"}, INVOKE, ENDPOINT, ORG_ONLY),
        },
        {
            "EndpointName": "churn",
            "ResourcePolicy": _policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, INVOKE, ENDPOINT),
        },
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


TRUSTED = attrs.evolve(POLICY, trusted_accounts=[ACCOUNT])
PARTNER = attrs.evolve(POLICY, trusted_accounts=[ACCOUNT, FOREIGN])


@pytest.mark.parametrize(
    ("principal", "condition", "policy", "expected"),
    [
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, None, TRUSTED, "pass"),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, None, POLICY, "fail"),  # no trusted: closed
        ({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, None, TRUSTED, "fail"),
        ({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, None, PARTNER, "pass"),
        ({"AWS": FOREIGN}, None, TRUSTED, "fail"),
        ("*", None, PARTNER, "fail"),
        ("*", {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}, TRUSTED, "pass"),
        ("*", {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, TRUSTED, "fail"),
        ("*", {"Bool": {"aws:SecureTransport": "true"}}, TRUSTED, "fail"),
    ],
)
def test_both_policies_are_read_by_the_principal_analyzer(
    principal: Any, condition: dict[str, Any] | None, policy: ss.SecurityPolicy, expected: str
) -> None:
    for rule_id, operation, params in (
        (
            "SM350",
            "PutModelPackageGroupPolicy",
            {
                "ModelPackageGroupName": "churn",
                "ResourcePolicy": _policy(principal, READ, GROUP, condition),
            },
        ),
        (
            "SM351",
            "PutEndpointPolicy",
            {
                "EndpointName": "churn",
                "ResourcePolicy": _policy(principal, INVOKE, ENDPOINT, condition),
            },
        ),
    ):
        found = [f for f in ss.evaluate(operation, params, policy) if f.rule_id == rule_id]
        assert [f.status for f in found] == [expected], (rule_id, found)


def test_an_unreadable_policy_fails_closed_and_no_failure_quotes_an_account() -> None:
    (found,) = [
        f
        for f in ss.evaluate(
            "PutEndpointPolicy", {"EndpointName": "e", "ResourcePolicy": "{"}, TRUSTED
        )
        if f.rule_id == "SM351"
    ]
    assert found.status == "fail"
    bad = {
        "ModelPackageGroupName": "churn",
        "ResourcePolicy": _policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, READ, GROUP),
    }
    (found,) = [
        f for f in ss.evaluate("PutModelPackageGroupPolicy", bad, TRUSTED) if f.rule_id == "SM350"
    ]
    assert found.field == "ResourcePolicy.Statement[0].Principal.AWS"
    assert FOREIGN not in found.message and FOREIGN not in found.field


def test_deleting_either_policy_is_still_refused_as_unknown() -> None:
    for operation, params in (
        ("DeleteEndpointPolicy", {"EndpointName": "e"}),
        ("DeleteModelPackageGroupPolicy", {"ModelPackageGroupName": "g"}),
    ):
        assert [f.rule_id for f in ss.evaluate(operation, params, POLICY)] == ["SM000"]
