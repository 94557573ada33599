"""The principal analyzer: who a resource policy lets in, read the way IAM reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.controls._principals import analyze, normalize_action, resource_policy_check
from secure_sagemaker.rules import MISSING, Context

OWN = "111111111111"
OTHER = "222222222222"
TRUSTED = (OWN,)


def allow(principal: Any = "*", **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
        **extra,
    }


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def access(*statements: dict[str, Any]) -> str:
    return analyze(doc(*statements), TRUSTED).access


def cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", "public"),
        ({"AWS": "*"}, "public"),
        ({"AWS": ["*"]}, "public"),
        ({"AWS": [f"arn:aws:iam::{OWN}:root", "*"]}, "public"),
        ({"AWS": "arn:aws:iam::*:root"}, "public"),
        ({"AWS": OTHER}, "cross-account"),
        ({"AWS": f"arn:aws:iam::{OTHER}:role/reader"}, "cross-account"),
        ({"AWS": f"arn:aws:iam::{OTHER}:user/bob"}, "cross-account"),
        ({"AWS": f"arn:aws:sts::{OTHER}:assumed-role/r/s"}, "cross-account"),
        ({"AWS": "AROAEXAMPLEUNIQUEID12"}, "cross-account"),  # a deleted role's unique ID
        ({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, "cross-account"),
        ({"AWS": OWN}, "private"),
        ({"AWS": [f"arn:aws:iam::{OWN}:root", f"arn:aws:iam::{OWN}:role/ml"]}, "private"),
        ({"Service": "logging.s3.amazonaws.com"}, "private"),
        ({"Service": ["sagemaker.amazonaws.com", "cloudtrail.amazonaws.com"]}, "private"),
        ({"Federated": f"arn:aws:iam::{OWN}:saml-provider/corp"}, "private"),
        ({"Federated": "accounts.google.com"}, "public"),
        ({"Unknown": "x"}, "public"),
        ({"AWS": 111111111111}, "public"),  # not a string: cannot be read
        ({"AWS": []}, "private"),  # names nobody
    ],
)
def test_principals(principal: Any, expected: str) -> None:
    assert access(allow(principal)) == expected


def test_principal_type_keys_are_case_insensitive() -> None:
    assert access(allow({"aws": OTHER})) == "cross-account"
    assert access(allow({"service": "sagemaker.amazonaws.com"})) == "private"


def test_a_trusted_account_list_decides_cross_account() -> None:
    assert analyze(doc(allow({"AWS": OTHER})), (OWN, OTHER)).access == "private"
    # fail closed: no trusted account at all, every account is another account
    assert analyze(doc(allow({"AWS": OWN})), ()).access == "cross-account"


def test_not_principal_with_allow_is_everyone_except() -> None:
    st = {"Effect": "Allow", "NotPrincipal": {"AWS": OWN}, "Action": "*", "Resource": "*"}
    exposure = analyze(doc(st), TRUSTED)
    assert (exposure.access, exposure.where) == ("public", "Statement[0].NotPrincipal")


def test_deny_statements_never_open_anything() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "NotPrincipal": {"AWS": OTHER},
    }
    assert access(deny) == "private"
    assert access(deny, allow({"AWS": OTHER})) == "cross-account"
    assert access({**allow(), "Effect": "deny"}) == "private"  # case-insensitive


def test_an_empty_policy_grants_nothing() -> None:
    assert access() == "private"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("StringEquals", "aws:SourceAccount", OWN), "private"),
        (cond("StringEquals", "aws:SourceAccount", [OWN, OTHER]), "cross-account"),
        (cond("StringEquals", "aws:SourceAccount", OTHER), "cross-account"),
        (cond("StringEquals", "aws:PrincipalAccount", OWN), "private"),
        (cond("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"), "private"),
        (
            cond("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/*"),
            "private",
        ),
        (cond("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d"), "private"),
        (cond("StringEquals", "aws:SourceVpc", "vpc-1a2b3c4d"), "private"),
        (cond("StringEquals", "aws:SourceOwner", OWN), "private"),
        (
            cond("ArnLike", "aws:SourceArn", f"arn:aws:cloudtrail:us-east-1:{OWN}:trail/*"),
            "private",
        ),
        (cond("ArnEquals", "aws:SourceArn", f"arn:aws:sns:us-east-1:{OTHER}:t"), "cross-account"),
        (cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::some-bucket"), "cross-account"),
        (cond("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{OWN}:role/ml-*"), "private"),
        (cond("StringEquals", "kms:CallerAccount", OWN), "private"),
        # case-insensitive operators and keys
        (cond("stringequals", "AWS:SOURCEACCOUNT", OWN), "private"),
        # do not narrow: IfExists (absent key matches), ForAllValues (absent key matches),
        # negated operators, wildcards in the account/organisation, variables
        (cond("StringEqualsIfExists", "aws:SourceVpce", "vpce-1a2b3c4d"), "public"),
        (cond("ForAllValues:StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"), "public"),
        (cond("StringNotEquals", "aws:PrincipalAccount", OTHER), "public"),
        (cond("StringLike", "aws:PrincipalAccount", "1111*"), "public"),
        (cond("StringLike", "aws:PrincipalOrgID", "o-*"), "public"),
        (cond("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-1:*:t"), "public"),
        (cond("StringLike", "aws:SourceArn", "arn:*"), "public"),
        (cond("StringEquals", "aws:SourceAccount", "${aws:PrincipalAccount}"), "public"),
        # conditions that do not restrict who the principal is
        (cond("Bool", "aws:SecureTransport", "true"), "public"),
        (cond("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z"), "public"),
        (cond("StringEquals", "s3:x-amz-server-side-encryption", "aws:kms"), "public"),
        ({"Condition": "not an object"}, "public"),
    ],
)
def test_conditions_narrow_a_wildcard_principal(condition: dict[str, Any], expected: str) -> None:
    assert access(allow("*", **condition)) == expected


def test_conditions_are_anded_the_narrowest_wins() -> None:
    both = {
        "Condition": {
            "StringEquals": {"aws:SourceAccount": OTHER, "aws:PrincipalOrgID": "o-a1b2c3d4e5"},
            "Bool": {"aws:SecureTransport": "true"},
        }
    }
    assert access(allow("*", **both)) == "private"


def test_a_condition_on_the_caller_narrows_an_account_principal_a_source_does_not() -> None:
    org = cond("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5")
    vpce = cond("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d")
    assert access(allow({"AWS": OTHER}, **org)) == "private"
    assert access(allow({"AWS": OTHER}, **vpce)) == "cross-account"


def test_a_narrowed_foreign_condition_names_the_condition() -> None:
    exposure = analyze(doc(allow("*", **cond("StringEquals", "aws:SourceAccount", OTHER))), TRUSTED)
    assert exposure.where == "Statement[0].Condition.StringEquals.aws:SourceAccount"
    assert OTHER not in exposure.reason


def test_web_identity_with_an_audience_condition_is_cross_account() -> None:
    aud = cond("StringEquals", "accounts.google.com:aud", "my-app")
    assert access(allow({"Federated": "accounts.google.com"}, **aud)) == "cross-account"


def test_the_widest_statement_wins_and_where_names_it() -> None:
    exposure = analyze(doc(allow({"AWS": OWN}), allow({"AWS": OTHER}), allow("*")), TRUSTED)
    assert (exposure.access, exposure.where) == ("public", "Statement[2].Principal")
    assert "*" in exposure.reason and OWN not in exposure.reason


def test_a_single_statement_object_and_a_parsed_mapping_are_read() -> None:
    single = {"Version": "2012-10-17", "Statement": allow({"AWS": OTHER})}
    exposure = analyze(single, TRUSTED)
    assert (exposure.access, exposure.where) == ("cross-account", "Statement.Principal.AWS")


@pytest.mark.parametrize(
    "document",
    [
        "{not json",
        "[]",
        '{"Version": "2012-10-17"}',
        '{"Statement": "x"}',
        '{"Statement": ["x"]}',
        b'{"Statement": []}',
        None,
        MISSING,
        "[" * 100_000,
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "*"}]}),  # no Principal
    ],
)
def test_an_unreadable_document_is_public(document: object) -> None:
    assert analyze(document, TRUSTED).access == "public"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("s3:**", "s3:*"),
        ("s3:?*", "s3:*"),
        ("s3:*?", "s3:*"),
        ("s3:*", "s3:*"),
        ("S3:*", "s3:*"),
        ("kms:*?*", "kms:*"),
        ("*", "*"),
        ("**", "*"),
        ("*:*", "*"),
        ("*:**", "*"),
        ("s3:Get*", "s3:Get*"),
        ("s3:?", "s3:?"),  # one character: not every action
        ("KMS:Decrypt", "kms:Decrypt"),
    ],
)
def test_normalize_action(action: str, expected: str) -> None:
    assert normalize_action(action) == expected


def _ctx(trusted: tuple[str, ...] = TRUSTED) -> Context:
    return Context(ss.SecurityPolicy(trusted_accounts=trusted), {}, "PutBucketPolicy")


def test_resource_policy_check_fails_public_and_cross_account_naming_where() -> None:
    check = resource_policy_check("bucket policy")
    assert check(doc(allow({"AWS": OWN})), _ctx()).passed
    verdict = check(doc(allow({"AWS": OWN}), allow({"AWS": OTHER})), _ctx())
    assert not verdict.passed and verdict.at == "Statement[1].Principal.AWS"
    assert "bucket policy cross-account" in verdict.reason and OTHER not in verdict.reason
    verdict = check(doc(allow()), _ctx())
    assert not verdict.passed and "public" in verdict.reason
    assert not check(MISSING, _ctx()).passed
    assert not check("{", _ctx()).passed


def big_bucket_policy(size: int = 20 * 1024) -> str:
    """A realistic bucket policy of ``size`` bytes: per-role grants, service grants
    pinned by aws:SourceAccount, the TLS and SSE denies."""
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    i = 0
    while len(doc(*statements)) < size:
        statements.append(
            allow(
                {"AWS": f"arn:aws:iam::{OWN}:role/team-{i}"},
                Sid=f"Team{i}",
                Resource=f"arn:aws:s3:::b/team-{i}/*",
            )
        )
        statements.append(
            allow(
                {"Service": "logging.s3.amazonaws.com"},
                **cond("StringEquals", "aws:SourceAccount", OWN),
            )
        )
        i += 1
    return doc(*statements)


def test_a_20_kib_bucket_policy_and_20_000_principals_are_read() -> None:
    """Timing is benchmarks/evaluate.py's (a 20 KiB policy in < 1 ms); here, results."""
    policy = big_bucket_policy()
    assert len(policy) >= 20 * 1024
    assert analyze(policy, TRUSTED).access == "private"
    many = allow(
        {"AWS": [f"arn:aws:iam::{OWN}:role/r{i}" for i in range(20_000)] + [OTHER]},
        **cond("StringEquals", "aws:PrincipalOrgID", ["o-a1b2c3d4e5"] * 20_000),
    )
    assert access(many) == "private"
    del many["Condition"]
    assert analyze(doc(many), TRUSTED).where == "Statement[0].Principal.AWS[20000]"
