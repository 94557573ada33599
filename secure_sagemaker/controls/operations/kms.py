"""KMS: unknown operations are refused when they target one of the policy's keys, logged
elsewhere.

Only using a key for cryptography is allowed.  Deleting, disabling, re-keying, sharing
(key policies, grants) and replicating the policy's keys are judged by SM46x
(``controls/sm4_key_guard.py``), disabling rotation by SM410.  Aliases, the remaining
state changes, custom key stores and tags are unknown: with ABAC, tagging or untagging
a key can grant or deny access to it.

The key comparisons below are shared by the rules: :func:`key_ref` parses a key
reference, :func:`may_be_same_key` says whether two may name one key (fail closed),
:func:`is_same_key` whether they certainly do (for exceptions such as
``allow_deletions``), and :func:`names_policy_key` whether a request targets one of
:func:`policy_keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker._operations import ServiceOperations, names

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "SERVICE",
    "KeyRef",
    "is_same_key",
    "key_ref",
    "may_be_same_key",
    "names_policy_key",
    "policy_keys",
]

_KEY_PARAMS = ("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId")
"""Parameters naming a key (ID, ARN, alias or alias ARN)."""

KeyRef = tuple[str, str]
"""``("key", id)`` or ``("alias", name)``, case-folded."""


def key_ref(value: str) -> KeyRef | None:
    """``("key", id)`` or ``("alias", name)`` for a key ID, key ARN, alias or alias ARN
    (case-folded); ``None`` for an ARN that names neither."""
    text = value.strip()
    if text.lower().startswith("arn:"):
        parts = text.split(":", 5)
        kind, sep, name = parts[-1].partition("/") if len(parts) == 6 else ("", "", "")
        if not sep or kind.lower() not in ("key", "alias"):
            return None
        return kind.lower(), name.casefold()
    if text.lower().startswith("alias/"):
        return "alias", text[len("alias/") :].casefold()
    return "key", text.casefold()


def may_be_same_key(request: KeyRef | None, policy: KeyRef | None) -> bool:
    """Whether two references may name the same key.  An alias and a key ID, or an
    unparsable ARN, cannot be compared without calling AWS: they may."""
    if request is None or policy is None or request[0] != policy[0]:
        return True
    return request[1] == policy[1]


def is_same_key(value: object, entries: Iterable[str]) -> bool:
    """Whether ``value`` certainly names the key one of ``entries`` names: the same key
    ID (bare or in an ARN, any case) or the same alias (bare or in an ARN, same case).
    An alias never matches a key ID: only a definite match may lift a protection."""
    ref = _exact_ref(value)
    return ref is not None and any(_exact_ref(e) == ref for e in entries)


def _exact_ref(value: object) -> KeyRef | None:
    """:func:`key_ref` keeping an alias name's case (a definite match must not rely on
    how KMS compares alias names)."""
    if not isinstance(value, str) or not value.strip():
        return None
    ref = key_ref(value)
    if ref is None or ref[0] == "key":
        return ref
    text = value.strip()
    return "alias", text[text.lower().index("alias/") + len("alias/") :]


def policy_keys(policy: SecurityPolicy) -> tuple[str, ...]:
    """The keys the policy protects: every key it names for a purpose
    (``kms_keys()``) and every key of ``allowed_kms_keys``, each once."""
    return tuple(dict.fromkeys((*policy.kms_keys(), *policy.allowed_kms_keys)))


def names_policy_key(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    """Whether the request names (or may name) one of the policy's KMS keys
    (:func:`policy_keys`).

    Compared: ``KeyId``, ``TargetKeyId``, ``SourceKeyId``, ``DestinationKeyId`` (see
    :func:`may_be_same_key`), and ``AliasName`` against the policy's aliases only: an
    alias the policy does not name is not how the policy reaches its key.  A policy
    without keys, or a request naming none (or with non-string values), is not
    protected.
    """
    refs = [key_ref(k) for k in policy_keys(policy) if isinstance(k, str) and k]
    if not refs:
        return False
    for param in _KEY_PARAMS:
        value = params.get(param)
        if isinstance(value, str) and any(may_be_same_key(key_ref(value), r) for r in refs):
            return True
    alias = params.get("AliasName")
    if isinstance(alias, str):
        ref = key_ref(alias)
        return any(r is None or (r[0] == "alias" and r == ref) for r in refs)
    return False


_CRYPTO = names("""
    Decapsulate Decrypt DeriveSharedSecret Encapsulate Encrypt GenerateDataKey
    GenerateDataKeyPair GenerateDataKeyPairWithoutPlaintext GenerateDataKeyWithoutPlaintext
    GenerateMac GenerateRandom ReEncrypt Sign Verify VerifyMac
""")

SERVICE = ServiceOperations(
    service="kms",
    stance="protected",
    scope="the policy's KMS keys",
    protected=names_policy_key,
    allowed={
        **dict.fromkeys(_CRYPTO, "uses a key for cryptography; changes no key, policy or grant"),
    },
    unknown=names("""
        CancelKeyDeletion ConnectCustomKeyStore CreateAlias CreateCustomKeyStore CreateKey
        DeleteAlias DeleteCustomKeyStore DisconnectCustomKeyStore EnableKey EnableKeyRotation
        ImportKeyMaterial RetireGrant RevokeGrant RotateKeyOnDemand TagResource UntagResource
        UpdateAlias UpdateCustomKeyStore UpdateKeyDescription
    """),
)
