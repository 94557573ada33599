"""Preventive guardrails: the catalog's SageMaker rules as IAM/SCP deny statements.

Which rules become which statements is derived from the catalog: a rule whose
``references`` name ``IAM:sagemaker:<Key>`` is mirrored on each of its operations that
carries the key according to :mod:`secure_sagemaker.controls.iam_condition_keys` (the
key -> actions table, with its source).  Only those exact actions are listed, because
a Deny testing an absent key with ``Null: true`` or a negated operator is *true* and
would deny every call of an action that never carries the key.

Condition shapes (Deny statements; "required" = the rule fails an absent field):

=========================  ==========================================================
string, required           ``StringNotEquals {k: secure}`` (absent -> true -> deny)
string, optional (Update)  ``StringNotEquals {k: secure}`` and ``Null {k: false}``
bool must be true          ``BoolIfExists {k: false}`` (required) / ``Bool {k: false}``
bool must be false         ``Bool {k: true}`` (absent is fine)
list within policy values  ``Null {k: true}`` (required) + ``ForAnyValue:StringNotEquals``
KMS key ARN                ``ArnNotEquals {k: policy key ARNs}`` (required) or
                           ``Null {k: true}`` when the policy has only aliases/IDs
instance types             ``ForAnyValue:StringNotLike {k: policy globs}``
=========================  ==========================================================

Values (subnets, security groups, key ARNs, instance types) come from the
:class:`~secure_sagemaker.SecurityPolicy`; with an empty policy only the boolean and
enumeration guardrails are emitted.

**Protections** (:func:`protection_statements`): the server-side counterpart of the
rules that keep what the policy protects from being weakened.  Each denies, on the
policy's own resources only, the actions of :data:`PROTECTED_ACTIONS` (each with its
reason): key deletion, disabling and key-policy changes on its KMS keys (by key ARN,
or by ``kms:ResourceAliases`` for aliases); policy, ACL, encryption, lifecycle,
public-access-block, versioning and replication changes on its artifact buckets;
deletion and resource-policy changes on its protected secrets; trust-policy and
permissions-boundary changes on its execution roles.  ``break_glass_role_arn``
exempts one role (``ArnNotLike aws:PrincipalArn``; wildcards allowed, e.g. every
account's ``arn:aws:iam::*:role/break-glass``); without it nobody but the management
account (SCP) or an administrator detaching the policy (IAM) can make these changes.
Resource ARNs are written for the ``aws`` partition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from secure_sagemaker.controls import CATALOG
from secure_sagemaker.controls.iam_condition_keys import ConditionKey, current
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.policy import KMS_PURPOSES, SecurityPolicy

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy
    from secure_sagemaker.rules import Rule

__all__ = [
    "PROTECTED_ACTIONS",
    "SIZE_LIMITS",
    "Form",
    "guardrails",
    "guardrails_json",
    "protection_statements",
]

Form = Literal["scp", "iam"]
#: maximum document size: SCPs 5,120 characters; customer-managed policies 6,144
#: characters (whitespace excluded).  Documents are measured minified.
SIZE_LIMITS: Mapping[str, int] = {"scp": 5120, "iam": 6144}

Document = dict[str, Any]
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-zA-Z-]+$")
_ALIAS = re.compile(r"^(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:)?(alias/[\w/+=,.@-]+)$")
_BREAK_GLASS = re.compile(r"^arn:aws[a-z-]*:iam::(?:\d{12}|\*):role/[\w+=,.@/*-]{1,512}$")

#: What the protections deny, per kind of protected resource: action -> why.  Actions
#: are IAM actions (an API operation may need another: DeleteBucketEncryption and
#: DeleteBucketLifecycle are authorised as s3:PutEncryptionConfiguration and
#: s3:PutLifecycleConfiguration, DeletePublicAccessBlock as
#: s3:PutBucketPublicAccessBlock).
PROTECTED_ACTIONS: Mapping[str, Mapping[str, str]] = {
    "key": {
        "kms:ScheduleKeyDeletion": "destroys every artifact encrypted with the key",
        "kms:DisableKey": "makes every artifact encrypted with the key unreadable",
        "kms:PutKeyPolicy": "can open the key to other accounts or everyone",
        "kms:DisableKeyRotation": "stops the yearly rotation of the key material",
    },
    "bucket": {
        "s3:PutBucketPolicy": "can open the bucket or drop its TLS/KMS requirements",
        "s3:DeleteBucketPolicy": "drops the bucket's Deny statements",
        "s3:PutBucketAcl": "can grant other accounts or everyone",
        "s3:PutEncryptionConfiguration": "changes or removes default KMS encryption "
        "(PutBucketEncryption, DeleteBucketEncryption)",
        "s3:PutLifecycleConfiguration": "can expire objects and their versions "
        "(PutBucketLifecycleConfiguration, DeleteBucketLifecycle)",
        "s3:PutBucketPublicAccessBlock": "can switch off Block Public Access "
        "(PutPublicAccessBlock, DeletePublicAccessBlock)",
        "s3:PutBucketVersioning": "can suspend versioning",
        "s3:PutReplicationConfiguration": "can copy every new object to another bucket",
        "s3:PutBucketOwnershipControls": "can re-enable ACLs",
    },
    "secret": {
        "secretsmanager:DeleteSecret": "deletes the secret",
        "secretsmanager:PutResourcePolicy": "can open the secret to other accounts",
        "secretsmanager:DeleteResourcePolicy": "drops the secret's Deny statements",
    },
    "role": {
        "iam:UpdateAssumeRolePolicy": "can let other principals assume the role",
        "iam:PutRolePermissionsBoundary": "can replace the cap on the role's permissions",
        "iam:DeleteRolePermissionsBoundary": "removes the cap on the role's permissions",
    },
}


def _kms_arns(policy: SecurityPolicy) -> tuple[str, ...]:
    keys = {policy.kms_key(p) for p in KMS_PURPOSES}
    return tuple(sorted(k for k in keys if k and _KEY_ARN.match(k)))


def _has_kms(policy: SecurityPolicy) -> bool:
    return any(policy.kms_key(p) for p in KMS_PURPOSES)


@attrs.frozen
class _Spec:
    kind: Literal["string", "bool", "list", "arn", "like"]
    secure: str = ""
    values: Callable[[SecurityPolicy], tuple[str, ...]] = lambda policy: ()
    enabled: Callable[[SecurityPolicy], bool] = lambda policy: True


_SPECS: Mapping[str, _Spec] = {
    "sagemaker:DirectInternetAccess": _Spec("string", "Disabled"),
    "sagemaker:RootAccess": _Spec("string", "Disabled"),
    "sagemaker:MinimumInstanceMetadataServiceVersion": _Spec("string", "2"),
    "sagemaker:AppNetworkAccessType": _Spec("string", "VpcOnly"),
    "sagemaker:NetworkIsolation": _Spec("bool", "true"),
    "sagemaker:InterContainerTrafficEncryption": _Spec("bool", "true"),
    "sagemaker:EnableRemoteDebug": _Spec("bool", "false"),
    "sagemaker:VpcSubnets": _Spec(
        "list", values=lambda p: p.subnets, enabled=lambda p: bool(p.subnets)
    ),
    "sagemaker:VpcSecurityGroupIds": _Spec(
        "list", values=lambda p: p.security_group_ids, enabled=lambda p: bool(p.security_group_ids)
    ),
    "sagemaker:VolumeKmsKeyArn": _Spec("arn", values=_kms_arns, enabled=_has_kms),
    "sagemaker:OutputKmsKeyArn": _Spec("arn", values=_kms_arns, enabled=_has_kms),
    "sagemaker:FeatureGroupOfflineStoreKmsKeyArn": _Spec("arn", values=_kms_arns, enabled=_has_kms),
    "sagemaker:FeatureGroupOnlineStoreKmsKeyArn": _Spec("arn", values=_kms_arns, enabled=_has_kms),
    "sagemaker:InstanceTypes": _Spec(
        "like",
        values=lambda p: p.allowed_instance_types,
        enabled=lambda p: bool(p.allowed_instance_types),
    ),
}


def _conditions(
    key: str, spec: _Spec, required: bool, policy: SecurityPolicy
) -> list[tuple[str, Document]]:
    """``(sid, Condition)`` pairs that deny what the rule refuses on one operation."""
    short = key.split(":", 1)[1]
    values = list(spec.values(policy))
    if spec.kind == "string":
        if required:
            return [(f"{short}Required", {"StringNotEquals": {key: spec.secure}})]
        when_set: Document = {"StringNotEquals": {key: spec.secure}, "Null": {key: "false"}}
        return [(f"{short}WhenSet", when_set)]
    if spec.kind == "bool":
        insecure = "false" if spec.secure == "true" else "true"
        if required and spec.secure == "true":
            return [(f"{short}Required", {"BoolIfExists": {key: insecure}})]
        return [(f"{short}{'On' if spec.secure == 'true' else 'Off'}", {"Bool": {key: insecure}})]
    if spec.kind == "list":
        out: list[tuple[str, Document]] = []
        if required:
            out.append((f"{short}Present", {"Null": {key: "true"}}))
        if values:
            out.append((f"{short}Allowed", {"ForAnyValue:StringNotEquals": {key: values}}))
        return out
    if spec.kind == "arn":
        if values:
            cond: Document = {"ArnNotEquals": {key: values}}
            if not required:
                cond["Null"] = {key: "false"}
            return [(f"{short}Allowed" if required else f"{short}AllowedWhenSet", cond)]
        return [(f"{short}Present", {"Null": {key: "true"}})] if required else []
    if values:  # like
        return [(f"{short}Allowed", {"ForAnyValue:StringNotLike": {key: values}})]
    return []


def _required(paths: Iterable[str]) -> bool:
    return any("?" not in p and "[]" not in p for p in paths)


def _catalog_keys(rule: Rule) -> list[ConditionKey]:
    out = []
    for ref in rule.references:
        if ref.startswith("IAM:sagemaker:"):
            key = current(ref.removeprefix("IAM:"))
            if key is not None:
                out.append(key)
    return out


def deny_statements(policy: SecurityPolicy, rules: Iterable[Rule] | None = None) -> list[Document]:
    """Every Deny statement the catalog's rules imply for ``policy`` (merged by
    condition), in a stable order."""
    if rules is None:
        rules = CATALOG
    merged: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        if rule.service != "sagemaker":
            continue
        for key in _catalog_keys(rule):
            spec = _SPECS.get(key.name)
            if spec is None or not spec.enabled(policy):
                continue
            for op, paths in rule.fields.items():
                if op not in key.actions:
                    continue  # the key is absent on this action: never test it there
                for sid, condition in _conditions(key.name, spec, _required(paths), policy):
                    text = json.dumps(condition, sort_keys=True)
                    merged.setdefault((sid, text), set()).add(op)
    out: list[Document] = []
    for (sid, cond), ops in sorted(merged.items()):
        out.append(
            {
                "Sid": f"Deny{sid}",
                "Effect": "Deny",
                "Action": sorted(f"sagemaker:{op}" for op in ops),
                "Resource": "*",
                "Condition": json.loads(cond),
            }
        )
    return out


def _size(document: Document) -> int:
    return len(json.dumps(document, separators=(",", ":")))


def _document(statements: list[Document]) -> Document:
    return {"Version": "2012-10-17", "Statement": statements}


def _fit(statement: Document, limit: int) -> list[Document]:
    """Split a statement whose action or resource list alone is too large for one
    document (the longer list is halved)."""
    if _size(_document([statement])) <= limit:
        return [statement]
    lists = [e for e in ("Action", "Resource") if isinstance(statement[e], list)]
    element = max(lists, key=lambda e: len(statement[e]), default=None)
    if element is None or len(statement[element]) < 2:
        return [statement]
    half = len(statement[element]) // 2
    parts = []
    for i, items in enumerate((statement[element][:half], statement[element][half:])):
        parts += _fit({**statement, "Sid": f"{statement['Sid']}{i}", element: items}, limit)
    return parts


def _pack(statements: list[Document], limit: int) -> list[Document]:
    documents: list[list[Document]] = [[]]
    for whole in statements:
        for statement in _fit(whole, limit):
            if documents[-1] and _size(_document([*documents[-1], statement])) > limit:
                documents.append([])
            documents[-1].append(statement)
    return [_document(s) for s in documents if s]


def _key_targets(policy: SecurityPolicy) -> tuple[list[str], list[str]]:
    """(key ARNs, alias names) of every key the policy names (purpose keys and
    ``allowed_kms_keys``); a bare key ID names no region or account, so it is left out."""
    arns: dict[str, None] = {}
    aliases: dict[str, None] = {}
    for key in (*policy.kms_keys(), *policy.allowed_kms_keys):
        if _KEY_ARN.match(key):
            arns[key] = None
        elif (m := _ALIAS.match(key)) is not None:
            aliases[m.group(1)] = None
    return list(arns), list(aliases)


def _secret_resources(policy: SecurityPolicy) -> list[str]:
    """Secret ARNs as given; a name prefix matches its secrets in any region/account."""
    return [
        p if p.startswith("arn:") else f"arn:aws:secretsmanager:*:*:secret:{p}*"
        for p in policy.protected_secrets
    ]


def _role_resources(policy: SecurityPolicy) -> list[str]:
    """Role ARNs as given; a bare name matches the role at any path in any account
    (as :meth:`SecurityPolicy.is_execution_role` compares names)."""
    out: list[str] = []
    for role in policy.execution_roles:
        if role.startswith("arn:"):
            out.append(role)
        else:
            name = role.rsplit("/", 1)[-1]
            out += [f"arn:aws:iam::*:role/{name}", f"arn:aws:iam::*:role/*/{name}"]
    return list(dict.fromkeys(out))


def protection_statements(
    policy: SecurityPolicy, *, break_glass_role_arn: str | None = None
) -> list[Document]:
    """Deny statements that keep the policy's KMS keys, artifact buckets, protected
    secrets and execution roles from being weakened (the actions of
    :data:`PROTECTED_ACTIONS`), except by ``break_glass_role_arn`` when given.  A kind
    of resource the policy does not name gets no statement.  Raises
    ``InvalidArgumentError`` when ``break_glass_role_arn`` is not a role ARN."""
    exempt: Document = {}
    if break_glass_role_arn is not None:
        if not isinstance(break_glass_role_arn, str) or not _BREAK_GLASS.match(
            break_glass_role_arn
        ):
            raise InvalidArgumentError(
                "break_glass_role_arn must be a role ARN (arn:aws:iam::<account>:role/<name>)"
            )
        exempt = {"ArnNotLike": {"aws:PrincipalArn": break_glass_role_arn}}
    key_arns, aliases = _key_targets(policy)
    targets: list[tuple[str, str, list[str], Document]] = [
        ("KmsKeyWeakening", "key", key_arns, {}),
        (
            "AliasedKmsKeyWeakening",
            "key",
            ["arn:aws:kms:*:*:key/*"] if aliases else [],
            {"ForAnyValue:StringEquals": {"kms:ResourceAliases": aliases}},
        ),
        (
            "ArtifactBucketWeakening",
            "bucket",
            [f"arn:aws:s3:::{b}" for b in policy.artifact_buckets],
            {},
        ),
        ("ProtectedSecretWeakening", "secret", _secret_resources(policy), {}),
        ("ExecutionRoleWeakening", "role", _role_resources(policy), {}),
    ]
    out: list[Document] = []
    for sid, kind, resources, condition in targets:
        if not resources:
            continue
        statement: Document = {
            "Sid": f"Deny{sid}",
            "Effect": "Deny",
            "Action": sorted(PROTECTED_ACTIONS[kind]),
            "Resource": resources,
        }
        if condition or exempt:
            statement["Condition"] = {**condition, **exempt}
        out.append(statement)
    return out


def guardrails(
    policy: SecurityPolicy | None = None,
    *,
    form: Form = "scp",
    break_glass_role_arn: str | None = None,
) -> list[Document]:
    """Deny statements that make AWS enforce the catalog's SageMaker rules server-side,
    packed into as few policy documents as fit the size limit of ``form`` (``"scp"``:
    a service control policy, 5,120 characters; ``"iam"``: a customer-managed policy
    for roles or a permissions boundary, 6,144).  Documents are dicts; each fits its
    limit when serialised minified.  The :func:`protection_statements` of the policy's
    keys, buckets, secrets and execution roles follow, exempting
    ``break_glass_role_arn`` when given.  Raises ``ValueError`` for an unknown form
    or a malformed ``break_glass_role_arn``.

    >>> docs = guardrails()
    >>> docs[0]["Statement"][0]["Effect"]
    'Deny'
    """
    if form not in SIZE_LIMITS:
        raise InvalidArgumentError('form must be "scp" or "iam"')
    if policy is None:
        policy = SecurityPolicy()
    statements = deny_statements(policy)
    statements += protection_statements(policy, break_glass_role_arn=break_glass_role_arn)
    return _pack(statements, SIZE_LIMITS[form])


def guardrails_json(
    policy: SecurityPolicy | None = None,
    form: Form = "scp",
    *,
    break_glass_role_arn: str | None = None,
) -> str:
    """:func:`guardrails` as JSON text: the document itself when one is enough,
    otherwise a JSON array of documents (attach each as its own policy).  SCPs count
    whitespace toward their limit, so ``"scp"`` output is minified; ``"iam"`` output
    is indented (IAM does not count whitespace).

    >>> guardrails_json().startswith('{"Version":"2012-10-17"')
    True
    """
    documents = guardrails(policy, form=form, break_glass_role_arn=break_glass_role_arn)
    payload: Any = documents[0] if len(documents) == 1 else documents
    if form == "scp":
        return json.dumps(payload, separators=(",", ":"))
    return json.dumps(payload, indent=2)
