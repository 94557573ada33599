"""SM5xx examples: Secrets Manager and credentials in requests.

One secure and one insecure request (or resource view) per rule, beside the rule's
ID range (``secure_sagemaker/controls/sm5_*.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests._examples import ACCOUNT, KEY, NOW, training
from tests.controls._check import check_example

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM501": (
        "CreateSecret",
        {"Name": "db", "SecretString": "x", "KmsKeyId": KEY},
        {"Name": "db", "SecretString": "x"},
    ),
    "SM502": (
        "RotateSecret",
        {
            "SecretId": "db",
            "RotationLambdaARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rotator",
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
        {"SecretId": "db", "RotationRules": {"ScheduleExpression": "rate(180 days)"}},
    ),
    "SM503": (
        "@Secret",
        {
            "CreatedDate": NOW - timedelta(days=400),
            "LastRotatedDate": NOW - timedelta(days=10),
            "AssessedAt": NOW,
        },
        {
            "CreatedDate": NOW - timedelta(days=400),
            "LastRotatedDate": NOW - timedelta(days=120),
            "AssessedAt": NOW,
        },
    ),
    "SM504": (
        "@Secret",
        {
            "CreatedDate": NOW - timedelta(days=400),
            "LastAccessedDate": NOW - timedelta(days=1),
            "AssessedAt": NOW,
        },
        {"CreatedDate": NOW - timedelta(days=400), "AssessedAt": NOW},
    ),
    "SM510": (
        "CreateTrainingJob",
        training(Environment={"DB_PASSWORD": "secretsmanager:prod/db"}),
        training(HyperParameters={"api_key": '"sk-live-0123456789abcdefghijk"'}),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])
