"""Examples for sm5_secret_guard: one secure and one insecure request per rule, then the
edges: protected secrets by name, prefix and ARN, what allow-deletions lifts, replicas,
and SM502's "a schedule alone is not rotation"."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import ACCOUNT, KEY, POLICY
from tests.controls import _check
from tests.controls._check import check_example

FOREIGN = "444455556666"
PARTNER = "111122223333"
PROTECTED = "prod/db"
ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PROTECTED}-AbCdEf"
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rotator"
GUARDED = attrs.evolve(POLICY, protected_secrets=["prod/"])
TRUSTED = attrs.evolve(GUARDED, trusted_accounts=[ACCOUNT])
EU_KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"


def _policy(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


ORG_ONLY = _policy("*", {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM520": (
        "PutResourcePolicy",
        {"SecretId": "db", "ResourcePolicy": ORG_ONLY, "BlockPublicPolicy": True},
        {"SecretId": "db", "ResourcePolicy": _policy({"AWS": "*"}), "BlockPublicPolicy": True},
    ),
    "SM521": (
        "PutResourcePolicy",
        {"SecretId": "db", "ResourcePolicy": ORG_ONLY, "BlockPublicPolicy": True},
        {"SecretId": "db", "ResourcePolicy": ORG_ONLY, "BlockPublicPolicy": False},
    ),
    "SM522": (
        "DeleteSecret",
        {"SecretId": "db", "RecoveryWindowInDays": 30},
        {"SecretId": "db", "ForceDeleteWithoutRecovery": True},
    ),
    "SM523": (
        "DeleteSecret",
        {"SecretId": "prod/scratch", "RecoveryWindowInDays": 30},
        {"SecretId": PROTECTED, "RecoveryWindowInDays": 30},
    ),
    "SM524": ("CancelRotateSecret", None, {"SecretId": PROTECTED}),
    "SM525": (
        "ReplicateSecretToRegions",
        {"SecretId": "db", "AddReplicaRegions": [{"Region": "us-east-1", "KmsKeyId": KEY}]},
        {"SecretId": "db", "AddReplicaRegions": [{"Region": "us-east-1"}]},
    ),
    "SM526": (
        "ReplicateSecretToRegions",
        {"SecretId": "db", "AddReplicaRegions": [{"Region": "us-east-1", "KmsKeyId": KEY}]},
        {"SecretId": "db", "AddReplicaRegions": [{"Region": "eu-west-1", "KmsKeyId": EU_KEY}]},
    ),
    "SM527": (
        "AssociateCrossAccountReplica",
        {
            "SecretId": "db",
            "CrossAccountReplicaARN": f"arn:aws:secretsmanager:us-east-1:{PARTNER}:secret:db-AbCdEf",
        },
        {
            "SecretId": "db",
            "CrossAccountReplicaARN": f"arn:aws:secretsmanager:us-east-1:{FOREIGN}:secret:db-AbCdEf",
        },
    ),
    "SM528": ("PutSecretValue", None, {"SecretId": PROTECTED, "SecretString": "x"}),
    "SM529": (
        "RotateSecret",
        {
            "SecretId": "db",
            "RotationLambdaARN": LAMBDA,
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
        {
            "SecretId": "db",
            "RotationLambdaARN": "arn:aws:lambda:us-east-1",
            "RotationRules": {"AutomaticallyAfterDays": 30},
        },
    ),
}


# tests/_examples.POLICY protects no secret and trusts no account: these rules are judged
# with it plus protected-secrets (and, for SM527, a trusted partner account)
POLICY_FOR = {
    "SM523": attrs.evolve(
        POLICY,
        protected_secrets=["prod/"],
        allow_deletions={"prod/scratch": "retired, ml-platform, 2027-01"},
    ),
    "SM524": attrs.evolve(POLICY, protected_secrets=["prod/"]),
    "SM527": attrs.evolve(POLICY, trusted_accounts=[ACCOUNT, PARTNER]),
    "SM528": attrs.evolve(POLICY, protected_secrets=["prod/"]),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(
    rule_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_check, "POLICY", POLICY_FOR.get(rule_id, POLICY))
    check_example(rule_id, EXAMPLES[rule_id])


def _status(
    rule_id: str, operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = GUARDED
) -> str:
    """The rule's status on the request, or "-" when it does not apply."""
    found = [
        f
        for f in ss.evaluate(
            operation, params, policy, service="secretsmanager", region="us-east-1"
        )
        if f.rule_id == rule_id
    ]
    return found[0].status if found else "-"


# ------------------------------------------------------------------ protected secrets


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (PROTECTED, "fail"),
        (ARN, "fail"),
        ("prod/api-key", "fail"),
        ("dev/db", "-"),
        ("production", "-"),
    ],
)
def test_protected_secrets_are_matched_by_prefix_and_arn(secret: str, expected: str) -> None:
    assert _status("SM523", "DeleteSecret", {"SecretId": secret}) == expected
    assert (
        _status(
            "SM523",
            "RemoveRegionsFromReplication",
            {"SecretId": secret, "RemoveReplicaRegions": ["eu-west-1"]},
        )
        == expected
    )
    assert _status("SM524", "CancelRotateSecret", {"SecretId": secret}) == expected
    assert _status("SM528", "PutSecretValue", {"SecretId": secret, "SecretString": "x"}) == expected
    assert (
        _status(
            "SM528",
            "UpdateSecretVersionStage",
            {"SecretId": secret, "VersionStage": "AWSCURRENT", "MoveToVersionId": "v1"},
        )
        == expected
    )
    assert _status("SM528", "UpdateSecret", {"SecretId": secret, "SecretString": "x"}) == expected
    assert _status("SM528", "UpdateSecret", {"SecretId": secret, "Description": "d"}) == "-"


@pytest.mark.parametrize(
    ("entry", "secret", "expected"),
    [
        (PROTECTED, PROTECTED, "pass"),
        (PROTECTED, ARN, "pass"),
        (ARN, PROTECTED, "pass"),
        (ARN, ARN, "pass"),
        ("prod/", PROTECTED, "fail"),  # a prefix is not a name
        ("prod/d", ARN, "fail"),
        (f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/other-AbCdEf", PROTECTED, "fail"),
    ],
)
def test_allow_deletions_names_one_secret_exactly(entry: str, secret: str, expected: str) -> None:
    policy = attrs.evolve(GUARDED, allow_deletions={entry: "retired, ml-platform, 2027-01"})
    assert _status("SM523", "DeleteSecret", {"SecretId": secret}, policy) == expected
    forced = {"SecretId": secret, "ForceDeleteWithoutRecovery": True}
    assert _status("SM522", "DeleteSecret", forced, policy) == expected


def test_forced_deletion_is_refused_for_every_secret() -> None:
    assert (
        _status("SM522", "DeleteSecret", {"SecretId": "dev/x", "ForceDeleteWithoutRecovery": True})
        == "fail"
    )
    assert (
        _status("SM522", "DeleteSecret", {"SecretId": "dev/x", "ForceDeleteWithoutRecovery": "yes"})
        == "fail"
    )
    assert (
        _status("SM522", "DeleteSecret", {"SecretId": "dev/x", "ForceDeleteWithoutRecovery": False})
        == "pass"
    )
    assert [
        f.rule_id
        for f in ss.evaluate("DeleteSecret", {"SecretId": "dev/x"}, GUARDED)
        if f.status != "pass"
    ] == []


# ------------------------------------------------------------------ resource policies


@pytest.mark.parametrize(
    ("document", "policy", "expected"),
    [
        (_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}), TRUSTED, "pass"),
        (
            _policy({"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}),
            GUARDED,
            "fail",
        ),  # no trusted: closed
        (_policy({"AWS": f"arn:aws:iam::{FOREIGN}:role/app"}), TRUSTED, "fail"),
        (_policy("*"), TRUSTED, "fail"),
        ("not json", TRUSTED, "fail"),
    ],
)
def test_secret_policies_are_read_by_the_principal_analyzer(
    document: str, policy: ss.SecurityPolicy, expected: str
) -> None:
    params = {"SecretId": "dev/any", "ResourcePolicy": document, "BlockPublicPolicy": True}
    assert _status("SM520", "PutResourcePolicy", params, policy) == expected


def test_block_public_policy_is_filled_in() -> None:
    params = {"SecretId": "db", "ResourcePolicy": ORG_ONLY}
    filled, which = ss.secure_request("PutResourcePolicy", params, POLICY, service="secretsmanager")
    assert filled["BlockPublicPolicy"] is True and ("SM521", "BlockPublicPolicy") in which


# ------------------------------------------------------------------ replicas


@pytest.mark.parametrize(
    ("replica", "expected"),
    [
        ({"Region": "eu-west-1", "KmsKeyId": EU_KEY}, "pass"),
        ({"Region": "eu-west-1", "KmsKeyId": "alias/aws/secretsmanager"}, "fail"),
        ({"Region": "eu-west-1"}, "fail"),
        ({"Region": "eu-west-1", "KmsKeyId": "alias/secrets"}, "pass"),  # in the replica's region
        ({"Region": "us-east-1", "KmsKeyId": "alias/secrets"}, "fail"),  # listed only in eu-west-1
        ("eu-west-1", "fail"),
    ],
)
def test_replica_keys_are_judged_in_the_replica_s_region(replica: Any, expected: str) -> None:
    policy = attrs.evolve(
        GUARDED, allowed_kms_keys=[EU_KEY, f"arn:aws:kms:eu-west-1:{ACCOUNT}:alias/secrets"]
    )
    for operation, params in (
        ("ReplicateSecretToRegions", {"SecretId": "db", "AddReplicaRegions": [replica]}),
        ("CreateSecret", {"Name": "db", "KmsKeyId": EU_KEY, "AddReplicaRegions": [replica]}),
    ):
        assert _status("SM525", operation, params, policy) == expected, operation


def test_replica_regions_follow_allowed_regions_and_secrets_without_replicas_are_not_judged() -> (
    None
):
    add = {"SecretId": "db", "AddReplicaRegions": [{"Region": "eu-west-1", "KmsKeyId": EU_KEY}]}
    assert _status("SM526", "ReplicateSecretToRegions", add) == "fail"
    anywhere = attrs.evolve(GUARDED, allowed_regions=[])
    assert _status("SM526", "ReplicateSecretToRegions", add, anywhere) == "pass"
    assert _status("SM525", "CreateSecret", {"Name": "db", "KmsKeyId": KEY}) == "-"


def test_cross_account_replicas_go_to_trusted_accounts_only() -> None:
    replica = {
        "SecretId": "db",
        "CrossAccountReplicaARN": f"arn:aws:secretsmanager:us-east-1:{FOREIGN}:secret:db-AbCdEf",
    }
    assert _status("SM527", "AssociateCrossAccountReplica", replica, TRUSTED) == "fail"
    partner = attrs.evolve(TRUSTED, trusted_accounts=[ACCOUNT, FOREIGN])
    assert _status("SM527", "AssociateCrossAccountReplica", replica, partner) == "pass"
    assert (
        _status(
            "SM527",
            "AssociateCrossAccountReplica",
            {**replica, "CrossAccountReplicaARN": "db"},
            partner,
        )
        == "fail"
    )


# ------------------------------------------------------------------ rotation (SM502, SM529)


@pytest.mark.parametrize(
    ("request_params", "expected"),
    [
        (
            {
                "SecretId": "db",
                "RotationLambdaARN": LAMBDA,
                "RotationRules": {"AutomaticallyAfterDays": 30},
            },
            "pass",
        ),
        (
            {"SecretId": "db", "RotationRules": {"AutomaticallyAfterDays": 30}},
            "fail",
        ),  # schedule alone
        (
            {
                "SecretId": "db",
                "RotationLambdaARN": "rotator",
                "RotationRules": {"AutomaticallyAfterDays": 30},
            },
            "fail",
        ),
        (
            {"SecretId": "rds!db-0123", "RotationRules": {"AutomaticallyAfterDays": 7}},
            "pass",
        ),  # managed
        (
            {
                "SecretId": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:rds!cluster-1-AbCdEf",
                "RotationRules": {"ScheduleExpression": "rate(10 days)"},
            },
            "pass",
        ),
        (
            {
                "SecretId": "partner",
                "ExternalSecretRotationRoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
                "RotationRules": {"AutomaticallyAfterDays": 30},
            },
            "pass",
        ),
        (
            {
                "SecretId": "db",
                "RotationLambdaARN": LAMBDA,
                "RotationRules": {"AutomaticallyAfterDays": 120},
            },
            "fail",
        ),
        ({"SecretId": "db", "RotateImmediately": True}, "-"),  # rotate now with what is configured
    ],
)
def test_a_schedule_alone_is_not_rotation(request_params: dict[str, Any], expected: str) -> None:
    assert _status("SM502", "RotateSecret", request_params) == expected


def test_the_secret_view_needs_a_rotation_function_too() -> None:
    view = {"Name": "db", "RotationEnabled": True, "RotationRules": {"AutomaticallyAfterDays": 30}}
    assert _status("SM502", "@Secret", view) == "fail"
    assert _status("SM502", "@Secret", {**view, "RotationLambdaARN": LAMBDA}) == "pass"
    assert _status("SM502", "@Secret", {**view, "OwningService": "rds"}) == "pass"


def test_rotation_runs_in_a_trusted_account() -> None:
    rotate = {
        "SecretId": "db",
        "RotationLambdaARN": LAMBDA,
        "RotationRules": {"AutomaticallyAfterDays": 30},
    }
    assert _status("SM529", "RotateSecret", rotate, TRUSTED) == "pass"
    foreign = {**rotate, "RotationLambdaARN": f"arn:aws:lambda:us-east-1:{FOREIGN}:function:x"}
    assert _status("SM529", "RotateSecret", foreign, TRUSTED) == "fail"
    assert _status("SM529", "RotateSecret", foreign, GUARDED) == "pass"  # no list: not judged
    assert _status("SM529", "RotateSecret", {"SecretId": "db"}, TRUSTED) == "-"


def test_no_failure_quotes_the_secret_material() -> None:
    value = "s3cr3t-value-0123456789"
    for operation, params in (
        ("PutSecretValue", {"SecretId": PROTECTED, "SecretString": value}),
        ("UpdateSecret", {"SecretId": PROTECTED, "SecretString": value}),
    ):
        for f in ss.evaluate(operation, params, GUARDED):
            assert value not in f.message and value not in f.field
