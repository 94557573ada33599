"""KMS: unknown operations are refused when they target one of the policy's keys, logged
elsewhere.

Only using a key for cryptography is allowed.  Key policies, grants, aliases, state,
rotation, key material and custom key stores are unknown, and so are tags: with ABAC,
tagging or untagging a key can grant or deny access to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from secure_sagemaker._operations import ServiceOperations, names

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

_KEY_PARAMS = ("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId")
"""Parameters naming a key (ID, ARN, alias or alias ARN)."""

_Ref = tuple[str, str]


def _ref(value: str) -> _Ref | None:
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


def _same_key(request: _Ref | None, policy: _Ref | None) -> bool:
    """Whether two references may name the same key.  An alias and a key ID, or an
    unparsable ARN, cannot be compared without calling AWS: they may."""
    if request is None or policy is None or request[0] != policy[0]:
        return True
    return request[1] == policy[1]


def _policy_key(params: Mapping[str, Any], policy: SecurityPolicy) -> bool:
    """Whether the request names (or may name) one of the policy's KMS keys.

    Compared: ``KeyId``, ``TargetKeyId``, ``SourceKeyId``, ``DestinationKeyId`` (see
    :func:`_same_key`), and ``AliasName`` against the policy's aliases only: an alias
    the policy does not name is not how the policy reaches its key.  A policy without
    keys, or a request naming none (or with non-string values), is not protected.
    """
    refs = [_ref(k) for k in policy.kms_keys() if isinstance(k, str) and k]
    if not refs:
        return False
    for param in _KEY_PARAMS:
        value = params.get(param)
        if isinstance(value, str) and any(_same_key(_ref(value), r) for r in refs):
            return True
    alias = params.get("AliasName")
    if isinstance(alias, str):
        ref = _ref(alias)
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
    protected=_policy_key,
    allowed={
        **dict.fromkeys(_CRYPTO, "uses a key for cryptography; changes no key, policy or grant"),
    },
    unknown=names("""
        CancelKeyDeletion ConnectCustomKeyStore CreateAlias CreateCustomKeyStore CreateGrant
        CreateKey DeleteAlias DeleteCustomKeyStore DeleteImportedKeyMaterial DisableKey
        DisconnectCustomKeyStore EnableKey EnableKeyRotation ImportKeyMaterial PutKeyPolicy
        ReplicateKey RetireGrant RevokeGrant RotateKeyOnDemand ScheduleKeyDeletion TagResource
        UntagResource UpdateAlias UpdateCustomKeyStore UpdateKeyDescription UpdatePrimaryRegion
    """),
)
