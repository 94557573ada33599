"""SM6xx rules and lint_policy: every wildcard, exclusion, PassRole, managed-policy and
trust-policy case; the builder's output lints clean; the condition-key table is sound."""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest

from secure_sagemaker import PolicyError, SecurityPolicy, evaluate
from secure_sagemaker.controls import CATALOG, _principals
from secure_sagemaker.controls._policy_document import BROAD_MANAGED_POLICIES, normalize_action
from secure_sagemaker.controls.iam_condition_keys import CONDITION_KEYS, SOURCE, current
from secure_sagemaker.controls.sm6_iam import RULES
from secure_sagemaker.iam import execution_role_policy, lint_policy, trust_policy

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
EXECUTION_ROLE = "ml-train"
#: the policy the examples are judged with: SM611 protects the execution roles it names
POLICY = SecurityPolicy(execution_roles=[EXECUTION_ROLE], trusted_accounts=[ACCOUNT])


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


GOOD = doc(
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::ml-bucket/team/*"}
)
TRUST = json.dumps(trust_policy(ACCOUNT))
UNSAFE_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

#: (operation, secure params, insecure params) per SM6xx rule - for tests/_examples.py
EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM601": (
        "CreatePolicy",
        {"PolicyName": "p", "PolicyDocument": GOOD},
        {
            "PolicyName": "p",
            "PolicyDocument": doc(
                {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}
            ),
        },
    ),
    "SM602": (
        "PutRolePolicy",
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": GOOD},
        {
            "RoleName": "r",
            "PolicyName": "p",
            "PolicyDocument": doc(
                {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}
            ),
        },
    ),
    "SM603": (
        "CreatePolicy",
        {"PolicyName": "p", "PolicyDocument": GOOD},
        {
            "PolicyName": "p",
            "PolicyDocument": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
        },
    ),
    "SM604": (
        "CreatePolicyVersion",
        {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/p", "PolicyDocument": GOOD},
        {
            "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/p",
            "PolicyDocument": doc(
                {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"}
            ),
        },
    ),
    "SM605": (
        "CreatePolicy",
        {
            "PolicyName": "p",
            "PolicyDocument": doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/ml",
                    "Condition": {
                        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
                    },
                }
            ),
        },
        {
            "PolicyName": "p",
            "PolicyDocument": doc(
                {
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/ml",
                }
            ),
        },
    ),
    "SM606": (
        "AttachRolePolicy",
        {"RoleName": "r", "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/ml-least-privilege"},
        {"RoleName": "r", "PolicyArn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"},
    ),
    "SM607": (
        "CreateRole",
        {
            "RoleName": "r",
            "AssumeRolePolicyDocument": TRUST,
            "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b",
        },
        {"RoleName": "r", "AssumeRolePolicyDocument": UNSAFE_TRUST},
    ),
    "SM608": (
        "CreateRole",
        {
            "RoleName": "r",
            "AssumeRolePolicyDocument": TRUST,
            "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b",
        },
        {"RoleName": "r", "AssumeRolePolicyDocument": TRUST},
    ),
    "SM609": (
        "UpdateAssumeRolePolicy",
        {"RoleName": "r", "PolicyDocument": TRUST},
        {
            "RoleName": "r",
            "PolicyDocument": doc(
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
            ),
        },
    ),
    "SM610": (
        "SetDefaultPolicyVersion",
        None,  # nothing in the request can show the stored version is safe
        {"PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/ml-least-privilege", "VersionId": "v1"},
    ),
    "SM611": (
        "PutRolePermissionsBoundary",
        {"RoleName": "ci-builder", "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"},
        {"RoleName": EXECUTION_ROLE, "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"},
    ),
    "SM612": (
        "DeleteRolePermissionsBoundary",
        None,  # removing a boundary only ever widens a role
        {"RoleName": "ci-builder"},
    ),
}


def failed(document: Any) -> dict[str, str]:
    return {f.rule_id: f.field for f in lint_policy(document) if f.failed}


def test_every_sm6_rule_is_in_the_catalog_with_iam_service() -> None:
    ids = {r.id for r in CATALOG}
    assert {r.id for r in RULES} <= ids
    assert all(r.service == "iam" and r.id.startswith("SM6") for r in RULES)
    assert set(EXAMPLES) == {r.id for r in RULES}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_examples_pass_and_fail(rule_id: str) -> None:
    operation, secure, insecure = EXAMPLES[rule_id]
    model = botocore.session.get_session().get_service_model("iam")
    from botocore.validate import ParamValidator

    for params in (secure, insecure):
        if params is None:
            continue
        report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()
    if secure is not None:
        good = [f for f in evaluate(operation, secure, POLICY) if f.rule_id == rule_id]
        assert all(f.status == "pass" for f in good)
        assert good or CATALOG.rule(rule_id).applies is not None  # out of its scope
    bad = [f for f in evaluate(operation, insecure, POLICY) if f.rule_id == rule_id]
    assert bad and bad[0].status == "fail" and bad[0].remediation


def test_builder_output_lints_clean() -> None:
    policy = execution_role_policy(
        account_id=ACCOUNT,
        region="us-east-1",
        artifact_stores=["s3://ml-artifacts/team-a", "s3://ml-models"],
        s3_prefixes="s3://ml-data/raw/2024",
        kms_keys=KEY,
        secrets=["prod/db", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:api-AbCdEf"],
        ecr_repositories="train",
        vpc_id="vpc-0123456789abcdef0",
        subnets=["subnet-0123456789abcdef0"],
        security_groups="sg-0123456789abcdef0",
    )
    findings = lint_policy(policy)
    assert {f.rule_id for f in findings} == {"SM601", "SM602", "SM603", "SM604", "SM605"}
    assert not [f for f in findings if f.failed], findings
    assert len(json.dumps(policy, separators=(",", ":"))) <= 10240  # inline role policy limit


def test_builder_scopes_each_resource_kind() -> None:
    policy = execution_role_policy(
        account_id=ACCOUNT,
        region="eu-west-1",
        artifact_stores="s3://b/p",
        kms_keys=KEY,
        secrets="db",
        vpc=False,
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["WriteArtifacts"]["Resource"] == ["arn:aws:s3:::b/p/*"]
    assert by_sid["ListArtifactPrefixes0"]["Condition"] == {
        "StringLike": {"s3:prefix": ["p", "p/*"]}
    }
    kms = by_sid["UseKmsKeysThroughServices"]
    assert kms["Resource"] == [KEY]
    assert "ec2.eu-west-1.amazonaws.com" not in kms["Condition"]["StringEquals"]["kms:ViaService"]
    assert by_sid["ReadNamedSecrets"]["Resource"] == [
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:db-??????"
    ]
    metrics = by_sid["PublishSageMakerMetrics"]
    assert metrics["Condition"]["StringLike"]["cloudwatch:namespace"]
    assert not any(s["Sid"].endswith("NetworkInterfaces") for s in policy["Statement"])


def test_builder_vpc_actions_are_conditioned_on_the_vpc() -> None:
    policy = execution_role_policy(
        account_id=ACCOUNT, region="us-east-1", vpc_id="vpc-0123456789abcdef0"
    )
    enis = [s for s in policy["Statement"] if s["Sid"].endswith("NetworkInterfaces")]
    assert len(enis) == 2
    for s in enis:
        assert s["Condition"] == {
            "ArnEquals": {"ec2:Vpc": f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/vpc-0123456789abcdef0"}
        }


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"account_id": "12345"}, "account_id"),
        ({"region": "mars"}, "region"),
        ({"kms_keys": "alias/team"}, "kms"),
        ({"artifact_stores": "s3:///nobucket"}, "s3"),
    ],
)
def test_builder_refuses_malformed_input_without_echoing_it(
    kwargs: dict[str, Any], key: str
) -> None:
    args: dict[str, Any] = {"account_id": ACCOUNT, "region": "us-east-1", **kwargs}
    with pytest.raises(PolicyError) as err:
        execution_role_policy(**args)
    assert err.value.key == key
    for value in kwargs.values():
        assert value not in str(err.value)


@pytest.mark.parametrize(
    ("statement", "rule", "at"),
    [
        (
            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"},
            "SM601",
            "Statement[0].Action",
        ),
        (
            {"Effect": "Allow", "Action": ["*:*"], "Resource": "arn:aws:s3:::b/*"},
            "SM601",
            "Statement[0].Action",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "sagemaker:*",
                "Resource": "arn:aws:sagemaker:*:*:training-job/x",
            },
            "SM602",
            "Statement[0].Action",
        ),
        (
            {"Effect": "Allow", "Action": ["s3:GetObject", "S3:*"], "Resource": "arn:aws:s3:::b/*"},
            "SM602",
            "Statement[0].Action",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            "SM603",
            "Statement[0].Resource",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"},
            "SM603",
            "Statement[0].Resource",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"},
            "SM603",
            "Statement[0].Resource",
        ),
        (
            {
                "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken", "s3:ListAllMyBuckets"],
                "Resource": "*",
            },
            "SM603",
            "Statement[0].Resource",
        ),
        (
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b/*"},
            "SM604",
            "Statement[0].NotAction",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"},
            "SM604",
            "Statement[0].NotResource",
        ),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/x"},
            "SM605",
            "Statement[0].Condition",
        ),
        (
            {"Effect": "Allow", "Action": "iam:Pass*", "Resource": "arn:aws:iam::1:role/x"},
            "SM605",
            "Statement[0].Condition",
        ),
        (
            {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::1:role/x"},
            "SM605",
            "Statement[0].Condition",
        ),
        (
            {"Effect": "Allow", "NotAction": "s3:*", "Resource": "arn:aws:iam::1:role/x"},
            "SM605",
            "Statement[0].Condition",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::1:role/x",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            },
            "SM605",
            "Statement[0].Condition",
        ),
    ],
)
def test_lint_catches_each_case_at_its_statement(
    statement: dict[str, Any], rule: str, at: str
) -> None:
    fields = failed({"Version": "2012-10-17", "Statement": [statement]})
    assert fields.get(rule) == f"PolicyDocument.{at}"


def test_lint_allows_resource_star_only_for_actions_without_resource_scope() -> None:
    ok = {
        "Effect": "Allow",
        "Action": ["ecr:GetAuthorizationToken", "ec2:DescribeSubnets"],
        "Resource": "*",
    }
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}  # a Deny is never a grant
    assert failed({"Version": "2012-10-17", "Statement": [ok, deny]}) == {}


def test_passrole_with_passed_to_service_passes() -> None:
    st = {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": "arn:aws:iam::1:role/x",
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
    }
    assert "SM605" not in failed({"Version": "2012-10-17", "Statement": st})


def test_later_failures_are_counted_and_messages_quote_no_values() -> None:
    secret_bucket = "arn:aws:s3:::very-private-bucket-name/*"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": secret_bucket},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        ],
    }
    findings = [f for f in lint_policy(document) if f.failed]
    sm602 = next(f for f in findings if f.rule_id == "SM602")
    assert sm602.field == "PolicyDocument.Statement[1].Action"
    assert "(and 1 more)" in sm602.message
    assert not any("very-private" in f.message or "very-private" in f.field for f in findings)


@pytest.mark.parametrize("bad", ["{not json", json.dumps(["a list"]), 42])
def test_malformed_documents_fail_every_document_rule(bad: Any) -> None:
    findings = evaluate("CreatePolicy", {"PolicyName": "p", "PolicyDocument": bad})
    sm6 = [f for f in findings if f.rule_id.startswith("SM6")]
    assert len(sm6) == 5 and all(f.failed for f in sm6)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/job-function/../AdministratorAccess",
    ],
)
def test_broad_managed_policies_are_caught(arn: str) -> None:
    found = [
        f
        for f in evaluate("AttachRolePolicy", {"RoleName": "r", "PolicyArn": arn})
        if f.rule_id == "SM606"
    ]
    assert found and found[0].failed


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/AmazonSageMakerReadOnly",
        f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess",  # a customer policy: linted by content
    ],
)
def test_narrow_or_customer_policies_pass_the_managed_rule(arn: str) -> None:
    found = [
        f
        for f in evaluate("AttachRolePolicy", {"RoleName": "r", "PolicyArn": arn})
        if f.rule_id == "SM606"
    ]
    assert found and not found[0].failed


def test_trust_policy_rule_accepts_any_confused_deputy_key_and_ignores_account_principals() -> None:
    org = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["sagemaker.amazonaws.com"]},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceOrgID": "o-abc"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    for op, field in (
        ("CreateRole", "AssumeRolePolicyDocument"),
        ("UpdateAssumeRolePolicy", "PolicyDocument"),
    ):
        found = [
            f
            for f in evaluate(op, {"RoleName": "r", field: json.dumps(org)})
            if f.rule_id == "SM607"
        ]
        assert found and not found[0].failed
        bad = [
            f for f in evaluate(op, {"RoleName": "r", field: UNSAFE_TRUST}) if f.rule_id == "SM607"
        ]
        assert bad[0].failed and bad[0].field == f"{field}.Statement[0].Condition"


def test_trust_policy_builder_carries_source_arn() -> None:
    trust = trust_policy(
        ACCOUNT, source_arns=[f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/*"]
    )
    cond = trust["Statement"][0]["Condition"]
    assert cond["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert cond["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/*"
    }


# ----------------------------------------------------------------- condition-key table

SAGEMAKER_OPS = frozenset(
    botocore.session.get_session().get_service_model("sagemaker").operation_names
)


def test_condition_key_table_names_real_actions_and_keys() -> None:
    assert "list_amazonsagemaker" in SOURCE
    for name, key in CONDITION_KEYS.items():
        assert re.fullmatch(r"sagemaker:[A-Z][A-Za-z]+", name), name
        assert key.name == name and key.actions, name
        unknown = key.actions - SAGEMAKER_OPS
        assert not unknown, f"{name}: not sagemaker operations: {sorted(unknown)}"
        assert all(a.startswith(("Create", "Update")) for a in key.actions), name
        if key.replaced_by:
            assert (
                key.replaced_by in CONDITION_KEYS
                and not CONDITION_KEYS[key.replaced_by].replaced_by
            )


def test_condition_key_table_agrees_with_the_reference_on_key_facts() -> None:
    # spot checks against controls.md section 5 and the Service Authorization Reference
    assert CONDITION_KEYS["sagemaker:DirectInternetAccess"].actions == {"CreateNotebookInstance"}
    assert CONDITION_KEYS["sagemaker:RootAccess"].actions == {
        "CreateNotebookInstance",
        "UpdateNotebookInstance",
    }
    assert "CreateTransformJob" not in CONDITION_KEYS["sagemaker:VpcSubnets"].actions
    assert "CreateEndpointConfig" not in CONDITION_KEYS["sagemaker:OutputKmsKeyArn"].actions
    assert "CreateEndpointConfig" in CONDITION_KEYS["sagemaker:VolumeKmsKeyArn"].actions
    assert current("sagemaker:VolumeKmsKey") is CONDITION_KEYS["sagemaker:VolumeKmsKeyArn"]
    assert current("sagemaker:Nope") is None


def test_every_sagemaker_key_the_catalog_cites_is_in_the_table() -> None:
    cited = {
        ref.removeprefix("IAM:")
        for rule in CATALOG
        for ref in rule.references
        if ref.startswith("IAM:sagemaker:")
    }
    assert cited and all(current(k) is not None for k in cited), sorted(
        k for k in cited if current(k) is None
    )


# ----------------------------------------------------------------- wildcard spellings


@pytest.mark.parametrize(
    ("action", "rule"),
    [
        ("s3:**", "SM602"),
        ("s3:?*", "SM602"),
        ("kms:*?", "SM602"),
        ("KMS:*??", "SM602"),
        ("secretsmanager:***", "SM602"),
        ("s3*", "SM602"),  # no colon: IAM refuses it, judged as spanning a service
        ("**", "SM601"),
        ("?*", "SM601"),
        ("*?", "SM601"),
        ("*:**", "SM601"),
        ("?*:*", "SM601"),
        ("*:GetObject", "SM601"),
    ],
)
def test_every_spelling_of_a_wildcard_action_is_judged_like_it(action: str, rule: str) -> None:
    statement = {
        "Effect": "Allow",
        "Action": ["s3:GetObject", action],
        "Resource": "arn:aws:s3:::b/*",
    }
    assert failed({"Version": "2012-10-17", "Statement": [statement]}).get(rule) == (
        "PolicyDocument.Statement[0].Action"
    )


@pytest.mark.parametrize("action", ["s3:GetObject", "s3:Get*", "s3:*Object", "s3:?etObject", "s3:"])
def test_narrower_wildcards_are_not_service_wildcards(action: str) -> None:
    statement = {"Effect": "Allow", "Action": action, "Resource": "arn:aws:s3:::b/*"}
    found = failed({"Version": "2012-10-17", "Statement": [statement]})
    assert "SM601" not in found and "SM602" not in found


@pytest.mark.parametrize(
    "action",
    ["s3:**", "s3:?*", "S3:*?", "**", "*:*", "?*", "*:Get*", "s3*", "s3:Get*", "iam:PassRole", "x"],
)
def test_normalize_action_agrees_with_the_principal_analyzer(action: str) -> None:
    assert _principals.normalize_action is normalize_action  # one definition
    assert normalize_action(normalize_action(action)) == normalize_action(action)


def test_normalize_action_is_linear_on_long_patterns() -> None:
    assert normalize_action("s3:" + "*?" * 200_000) == "s3:*"
    assert normalize_action("*" * 400_000 + ":x") == "*" * 400_000 + ":x"


# ----------------------------------------------------------------- trust policies (SM609)


def trust(principal: Any, **condition: Any) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def sm609(document: str, policy: SecurityPolicy = POLICY) -> Any:
    for op, field in (
        ("CreateRole", "AssumeRolePolicyDocument"),
        ("UpdateAssumeRolePolicy", "PolicyDocument"),
    ):
        found = [
            f
            for f in evaluate(op, {"RoleName": "r", field: document}, policy)
            if f.rule_id == "SM609"
        ]
        assert len(found) == 1
        yield found[0]


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (trust({"AWS": "*"}), "Statement[0].Principal.AWS"),
        (trust("*"), "Statement[0].Principal"),
        (trust({"AWS": ["arn:aws:iam::999999999999:root"]}), "Statement[0].Principal.AWS[0]"),
        (trust({"AWS": "999999999999"}), "Statement[0].Principal.AWS"),
        (trust({"AWS": "arn:aws:iam::*:role/x"}), "Statement[0].Principal.AWS"),
        (trust({"Federated": "accounts.google.com"}), "Statement[0].Principal.Federated"),
        (
            trust({"AWS": "*"}, StringEquals={"aws:PrincipalAccount": "999999999999"}),
            "Statement[0].Condition.StringEquals.aws:PrincipalAccount",
        ),
        (trust({"AWS": "*"}, Bool={"aws:SecureTransport": "true"}), "Statement[0].Principal.AWS"),
        ("{not json", ""),
    ],
)
def test_trust_policies_open_to_everyone_or_another_account_are_refused(
    document: str, where: str
) -> None:
    for finding in sm609(document):
        assert finding.failed
        assert finding.field.endswith(where)
        assert "999999999999" not in finding.message


@pytest.mark.parametrize(
    "document",
    [
        TRUST,
        UNSAFE_TRUST,  # a service principal is private (SM607 judges its conditions)
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}),
        trust({"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-abcdef1234"}),
        trust({"AWS": "*"}, StringEquals={"aws:PrincipalAccount": ACCOUNT}),
        doc(
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"},
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        ),
    ],
)
def test_trust_policies_of_services_and_trusted_accounts_pass(document: str) -> None:
    assert all(not f.failed for f in sm609(document))


def test_with_no_trusted_account_every_account_principal_is_foreign() -> None:
    # pure evaluate() with an empty list: fail closed (the guard fills the caller's account)
    document = trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    assert all(f.failed for f in sm609(document, SecurityPolicy()))
    assert all(not f.failed for f in sm609(document, SecurityPolicy(trusted_accounts=[ACCOUNT])))


# ----------------------------------------------------------------- SM610-SM612


def findings(
    operation: str, params: dict[str, Any], policy: SecurityPolicy = POLICY
) -> dict[str, str]:
    return {
        f.rule_id: f.status for f in evaluate(operation, params, policy) if f.rule_id != "SM701"
    }


def test_set_default_policy_version_is_refused_for_every_policy() -> None:
    for arn in (f"arn:aws:iam::{ACCOUNT}:policy/any", f"arn:aws:iam::{ACCOUNT}:policy/p/q"):
        for version in ("v1", "v5"):
            params = {"PolicyArn": arn, "VersionId": version}
            assert findings("SetDefaultPolicyVersion", params) == {"SM610": "fail"}
            assert findings("SetDefaultPolicyVersion", params, SecurityPolicy()) == {
                "SM610": "fail"
            }


@pytest.mark.parametrize("role", [EXECUTION_ROLE, f"arn:aws:iam::{ACCOUNT}:role/{EXECUTION_ROLE}"])
def test_an_execution_roles_boundary_is_neither_replaced_nor_removed(role: str) -> None:
    boundary = {"RoleName": role, "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"}
    assert findings("PutRolePermissionsBoundary", boundary) == {"SM611": "fail"}
    assert findings("DeleteRolePermissionsBoundary", {"RoleName": role}) == {"SM612": "fail"}


def test_other_roles_may_get_a_boundary_but_never_lose_one() -> None:
    params = {"RoleName": "ci-builder", "PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"}
    assert findings("PutRolePermissionsBoundary", params) == {}
    assert findings("DeleteRolePermissionsBoundary", {"RoleName": "ci-builder"}) == {
        "SM612": "fail"
    }


def test_judged_operations_left_the_iam_registry_table() -> None:
    from secure_sagemaker.controls import REGISTRY

    for op in (
        "SetDefaultPolicyVersion",
        "PutRolePermissionsBoundary",
        "DeleteRolePermissionsBoundary",
    ):
        assert REGISTRY.classify("iam", op) == "judged", op
    for op in ("DeleteRolePolicy", "DetachRolePolicy"):  # may remove a Deny: still SM000
        assert REGISTRY.classify("iam", op) == "unknown", op


# ----------------------------------------------------------------- broad managed policies


def _managed() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


@pytest.mark.parametrize("name", sorted(BROAD_MANAGED_POLICIES))
def test_each_broad_managed_policy_exists_and_is_refused_at_its_path(name: str) -> None:
    managed = _managed()
    assert name in managed, f"{name} is not an AWS-managed policy (moto's snapshot)"
    arn = f"arn:aws:iam::aws:policy{managed[name]['Path']}{name}"
    found = [
        f
        for f in evaluate("AttachRolePolicy", {"RoleName": "r", "PolicyArn": arn})
        if f.rule_id == "SM606"
    ]
    assert found and found[0].failed and BROAD_MANAGED_POLICIES[name] in found[0].message


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _everywhere(resource: Any) -> bool:
    parts = str(resource).split(":", 5)
    return resource == "*" or (len(parts) == 6 and set(parts[5]) <= {"*", "/"})


def _grants(document: dict[str, Any], action: str) -> bool:
    """An unconditioned Allow of ``action`` on every resource."""
    from secure_sagemaker.controls._policy_document import action_matches, statements

    for _, st in statements(document):
        if st.get("Effect") != "Allow" or st.get("Condition"):
            continue
        if not any(_everywhere(r) for r in _listify(st.get("Resource", []))):
            continue
        if "NotAction" in st:
            if not any(action_matches(str(p), action) for p in _listify(st["NotAction"])):
                return True
        elif any(action_matches(str(p), action) for p in _listify(st.get("Action"))):
            return True
    return False


# admin-equivalent (IAM writes) or weakening what the policy protects, on every resource
DANGEROUS = (
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "kms:PutKeyPolicy",
    "s3:PutBucketPolicy",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:GetSecretValue",
    "cloudtrail:StopLogging",
)


def test_every_attachable_managed_policy_granting_a_dangerous_action_everywhere_is_listed() -> None:
    missing = sorted(
        name
        for name, entry in _managed().items()
        if not entry["Path"].startswith("/aws-service-role/")  # service-linked: never attached
        and any(_grants(entry["Document"], a) for a in DANGEROUS)
        and name not in BROAD_MANAGED_POLICIES
    )
    assert not missing, missing


def test_admin_equivalent_job_function_and_power_user_policies_are_listed() -> None:
    for name in (
        "SystemAdministrator",
        "AWSKeyManagementServicePowerUser",
        "SecretsManagerReadWrite",
        "IAMFullAccess",
        "PowerUserAccess",
        "AmazonS3FullAccess",
        "AWSLambda_FullAccess",
        "AmazonEC2FullAccess",
    ):
        assert name in BROAD_MANAGED_POLICIES, name
