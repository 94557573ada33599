"""Who a resource policy lets in: the principal analyzer of every "nothing opens what
the policy protects" rule (bucket, key, secret, SageMaker resource policies; trust
policies of the execution roles).

:func:`analyze` reads a resource policy the way IAM does and returns the widest
:class:`Exposure` any of its ``Allow`` statements grants:

* ``private``: only the trusted accounts (``policy.trusted_accounts``; the guard fills
  the caller's own account when the policy leaves it empty), AWS service principals,
  or anyone pinned by a condition to a trusted account, an organisation or a VPC
  endpoint/VPC;
* ``cross-account``: a named account outside the trusted ones (an account ID, an
  account/role/user ARN, an S3 canonical user), or a principal that cannot be
  attributed to an account (a unique ID, an ARN without an account);
* ``public``: every principal (``"*"``, ``{"AWS": "*"}``, ``Allow`` with
  ``NotPrincipal``) with no condition that pins the account, organisation, source or
  VPC endpoint; an external web identity provider with no audience/subject condition;
  and any document that cannot be read (fail closed).

``Deny`` statements never open anything and are skipped.  A condition narrows only
with a positive operator (``StringEquals``, ``StringEqualsIgnoreCase``,
``StringLike``, ``ArnEquals``, ``ArnLike``, alone or ``ForAnyValue:``) on a key that
identifies the caller or its source: ``aws:PrincipalAccount``, ``aws:PrincipalArn``,
``aws:PrincipalOrgID``, ``aws:PrincipalOrgPaths``, ``kms:CallerAccount`` (these
narrow any principal), and ``aws:SourceAccount``, ``aws:SourceOwner``,
``aws:SourceArn``, ``aws:SourceOrgID``, ``aws:SourceOrgPaths``, ``aws:SourceVpce``,
``aws:SourceVpc``, ``aws:VpceAccount``, ``aws:VpceOrgID``, ``aws:VpceOrgPaths`` (these
narrow a wildcard principal).  ``...IfExists`` operators do not narrow (an absent key
matches), nor do ``ForAllValues:`` ones (an absent key matches too), nor negated
operators, nor a value with a wildcard or a policy variable in its account or
organisation part.  Conditions on anything else (``aws:SecureTransport``,
``aws:CurrentTime``, ``s3:x-amz-server-side-encryption`` ...) do not restrict who the
principal is.  Keys, operators and principal types are compared case-insensitively.

Linear in the document's size: one pass over statements, principals and conditions,
no regular expression over policy text.  Reasons and paths never quote a value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Mapping
from typing import Any, Literal

import attrs

from secure_sagemaker.controls._policy_document import as_list, normalize_action
from secure_sagemaker.rules import MISSING, PASS, Check, Context, Verdict, fail

__all__ = ["Access", "Exposure", "analyze", "load", "normalize_action", "resource_policy_check"]

Access = Literal["private", "cross-account", "public"]

_RANK: dict[str, int] = {"private": 0, "cross-account": 1, "public": 2}
_PINS = "account, organisation, source ARN or VPC endpoint"


@attrs.frozen
class Exposure:
    """The widest access a resource policy grants: ``access``, ``where`` (a path such
    as ``Statement[1].Principal``, never a value) and ``reason`` (what grants it)."""

    access: Access
    where: str
    reason: str


PRIVATE = Exposure("private", "", "grants only trusted accounts, AWS services or a pinned caller")
_UNREADABLE = Exposure("public", "", "is not a readable JSON policy document with a Statement")

# --------------------------------------------------------------------------- actions


# --------------------------------------------------------------------------- conditions

_NARROWING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)
_Kind = Literal["account", "arn", "org", "network"]
# key -> (canonical name, what its values are, whether it narrows any principal or only
# a wildcard one: the source/VPC keys say where a request comes from, not who sent it)
_KEY_TABLE: tuple[tuple[str, _Kind, bool], ...] = (
    ("aws:PrincipalAccount", "account", True),
    ("kms:CallerAccount", "account", True),
    ("aws:PrincipalArn", "arn", True),
    ("aws:PrincipalOrgID", "org", True),
    ("aws:PrincipalOrgPaths", "org", True),
    ("aws:SourceAccount", "account", False),
    ("aws:SourceOwner", "account", False),
    ("aws:VpceAccount", "account", False),
    ("aws:SourceArn", "arn", False),
    ("aws:SourceOrgID", "org", False),
    ("aws:SourceOrgPaths", "org", False),
    ("aws:VpceOrgID", "org", False),
    ("aws:VpceOrgPaths", "org", False),
    ("aws:SourceVpce", "network", False),
    ("aws:SourceVpc", "network", False),
)
_KEYS = {entry[0].lower(): entry for entry in _KEY_TABLE}
_IDENTITY_SUFFIXES = (":aud", ":sub", ":oaud")


def _operator(raw: object) -> tuple[str, str] | None:
    """``(canonical operator, base)`` when the operator narrows, else ``None``."""
    if not isinstance(raw, str):
        return None
    op = raw.lower()
    if op.startswith("foranyvalue:"):
        op = op[len("foranyvalue:") :]
    elif op.startswith("forallvalues:"):
        return None  # true when the request has no value for the key
    if op.endswith("ifexists") or op not in _NARROWING_OPERATORS:
        return None
    return raw, op


def _wild(text: str) -> bool:
    return "*" in text or "?" in text or "$" in text


def _is_account(text: str) -> bool:
    return len(text) == 12 and text.isascii() and text.isdigit()


def _trusted(account: str, trusted: Collection[str]) -> Access:
    return "private" if account in trusted else "cross-account"


def _account_access(account: str, trusted: Collection[str]) -> Access | None:
    """``None`` when ``account`` (a value or an ARN's account part) pins nothing."""
    if _wild(account):
        return None
    if _is_account(account):
        return _trusted(account, trusted)
    return "cross-account"  # cannot be attributed to a trusted account


def _value_access(kind: _Kind, value: str, base: str, trusted: Collection[str]) -> Access | None:
    if kind == "account":
        return _account_access(value, trusted)
    if kind == "arn":
        parts = value.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return None if _wild(value) else "cross-account"
        if base == "stringlike" and any(_wild(p) for p in parts[:4]):
            return None  # a StringLike "*" before the account spans colons
        return _account_access(parts[4], trusted)
    head = value.split("/", 1)[0] if kind == "org" else value
    return None if not head or _wild(head) else "private"


def _condition_values(raw: Any) -> list[str] | None:
    out = []
    for v in as_list(raw):
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            return None
        out.append(str(v))
    return out or None


def _widest_value(
    kind: _Kind, values: list[str], base: str, trusted: Collection[str]
) -> Access | None:
    """A key's values are ORed: the widest counts; one that pins nothing, nothing."""
    widest: Access = "private"
    for v in values:
        access = _value_access(kind, v, base, trusted)
        if access is None:
            return None
        if _RANK[access] > _RANK[widest]:
            widest = access
    return widest


def _narrowing(
    condition: Any, label: str, trusted: Collection[str], *, wildcard: bool
) -> tuple[Access, str] | None:
    """The narrowest access a statement's conditions pin the caller to (conditions
    are ANDed: the narrowest wins), with the path of that condition."""
    if not _is_map(condition):
        return None
    best: tuple[Access, str] | None = None
    for raw_op, block in condition.items():
        operator = _operator(raw_op)
        if operator is None or not _is_map(block):
            continue
        shown, base = operator
        for raw_key, raw_values in block.items():
            entry = _KEYS.get(raw_key.lower()) if isinstance(raw_key, str) else None
            if entry is None or not (wildcard or entry[2]):
                continue
            values = _condition_values(raw_values)
            if values is None:
                continue
            widest = _widest_value(entry[1], values, base, trusted)
            if widest is not None and (best is None or _RANK[widest] < _RANK[best[0]]):
                best = (widest, f"{label}.Condition.{shown}.{entry[0]}")
    return best


def _pins_identity(condition: Any) -> bool:
    """A positive condition on a web identity's audience or subject."""
    if not _is_map(condition):
        return False
    for raw_op, block in condition.items():
        if _operator(raw_op) is None or not _is_map(block):
            continue
        for key in block:
            if isinstance(key, str) and key.lower().endswith(_IDENTITY_SUFFIXES):
                return True
    return False


# --------------------------------------------------------------------------- principals

_Judged = tuple[Access, str]  # access, reason (the caller knows where)
_EVERYONE = f'allows every principal ("*") with no condition that pins the {_PINS}'
_TYPES = {
    "aws": "AWS",
    "service": "Service",
    "federated": "Federated",
    "canonicaluser": "CanonicalUser",
}


def _is_map(value: object) -> bool:
    return type(value) is dict or isinstance(value, Mapping)  # dict: the fast path


def _aws_principal(value: Any, trusted: Collection[str]) -> _Judged:
    if not isinstance(value, str):
        return "public", "names a principal that is not a string"
    if value == "*":
        return "public", _EVERYONE
    if _is_account(value):
        return _trusted(value, trusted), "grants an account that is not trusted"
    parts = value.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        if _wild(parts[4]):
            return "public", "names a principal ARN whose account is a wildcard"
        if _is_account(parts[4]):
            return _trusted(parts[4], trusted), "grants a principal of an untrusted account"
    if _wild(value):
        return "public", "names a principal with a wildcard"
    return "cross-account", "names a principal that cannot be attributed to an account"


def _one(kind: str, value: Any, trusted: Collection[str], st: Mapping[str, Any]) -> _Judged:
    if kind == "aws":
        return _aws_principal(value, trusted)
    if kind == "service":
        if isinstance(value, str) and not _wild(value):
            return "private", "grants an AWS service"
        return "public", "names a service principal with a wildcard"
    if kind == "federated":
        if isinstance(value, str) and ":saml-provider/" in value:
            return _aws_principal(value, trusted)  # the organisation's own IdP
        if _pins_identity(st.get("Condition")):
            return "cross-account", "trusts identities of an external identity provider"
        return (
            "public",
            "trusts an external identity provider with no audience or subject condition",
        )
    if kind == "canonicaluser":
        return "cross-account", "grants an S3 canonical user (another account)"
    return "public", "names a principal type other than AWS, Service, Federated or CanonicalUser"


def _private(kind: str, value: object, trusted: Collection[str]) -> bool:
    """The common case, decided without building anything: an account ID or ARN of a
    trusted account, or a service principal.  (``trusted`` holds only account IDs.)"""
    if type(value) is not str:
        return False
    if kind == "aws":
        if value in trusted:
            return True
        parts = value.split(":", 5)
        return len(parts) == 6 and parts[0] == "arn" and parts[4] in trusted
    return kind == "service" and "*" not in value and "?" not in value and "$" not in value


def _all_private(principal: object, trusted: Collection[str]) -> bool:
    """Every principal of a ``Principal`` object is :func:`_private` (the hot path: one
    call per statement, no string built)."""
    if type(principal) is not dict:
        return False
    for raw_kind, raw in principal.items():
        if type(raw_kind) is not str:
            return False
        kind = raw_kind.lower()
        if type(raw) is list:
            if not all(_private(kind, value, trusted) for value in raw):
                return False
        elif not _private(kind, raw, trusted):
            return False
    return True


def _principal(
    st: Mapping[str, Any], label: str, trusted: Collection[str]
) -> tuple[Access, str, str]:
    """The widest access the statement's principal names, before conditions, with
    where (built only for a widening principal: the hot path builds no string)."""
    if "NotPrincipal" in st:
        return (
            "public",
            f"{label}.NotPrincipal",
            f"allows every principal but those in NotPrincipal with no condition that pins the {_PINS}",
        )
    principal = st.get("Principal", MISSING)
    if principal is MISSING:
        return "public", label, "has no Principal, so it cannot be attributed to an account"
    if isinstance(principal, str):
        access, reason = _aws_principal(principal, trusted)
        return access, f"{label}.Principal", reason
    if not _is_map(principal):
        return "public", f"{label}.Principal", "is not a principal object"
    widest: tuple[Access, str, str] = ("private", "", "")
    for raw_kind, raw in principal.items():
        kind = raw_kind.lower() if isinstance(raw_kind, str) else ""
        values = raw if type(raw) is list else (raw,)
        for i, value in enumerate(values):
            if _private(kind, value, trusted):
                continue
            access, reason = _one(kind, value, trusted, st)
            if _RANK[access] > _RANK[widest[0]]:
                name = _TYPES.get(kind, "?")
                at = f"{label}.Principal.{name}" + (f"[{i}]" if type(raw) is list else "")
                widest = (access, at, reason)
                if access == "public":
                    return widest
    return widest


def _statement(
    st: Mapping[str, Any], label: str, trusted: Collection[str]
) -> tuple[Access, str, str]:
    access, where, reason = _principal(st, label, trusted)
    if access == "private" or "Condition" not in st:
        return access, where, reason
    narrowed = _narrowing(st["Condition"], label, trusted, wildcard=access == "public")
    if narrowed is None or _RANK[narrowed[0]] >= _RANK[access]:
        return access, where, reason
    pinned, at = narrowed
    if pinned == "private":
        return "private", at, "pins the principal to a trusted account, organisation or network"
    return (
        "cross-account",
        at,
        "pins the principal to an account that is not trusted (or to no account)",
    )


@functools.lru_cache(maxsize=16)
def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep
        return None


def load(document: object) -> Mapping[str, Any] | None:
    """A policy document from a JSON string (parsed once for every rule that reads the
    same string: the result is shared, never modify it) or a mapping; ``None`` when it
    is neither."""
    doc: Any = _parse(document) if isinstance(document, str) else document
    return doc if _is_map(doc) else None


def _label(i: int, single: bool) -> str:
    return "Statement" if single else f"Statement[{i}]"


def analyze(document: object, trusted_accounts: Collection[str]) -> Exposure:
    """The widest access any Allow statement of a resource policy (JSON string or
    parsed mapping) grants.  Unreadable -> public (fail closed)."""
    doc = load(document)
    if doc is None or "Statement" not in doc:
        return _UNREADABLE
    trusted = frozenset(a for a in trusted_accounts if isinstance(a, str) and _is_account(a))
    raw = doc["Statement"]
    if _is_map(raw):
        raw, single = [raw], True
    elif isinstance(raw, list):
        single = False
    else:
        return Exposure("public", "Statement", "is not a list of statements")
    widest: tuple[Access, str, str] = ("private", "", "")
    for i, st in enumerate(raw):
        if not _is_map(st):
            return Exposure("public", _label(i, single), "is not a statement object")
        effect = st.get("Effect")
        if type(effect) is str and effect.lower() == "deny":
            continue
        if "NotPrincipal" not in st and _all_private(st.get("Principal"), trusted):
            continue  # conditions only narrow: a private principal stays private
        judged = _statement(st, _label(i, single), trusted)
        if _RANK[judged[0]] > _RANK[widest[0]]:
            widest = judged
            if judged[0] == "public":
                break
    if widest[0] == "private":
        return PRIVATE
    return Exposure(*widest)


def resource_policy_check(document_kind: str) -> Check:
    """A Rule check for a policy-document field: fails when ``analyze(value,
    ctx.policy.trusted_accounts)`` is public or cross-account, naming ``where`` and the
    reason.  ``document_kind`` names the document in the reason ("bucket policy")."""

    def check(value: Any, ctx: Context) -> Verdict:
        if value is MISSING:
            return fail(f"is absent; the {document_kind} must be a JSON policy document")
        exposure = analyze(value, ctx.policy.trusted_accounts)
        if exposure.access == "private":
            return PASS
        return fail(
            f"makes the {document_kind} {exposure.access}: it {exposure.reason}", exposure.where
        )

    return check
