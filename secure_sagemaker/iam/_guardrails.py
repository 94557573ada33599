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

__all__ = ["SIZE_LIMITS", "Form", "guardrails", "guardrails_json"]

Form = Literal["scp", "iam"]
#: maximum document size: SCPs 5,120 characters; customer-managed policies 6,144
#: characters (whitespace excluded).  Documents are measured minified.
SIZE_LIMITS: Mapping[str, int] = {"scp": 5120, "iam": 6144}

Document = dict[str, Any]
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-zA-Z-]+$")


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
    """Split a statement whose action list alone is too large for one document."""
    if _size(_document([statement])) <= limit or len(statement["Action"]) < 2:
        return [statement]
    half = len(statement["Action"]) // 2
    parts = []
    for i, actions in enumerate((statement["Action"][:half], statement["Action"][half:])):
        parts += _fit({**statement, "Sid": f"{statement['Sid']}{i}", "Action": actions}, limit)
    return parts


def _pack(statements: list[Document], limit: int) -> list[Document]:
    documents: list[list[Document]] = [[]]
    for whole in statements:
        for statement in _fit(whole, limit):
            if documents[-1] and _size(_document([*documents[-1], statement])) > limit:
                documents.append([])
            documents[-1].append(statement)
    return [_document(s) for s in documents if s]


def guardrails(policy: SecurityPolicy | None = None, *, form: Form = "scp") -> list[Document]:
    """Deny statements that make AWS enforce the catalog's SageMaker rules server-side,
    packed into as few policy documents as fit the size limit of ``form`` (``"scp"``:
    a service control policy, 5,120 characters; ``"iam"``: a customer-managed policy
    for roles or a permissions boundary, 6,144).  Documents are dicts; each fits its
    limit when serialised minified.  Raises ``ValueError`` for an unknown form.

    >>> docs = guardrails()
    >>> docs[0]["Statement"][0]["Effect"]
    'Deny'
    """
    if form not in SIZE_LIMITS:
        raise InvalidArgumentError('form must be "scp" or "iam"')
    if policy is None:
        policy = SecurityPolicy()
    return _pack(deny_statements(policy), SIZE_LIMITS[form])


def guardrails_json(policy: SecurityPolicy | None = None, form: Form = "scp") -> str:
    """:func:`guardrails` as JSON text: the document itself when one is enough,
    otherwise a JSON array of documents (attach each as its own policy).  SCPs count
    whitespace toward their limit, so ``"scp"`` output is minified; ``"iam"`` output
    is indented (IAM does not count whitespace).

    >>> guardrails_json().startswith('{"Version":"2012-10-17"')
    True
    """
    documents = guardrails(policy, form=form)
    payload: Any = documents[0] if len(documents) == 1 else documents
    if form == "scp":
        return json.dumps(payload, separators=(",", ":"))
    return json.dumps(payload, indent=2)
