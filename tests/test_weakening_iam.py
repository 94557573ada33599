"""Nothing weakens an execution role or opens it to others (issue 13, IAM), end to end:
each weakening call through a real IAM client (HTTPS to the embedded moto server) is
refused by the guard with 0 HTTP requests and its rule ID; a secure variant is sent.
The execution-role builder still works with the guard installed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker.iam import (
    create_execution_role,
    execution_role_policy,
    lint_role,
    trust_policy,
)
from tests._guarded import Sent

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"  # moto's default account: the guard trusts it (caller's own)
FOREIGN = "999999999999"
REGION = "us-east-1"
EXECUTION_ROLE = "ml-train"
POLICY = ss.SecurityPolicy(execution_roles=[EXECUTION_ROLE])  # trusted_accounts: filled
BOUNDARY_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}],
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume(principal: Any) -> str:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def allow(action: str, resource: str = "arn:aws:s3:::ml-artifacts/team/*") -> str:
    return doc({"Effect": "Allow", "Action": action, "Resource": resource})


@pytest.fixture
def world(fresh_aws: Any) -> Iterator[tuple[Any, Sent, str]]:
    """An IAM client with the guard installed, a Sent counter, and the ARN of a
    boundary policy; the execution role and another role exist, both with it."""
    session: boto3.Session = fresh_aws.session()
    setup = session.client("iam")
    boundary = setup.create_policy(
        PolicyName="ml-boundary", PolicyDocument=json.dumps(BOUNDARY_DOC)
    )
    arn = boundary["Policy"]["Arn"]
    for name in (EXECUTION_ROLE, "ci-builder"):
        setup.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(trust_policy(ACCOUNT)),
            PermissionsBoundary=arn,
        )
    ss.install(POLICY)
    try:
        iam = session.client("iam")
        yield iam, Sent(iam), arn
    finally:
        ss.uninstall()


def refused(sent: Sent, rule_id: str, call: Callable[..., Any], **params: Any) -> None:
    before = list(sent.ops)
    with pytest.raises(ss.InsecureRequestError) as info:
        call(**params)
    assert sent.ops == before, "a refused request was sent"
    assert rule_id in {f.rule_id for f in info.value.findings}, info.value
    assert FOREIGN not in str(info.value)


def sent_ok(sent: Sent, operation: str, call: Callable[..., Any], **params: Any) -> Any:
    """The secure variant is sent (moto may not implement it: then its error is accepted)."""
    try:
        result = call(**params)
    except botocore.exceptions.ClientError as err:
        result = err.response
    assert sent.ops and sent.ops[-1] == operation, sent.ops
    return result


# ----------------------------------------------------------------- trust policies (SM609)


@pytest.mark.parametrize(
    ("principal", "why"),
    [
        ({"AWS": "*"}, "public"),
        ("*", "public"),
        ({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, "cross-account"),
        ({"AWS": FOREIGN}, "cross-account"),
        ({"Federated": "accounts.google.com"}, "public"),
    ],
)
def test_a_role_others_can_assume_is_never_created(
    world: tuple[Any, Sent, str], principal: Any, why: str
) -> None:
    iam, sent, boundary = world
    refused(
        sent,
        "SM609",
        iam.create_role,
        RoleName="open",
        AssumeRolePolicyDocument=assume(principal),
        PermissionsBoundary=boundary,
    )
    refused(
        sent,
        "SM609",
        iam.update_assume_role_policy,
        RoleName=EXECUTION_ROLE,
        PolicyDocument=assume(principal),
    )


def test_roles_trusting_a_service_or_the_own_account_are_created(
    world: tuple[Any, Sent, str],
) -> None:
    iam, sent, boundary = world
    sent_ok(
        sent,
        "CreateRole",
        iam.create_role,
        RoleName="ci-deployer",
        AssumeRolePolicyDocument=assume({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci-builder"}),
        PermissionsBoundary=boundary,
    )
    assert iam.get_role(RoleName="ci-deployer")["Role"]["RoleName"] == "ci-deployer"
    sent_ok(
        sent,
        "UpdateAssumeRolePolicy",
        iam.update_assume_role_policy,
        RoleName=EXECUTION_ROLE,
        PolicyDocument=json.dumps(
            trust_policy(
                ACCOUNT, source_arns=[f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/*"]
            )
        ),
    )


# ----------------------------------------------------------------- wildcard actions (SM601/602)


@pytest.mark.parametrize(
    ("action", "rule_id"),
    [("s3:**", "SM602"), ("s3:?*", "SM602"), ("kms:*?", "SM602"), ("**", "SM601"), ("?*", "SM601")],
)
def test_odd_spellings_of_wildcard_actions_are_refused(
    world: tuple[Any, Sent, str], action: str, rule_id: str
) -> None:
    iam, sent, _ = world
    params = {"PolicyName": "p", "PolicyDocument": allow(action)}
    refused(sent, rule_id, iam.put_role_policy, RoleName=EXECUTION_ROLE, **params)
    refused(sent, rule_id, iam.create_policy, **params)


def test_a_scoped_policy_is_put(world: tuple[Any, Sent, str]) -> None:
    iam, sent, _ = world
    sent_ok(
        sent,
        "PutRolePolicy",
        iam.put_role_policy,
        RoleName=EXECUTION_ROLE,
        PolicyName="read-team",
        PolicyDocument=allow("s3:GetObject"),
    )
    assert iam.get_role_policy(RoleName=EXECUTION_ROLE, PolicyName="read-team")


# ----------------------------------------------------------------- managed policies (SM606)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/job-function/SystemAdministrator",
        "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser",
        "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
        "arn:aws:iam::aws:policy/IAMFullAccess",
        "arn:aws:iam::aws:policy/PowerUserAccess",
        "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
        "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
    ],
)
def test_broad_managed_policies_are_never_attached(world: tuple[Any, Sent, str], arn: str) -> None:
    iam, sent, _ = world
    refused(sent, "SM606", iam.attach_role_policy, RoleName=EXECUTION_ROLE, PolicyArn=arn)


def test_a_customer_policy_is_attached(world: tuple[Any, Sent, str]) -> None:
    iam, sent, _ = world
    arn = iam.create_policy(PolicyName="read-team", PolicyDocument=allow("s3:GetObject"))["Policy"][
        "Arn"
    ]
    sent_ok(
        sent, "AttachRolePolicy", iam.attach_role_policy, RoleName=EXECUTION_ROLE, PolicyArn=arn
    )
    attached = iam.list_attached_role_policies(RoleName=EXECUTION_ROLE)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]


# ----------------------------------------------------------------- policy versions (SM610)


def test_an_unjudged_version_is_never_made_default_but_a_new_judged_one_is(
    world: tuple[Any, Sent, str],
) -> None:
    iam, sent, _ = world
    ss.uninstall()  # before the guard: a broad version stored as not default
    setup = iam
    arn = setup.create_policy(PolicyName="team", PolicyDocument=allow("s3:GetObject"))["Policy"][
        "Arn"
    ]
    setup.create_policy_version(PolicyArn=arn, PolicyDocument=allow("*", "*"), SetAsDefault=False)
    ss.install(POLICY)
    refused(sent, "SM610", iam.set_default_policy_version, PolicyArn=arn, VersionId="v2")
    refused(
        sent,
        "SM601",
        iam.create_policy_version,
        PolicyArn=arn,
        PolicyDocument=allow("*", "*"),
        SetAsDefault=True,
    )
    sent_ok(
        sent,
        "CreatePolicyVersion",
        iam.create_policy_version,
        PolicyArn=arn,
        PolicyDocument=allow("s3:PutObject"),
        SetAsDefault=True,
    )
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"


# ----------------------------------------------------------------- boundaries (SM611, SM612)


def test_an_execution_roles_boundary_is_kept(world: tuple[Any, Sent, str]) -> None:
    iam, sent, _ = world
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    refused(
        sent,
        "SM611",
        iam.put_role_permissions_boundary,
        RoleName=EXECUTION_ROLE,
        PermissionsBoundary=admin,
    )
    refused(
        sent,
        "SM611",
        iam.put_role_permissions_boundary,
        RoleName=f"arn:aws:iam::{ACCOUNT}:role/{EXECUTION_ROLE}",
        PermissionsBoundary=admin,
    )
    refused(sent, "SM612", iam.delete_role_permissions_boundary, RoleName=EXECUTION_ROLE)
    refused(sent, "SM612", iam.delete_role_permissions_boundary, RoleName="ci-builder")
    assert iam.get_role(RoleName=EXECUTION_ROLE)["Role"]["PermissionsBoundary"]


def test_another_role_may_get_a_boundary(world: tuple[Any, Sent, str]) -> None:
    iam, sent, boundary = world
    sent_ok(
        sent,
        "PutRolePermissionsBoundary",
        iam.put_role_permissions_boundary,
        RoleName="ci-builder",
        PermissionsBoundary=boundary,
    )


# ----------------------------------------------------------------- the builder, guarded


def test_the_execution_role_builder_works_with_the_guard_installed(fresh_aws: Any) -> None:
    session = fresh_aws.session()
    boundary = session.client("iam").create_policy(
        PolicyName="ml-boundary", PolicyDocument=json.dumps(BOUNDARY_DOC)
    )["Policy"]["Arn"]
    ss.install(POLICY)
    try:
        role = create_execution_role(
            EXECUTION_ROLE,
            execution_role_policy(
                account_id=ACCOUNT, region=REGION, artifact_stores="s3://ml-artifacts/team"
            ),
            permissions_boundary=boundary,
            source_arns=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/*",
            session=session,
        )
        assert role.arn == f"arn:aws:iam::{ACCOUNT}:role/{EXECUTION_ROLE}"
        failing = [f for f in lint_role(EXECUTION_ROLE, session=session) if f.failed]
        assert not failing, failing
        # a failing step still rolls back under the guard (the role is removed)
        malformed = {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:X"}]}
        with pytest.raises(botocore.exceptions.ClientError):
            create_execution_role("half-made", malformed, account_id=ACCOUNT, session=session)
        names = [r["RoleName"] for r in session.client("iam").list_roles()["Roles"]]
        assert "half-made" not in names
    finally:
        ss.uninstall()
