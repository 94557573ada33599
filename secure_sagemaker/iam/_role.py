"""Creating execution roles (with rollback) and linting policies and roles (SM6xx)."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import tenacity

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker._aws.retry import is_transient
from secure_sagemaker._aws.rollback import UndoStack, ignore_missing
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.iam._builder import trust_policy
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = [
    "INLINE_POLICY_NAME",
    "ExecutionRole",
    "create_execution_role",
    "lint_policy",
    "lint_role",
    "until_role_visible",
]

logger = logging.getLogger("secure_sagemaker.iam")

INLINE_POLICY_NAME = "secure-sagemaker-least-privilege"


def _not_yet_visible(error: BaseException) -> bool:
    return error_code(error) == "NoSuchEntity" or is_transient(error)


#: Decorator: retry a read of a just-created IAM entity while IAM's eventual
#: consistency still answers NoSuchEntity (about 10-30 s at worst), then re-raise.
until_role_visible = tenacity.retry(
    retry=tenacity.retry_if_exception(_not_yet_visible),
    wait=tenacity.wait_exponential_jitter(multiplier=0.2, max=4.0, jitter=0.2),
    stop=tenacity.stop_after_delay(60),
    reraise=True,
)


@attrs.frozen
class ExecutionRole:
    """A created role: ``name``, ``arn`` and the inline policy's name."""

    name: str
    arn: str
    policy_name: str = INLINE_POLICY_NAME


def _iam_client(session: Any) -> Any:
    if session is None:
        import boto3

        session = boto3.Session()
    return session.client("iam")


def _account_of(session: Any) -> str:
    if session is None:
        import boto3

        session = boto3.Session()
    return str(session.client("sts").get_caller_identity()["Account"])


def create_execution_role(
    name: str,
    policy_document: Mapping[str, Any],
    *,
    permissions_boundary: str | None = None,
    source_arns: str | Iterable[str] = (),
    account_id: str | None = None,
    session: Any = None,
    path: str = "/",
    tags: Mapping[str, str] | None = None,
) -> ExecutionRole:
    """Create an execution role SageMaker can assume only for ``account_id`` (default:
    the caller's account; ``aws:SourceAccount``) and, when given, only for
    ``source_arns`` (``aws:SourceArn``), with ``policy_document`` as its inline policy.

    Waits (tenacity, up to 60 s) until IAM returns the role and its policy, so the
    role can be passed to SageMaker right away.  If any step fails, what was created
    is removed and the original error is re-raised; if removal fails too,
    :class:`~secure_sagemaker.RollbackError` names what is left.

    >>> role = create_execution_role(  # doctest: +SKIP
    ...     "ml-train", execution_role_policy(account_id="123456789012", region="eu-west-1",
    ...     artifact_stores="s3://ml-artifacts/team-a"),
    ...     permissions_boundary="arn:aws:iam::123456789012:policy/ml-boundary")
    >>> role.arn  # doctest: +SKIP
    'arn:aws:iam::123456789012:role/ml-train'
    """
    iam = _iam_client(session)
    account = account_id or _account_of(session)
    trust = trust_policy(account, source_arns=source_arns)
    create: dict[str, Any] = {
        "RoleName": name,
        "Path": path,
        "AssumeRolePolicyDocument": json.dumps(trust),
        "Description": "SageMaker execution role (secure-sagemaker least privilege)",
    }
    if permissions_boundary:
        create["PermissionsBoundary"] = permissions_boundary
    if tags:
        create["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    with UndoStack(f"create execution role {name}") as undo:
        arn = str(iam.create_role(**create)["Role"]["Arn"])
        undo.push(f"role {name}", ignore_missing(lambda: iam.delete_role(RoleName=name)))
        iam.put_role_policy(
            RoleName=name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(policy_document)
        )
        undo.push(
            f"inline policy {INLINE_POLICY_NAME} of role {name}",
            ignore_missing(
                lambda: iam.delete_role_policy(RoleName=name, PolicyName=INLINE_POLICY_NAME)
            ),
        )
        until_role_visible(iam.get_role)(RoleName=name)
        until_role_visible(iam.get_role_policy)(RoleName=name, PolicyName=INLINE_POLICY_NAME)
    logger.info("created execution role %s", name)
    return ExecutionRole(name, arn)


def _text(document: Any) -> str:
    """A policy document as JSON text (boto3 returns IAM documents decoded; raw API
    responses URL-encode them)."""
    if isinstance(document, str):
        return urllib.parse.unquote(document) if document.startswith("%7B") else document
    return json.dumps(document)


def _sm6(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule_id.startswith("SM6")]


def lint_policy(
    document: Mapping[str, Any] | str, *, policy: SecurityPolicy | None = None
) -> list[Finding]:
    """Judge an identity policy document against the SM6xx rules (no AWS calls);
    ``policy`` supplies waivers (a waived failure is reported as ``"waived"``).

    Returns one :class:`~secure_sagemaker.Finding` per document rule (pass or fail);
    a failing finding's ``field`` names the statement, e.g.
    ``PolicyDocument.Statement[2].Action``.

    >>> [f.rule_id for f in lint_policy({"Version": "2012-10-17", "Statement": [
    ...     {"Effect": "Allow", "Action": "*", "Resource": "*"}]}) if f.failed]
    ['SM601', 'SM603', 'SM605']
    """
    params = {"PolicyName": "lint", "PolicyDocument": _text(document)}
    return _sm6(evaluate("CreatePolicy", params, policy))


def _located(findings: Iterable[Finding], where: str, arn: str) -> list[Finding]:
    return [
        attrs.evolve(f, field=f"{where}.{f.field}", resource=arn, resource_type="AWS::IAM::Role")
        for f in findings
    ]


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        out.extend(page.get(key, []))
    return out


def lint_role(
    role_name: str, *, session: Any = None, policy: SecurityPolicy | None = None
) -> list[Finding]:
    """Fetch a role's trust policy, boundary, inline and attached policies and judge
    each against the SM6xx rules.  Findings carry the role ARN as ``resource`` and a
    ``field`` naming where (``InlinePolicy[name].PolicyDocument.Statement[0].Action``,
    ``AttachedPolicy[name].PolicyArn``, ``AssumeRolePolicyDocument...``).

    Raises botocore's ``ClientError`` (``NoSuchEntity``) when the role does not exist.

    >>> [f.rule_id for f in lint_role("ml-train") if f.failed]  # doctest: +SKIP
    ['SM608']
    """
    iam = _iam_client(session)
    role = iam.get_role(RoleName=role_name)["Role"]
    arn = str(role["Arn"])
    pol = policy if policy is not None else SecurityPolicy()
    if not pol.trusted_accounts and arn.count(":") >= 5:  # the role's own account
        pol = attrs.evolve(pol, trusted_accounts=(arn.split(":")[4],))
    policy = pol
    out: list[Finding] = []
    create = {
        "RoleName": role_name,
        "AssumeRolePolicyDocument": _text(role.get("AssumeRolePolicyDocument", {})),
    }
    boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    if boundary:
        create["PermissionsBoundary"] = boundary
    out += _located(_sm6(evaluate("CreateRole", create, policy)), "Role", arn)
    for policy_name in _pages(iam, "list_role_policies", "PolicyNames", RoleName=role_name):
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        params = {"RoleName": role_name, "PolicyName": policy_name, "PolicyDocument": _text(doc)}
        out += _located(
            _sm6(evaluate("PutRolePolicy", params, policy)), f"InlinePolicy[{policy_name}]", arn
        )
    attached = _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role_name)
    for item in attached:
        where = f"AttachedPolicy[{item['PolicyName']}]"
        params = {"RoleName": role_name, "PolicyArn": item["PolicyArn"]}
        out += _located(_sm6(evaluate("AttachRolePolicy", params, policy)), where, arn)
        if ":iam::aws:policy/" in item["PolicyArn"]:
            continue  # AWS-managed: judged by name above
        meta = iam.get_policy(PolicyArn=item["PolicyArn"])["Policy"]
        version = iam.get_policy_version(
            PolicyArn=item["PolicyArn"], VersionId=meta["DefaultVersionId"]
        )["PolicyVersion"]
        out += _located(lint_policy(version["Document"], policy=policy), where, arn)
    return out
