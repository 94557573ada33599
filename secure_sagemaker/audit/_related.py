"""Audit tasks for what SageMaker resources rely on: S3 buckets, KMS keys, secrets,
execution roles, VPC subnets and security groups, and the account itself."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import attrs

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._engine import (
    Outcome,
    Scope,
    applicable_rules,
    errors,
    judge,
    now,
    unavailable,
)
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.iam import lint_role
from secure_sagemaker.network import security_group_views, subnet_views, vpc_views
from secure_sagemaker.rules import Finding, Rule, Severity

BUCKET_TYPE = "AWS::S3::Bucket"
KEY_TYPE = "AWS::KMS::Key"
SECRET_TYPE = "AWS::SecretsManager::Secret"  # noqa: S105 - a type name
ACCOUNT_TYPE = "AWS::::Account"
ROLE_TYPE = "AWS::IAM::Role"


def _rules_of(
    operations: Iterable[str], policy: Any, params: Mapping[str, Any], service: str | None
) -> list[Rule]:
    """The rules judging any of ``operations``, each once."""
    rules = {r.id: r for op in operations for r in applicable_rules(op, policy, params, service)}
    return list(rules.values())


# --------------------------------------------------------------------------- S3


def list_buckets(scope: Scope) -> Outcome:
    """Every bucket of the account (``all_buckets=True``)."""
    try:
        names = [b["Name"] for b in fetch.paginate(scope.clients("s3"), "list_buckets", "Buckets")]
    except Exception as err:
        resource = f"arn:{scope.partition}:s3:::*"
        rules = applicable_rules("PutBucketPolicy", _as_artifact(scope, "*"), {"Bucket": "*"}, "s3")
        found = errors(rules, f"listing failed, {fetch.reason(err)}", scope, resource, BUCKET_TYPE)
        return Outcome(tuple(found), listed=1, assessed=1)
    return attrs.evolve(buckets_outcome(scope, names), inventory=True)


def buckets_outcome(scope: Scope, names: Iterable[str]) -> Outcome:
    unique = sorted(set(names))
    return Outcome(listed=len(unique), then=tuple(partial(assess_bucket, scope, n) for n in unique))


def _as_artifact(scope: Scope, bucket: str) -> Any:
    """The policy with this bucket counted as an artifact bucket, so the artifact-bucket
    rules (SM403-SM408) judge it."""
    policy = scope.policy
    if policy.is_artifact_bucket(bucket):
        return policy
    return attrs.evolve(policy, artifact_buckets=(*policy.artifact_buckets, bucket))


_BUCKET_OPERATIONS = (
    "PutBucketVersioning",
    "PutBucketEncryption",
    "PutBucketPolicy",
    "PutPublicAccessBlock",
    "PutBucketOwnershipControls",
    "PutBucketAcl",
    "PutBucketReplication",
    "PutBucketLifecycleConfiguration",
    "@Bucket",
)


def assess_bucket(scope: Scope, bucket: str) -> Outcome:
    """Each bucket setting judged as the request that would set it, by the guard's own
    rules (policy, ACL, ownership, replication, lifecycle ...), and the ``@Bucket``
    view."""
    s3 = scope.clients("s3")
    resource = f"arn:{scope.partition}:s3:::{bucket}"
    policy = _as_artifact(scope, bucket)
    try:
        region: str = fetch.bucket_region(s3, bucket)
    except Exception as err:
        rules = _rules_of(_BUCKET_OPERATIONS, policy, {"Bucket": bucket}, "s3")
        found = errors(rules, fetch.reason(err), scope, resource, BUCKET_TYPE, region="")
        return Outcome(tuple(found), assessed=1)
    found = []
    for op, params in fetch.bucket_requests(s3, bucket).items():
        if isinstance(params, BaseException):
            rules = applicable_rules(op, policy, {"Bucket": bucket}, "s3")
            if rules:  # a Get no rule reads leaves no verdict missing
                found += errors(
                    rules, fetch.reason(params), scope, resource, BUCKET_TYPE, region=region
                )
        else:
            found += judge(
                op, params, scope, resource, BUCKET_TYPE, service="s3", policy=policy, region=region
            )
    return Outcome(tuple(found), assessed=1)


# --------------------------------------------------------------------------- KMS


def list_keys(scope: Scope) -> Outcome:
    kms = scope.clients("kms")
    try:
        keys = fetch.paginate(kms, "list_keys", "Keys")
    except Exception as err:
        rules = applicable_rules("@KmsKey", scope.policy, {}, None)
        found = errors(
            rules,
            f"listing failed, {fetch.reason(err)}",
            scope,
            scope.arn("kms", "key/*"),
            KEY_TYPE,
        )
        return Outcome(tuple(found), listed=1, assessed=1)
    follow = tuple(partial(assess_key, scope, k) for k in keys)
    return Outcome(listed=len(keys), then=follow, inventory=True)


def _key_aliases(scope: Scope) -> Mapping[str, list[str]] | None:
    """The region's aliases per key, listed once; ``None`` when they cannot be listed
    (then any alias of the policy may name any key: SM436 judges every key)."""
    kms = scope.clients("kms")
    try:
        aliases: Mapping[str, list[str]] = scope.once(
            "kms:list_aliases", partial(fetch.key_aliases, kms)
        )
    except Exception:
        return None
    return aliases


def assess_key(scope: Scope, key: Mapping[str, Any]) -> Outcome:
    resource = str(key.get("KeyArn") or scope.arn("kms", f"key/{key['KeyId']}"))
    try:
        view, unknown = fetch.kms_key_view(scope.clients("kms"), key["KeyId"], _key_aliases(scope))
    except Exception as err:
        rules = applicable_rules("@KmsKey", scope.policy, {}, None)
        return Outcome(
            tuple(errors(rules, fetch.reason(err), scope, resource, KEY_TYPE)), assessed=1
        )
    if view is None:  # AWS-managed: no rule applies
        return Outcome(assessed=1)
    found = judge("@KmsKey", view, scope, resource, KEY_TYPE, unknown=unknown)
    return Outcome(tuple(found), assessed=1)


# --------------------------------------------------------------------------- secrets


def list_secrets(scope: Scope) -> Outcome:
    """ListSecrets returns what DescribeSecret would; one follow-up per secret reads
    its resource policy."""
    try:
        secrets = fetch.paginate(scope.clients("secretsmanager"), "list_secrets", "SecretList")
    except Exception as err:
        rules = _rules_of(("CreateSecret", "RotateSecret", "@Secret"), scope.policy, {}, None)
        found = errors(
            rules,
            f"listing failed, {fetch.reason(err)}",
            scope,
            scope.arn("secretsmanager", "secret:*"),
            SECRET_TYPE,
        )
        return Outcome(tuple(found), listed=1, assessed=1)
    follow = tuple(partial(assess_secret, scope, s) for s in secrets)
    return Outcome(listed=len(secrets), then=follow, inventory=True)


def assess_secret(scope: Scope, secret: Mapping[str, Any]) -> Outcome:
    """One listed secret: as its CreateSecret and RotateSecret requests, and the
    ``@Secret`` view with its resource policy."""
    resource = str(secret.get("ARN") or scope.arn("secretsmanager", f"secret:{secret.get('Name')}"))
    name = secret.get("Name", "")
    create: dict[str, Any] = {"Name": name}
    if secret.get("KmsKeyId"):
        create["KmsKeyId"] = secret["KmsKeyId"]
    view: dict[str, Any] = {**secret, "AssessedAt": now()}
    unknown: dict[str, str] = {}
    try:
        view["ResourcePolicy"] = fetch.secret_resource_policy(
            scope.clients("secretsmanager"), str(secret.get("ARN") or name)
        )
    except Exception as err:
        unknown["ResourcePolicy"] = fetch.reason(err)
    found = judge("CreateSecret", create, scope, resource, SECRET_TYPE, service="secretsmanager")
    found += _judge_rotation(secret, scope, resource)
    found += judge("@Secret", view, scope, resource, SECRET_TYPE, unknown=unknown)
    return Outcome(tuple(found), assessed=1)


def _judge_rotation(secret: Mapping[str, Any], scope: Scope, resource: str) -> list[Finding]:
    """SM502 on the secret's rotation rules; a secret without rotation fails it."""
    enabled = bool(secret.get("RotationEnabled"))
    rules = secret.get("RotationRules") if enabled else None
    params = {"SecretId": secret.get("Name", ""), "RotationRules": rules or {}}
    if enabled and secret.get("RotationLambdaARN"):  # what rotates it (SM502)
        params["RotationLambdaARN"] = secret["RotationLambdaARN"]
    found = judge("RotateSecret", params, scope, resource, SECRET_TYPE)
    if enabled:
        return found
    return [
        f
        if f.status == "pass"
        else attrs.evolve(
            f,
            message=f"{CATALOG.rule(f.rule_id).title}: rotation is not enabled"
            + (" (waived by policy)" if f.status == "waived" else ""),
        )
        for f in found
    ]


# --------------------------------------------------------------------------- account


def assess_account_region(scope: Scope) -> Outcome:
    """The ``@Account`` view of one region: CloudTrail, GuardDuty, Macie."""
    view: dict[str, Any] = {"AccountId": scope.account, "Region": scope.region}
    unknown: dict[str, str] = {}
    parts = (
        ("Trails", "cloudtrail", fetch.cloudtrail_trails),
        ("GuardDuty", "guardduty", fetch.guardduty_state),
        ("Macie", "macie2", fetch.macie_state),
    )
    for field, service, get in parts:
        try:
            value = get(scope.clients(service))
        except Exception as err:
            unknown[field] = fetch.reason(err)
            continue
        if value is not None:
            view[field] = value
    resource = f"arn:{scope.partition}:iam::{scope.account}:root"
    found = judge("@Account", view, scope, resource, ACCOUNT_TYPE, unknown=unknown)
    return Outcome(tuple(found), listed=1, assessed=1)


def assess_account_public_access(scope: Scope) -> Outcome:
    """The account-level S3 public access block (once per account)."""
    resource = f"arn:{scope.partition}:iam::{scope.account}:root"
    try:
        params = fetch.account_public_access_block(scope.clients("s3control"), scope.account)
    except Exception as err:
        rules = applicable_rules("PutPublicAccessBlock", scope.policy, {}, "s3control")
        return Outcome(
            tuple(errors(rules, fetch.reason(err), scope, resource, ACCOUNT_TYPE)),
            listed=1,
            assessed=1,
        )
    found = judge(
        "PutPublicAccessBlock", params, scope, resource, ACCOUNT_TYPE, service="s3control"
    )
    return Outcome(tuple(found), listed=1, assessed=1)


# --------------------------------------------------------------------------- IAM


class _OneClientSession:
    """Enough of a boto3 session for helpers that only call ``session.client(name)``:
    hands out the audit's (thread-safe, retrying) clients."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def client(self, service: str, *args: Any, **kwargs: Any) -> Any:
        return self._scope.clients(service)


def execution_roles(scope: Scope) -> set[str]:
    """The ARNs, in the scope's account, of the policy's ``execution_roles`` (names, or
    ARNs of this account)."""
    out = set()
    for role in scope.policy.execution_roles:
        if role.startswith("arn:"):
            if role.split(":", 5)[4:5] == [scope.account]:
                out.add(role)
        else:
            out.add(f"arn:{scope.partition}:iam::{scope.account}:role/{role}")
    return out


def roles_outcome(scope: Scope, role_arns: Iterable[str]) -> Outcome:
    """The roles SageMaker resources use (``role_arns``) and the policy's execution
    roles, each linted once."""
    # a role name is unique in an account: an ARN a resource names (with its path) wins
    by_name = {arn.rsplit("/", 1)[-1]: arn for arn in sorted(execution_roles(scope))}
    by_name.update({arn.rsplit("/", 1)[-1]: arn for arn in sorted(set(role_arns))})
    unique = sorted(by_name.values())
    return Outcome(listed=len(unique), then=tuple(partial(assess_role, scope, a) for a in unique))


#: What :func:`~secure_sagemaker.iam.lint_role` judges a role as.
_ROLE_OPERATIONS = ("CreateRole", "PutRolePolicy", "AttachRolePolicy", "CreatePolicy")


def assess_role(scope: Scope, role_arn: str) -> Outcome:
    """The least-privilege lint of :mod:`secure_sagemaker.iam` on one execution role,
    its trust policy included (SM609: public or cross-account)."""
    name = role_arn.rsplit("/", 1)[-1]
    try:
        found = list(lint_role(name, session=_OneClientSession(scope), policy=scope.trusting()))
    except Exception as err:
        judged = _rules_of(_ROLE_OPERATIONS, scope.policy, {"RoleName": name}, "iam")
        rules = [r for r in judged if r.id.startswith("SM6")]
        found = errors(rules or [], fetch.reason(err), scope, role_arn, ROLE_TYPE, region="")
        if not rules:
            found = [
                unavailable("SM6xx", fetch.reason(err), scope, role_arn, ROLE_TYPE, Severity.HIGH)
            ]
    placed = [
        attrs.evolve(
            f, resource=role_arn, resource_type=ROLE_TYPE, account=scope.account, region=""
        )
        for f in found
    ]
    return Outcome(tuple(placed), assessed=1)


# --------------------------------------------------------------------------- VPC

# (view, the network.py function that builds its documents, resource type, ARN noun, ID key)
_Spec = tuple[str, Callable[[Any, list[str]], list[dict[str, Any]]], str, str, str]
_SUBNET: _Spec = ("@Subnet", subnet_views, "AWS::EC2::Subnet", "subnet", "SubnetId")
_GROUP: _Spec = (
    "@SecurityGroup",
    security_group_views,
    "AWS::EC2::SecurityGroup",
    "security-group",
    "GroupId",
)
_VPC: _Spec = ("@Vpc", vpc_views, "AWS::EC2::VPC", "vpc", "VpcId")


def network_outcome(scope: Scope, ids: Mapping[str, Iterable[str]]) -> Outcome:
    """Subnets, security groups and VPCs the SageMaker resources use (``ids`` maps
    "subnets"/"security_groups"/"vpcs" to IDs), judged by the ``@Subnet``/
    ``@SecurityGroup``/``@Vpc`` rules over :mod:`secure_sagemaker.network` views.
    The subnets' VPCs are added to the VPCs named directly."""
    subnets = sorted(set(ids.get("subnets", ())))
    groups = sorted(set(ids.get("security_groups", ())))
    vpcs = set(ids.get("vpcs", ()))
    found: list[Finding] = []
    subnet_docs = _network_kind(scope, _SUBNET, subnets, found)
    _network_kind(scope, _GROUP, groups, found)
    vpcs |= {str(d["VpcId"]) for d in subnet_docs if d.get("VpcId")}
    _network_kind(scope, _VPC, sorted(vpcs), found)
    n = len(subnets) + len(groups) + len(vpcs)
    return Outcome(tuple(found), listed=n, assessed=n)


def _network_kind(
    scope: Scope, spec: _Spec, ids: list[str], found: list[Finding]
) -> list[Mapping[str, Any]]:
    """Judge the views of ``ids`` into ``found``; return the views that were read."""
    view, build, rtype, noun, id_key = spec
    if not ids:
        return []
    ec2 = scope.clients("ec2")
    docs: dict[str, Mapping[str, Any]] = {}
    failed: dict[str, str] = {}
    try:
        docs = {str(d[id_key]): d for d in fetch.transient_retry(build)(ec2, ids)}
    except Exception:  # one unknown ID fails the batch: isolate it
        for i in ids:
            try:
                docs.update({str(d[id_key]): d for d in fetch.transient_retry(build)(ec2, [i])})
            except Exception as err:
                failed[i] = fetch.reason(err)
    for i in ids:
        resource = scope.arn("ec2", f"{noun}/{i}")
        doc = docs.get(i)
        if doc is None:
            why = failed.get(i, "not found anymore")
            found += errors(
                applicable_rules(view, scope.policy, {}, None), why, scope, resource, rtype
            )
        else:
            found += judge(view, doc, scope, resource, rtype)
    return list(docs.values())
