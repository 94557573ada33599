"""The organisation's security policy: the secure values and the exceptions.

One :class:`SecurityPolicy` is set for a whole organisation (a TOML file checked into
each repository, or passed explicitly).  It supplies the values the guard fills in
(subnets, security groups, KMS keys) and narrows what is allowed (instance types,
image registries, regions, tags).  Waivers are explicit and reported, never silent.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from secure_sagemaker._aws.kms import is_customer_kms_key
from secure_sagemaker._aws.s3uri import bucket_of, is_bucket_name
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.exceptions import PolicyError, UnknownOperationError
from secure_sagemaker.rules import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["KMS_PURPOSES", "SecurityPolicy", "is_customer_kms_key"]

logger = logging.getLogger("secure_sagemaker.policy")

ENV_VAR = "SECURE_SAGEMAKER_POLICY"
KMS_PURPOSES = ("volume", "output", "endpoint", "data_capture", "secrets", "s3")

_SUBNET = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SG = re.compile(r"^sg-[0-9a-f]{8,17}$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d$")
_RULE_ID = re.compile(r"^SM\d{3}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)/.+$")
_ROLE = re.compile(r"^(?:arn:aws[a-z-]*:iam::\d{12}:role/)?[\w+=,.@/-]{1,512}$")
_SECRET = re.compile(r"^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[\w/+=.@-]+$")


def _bucket_name(value: str) -> str:
    return bucket_of(value)


def _strs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if value is None:
        return ()
    return tuple(value)


def _check_each(pattern: re.Pattern[str], what: str) -> Any:
    def validate(inst: Any, attribute: attrs.Attribute[Any], value: Iterable[Any]) -> None:
        for item in value:
            if not isinstance(item, str) or not pattern.match(item):
                raise PolicyError(f"each entry must be {what}", key=attribute.name)

    return validate


def _check_kms(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not is_customer_kms_key(value):
        raise PolicyError(
            "must be a customer-managed KMS key ID, key ARN, alias or alias ARN "
            "(not an AWS-managed alias/aws/... key)",
            key=attribute.name,
        )


def _check_vpc(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (isinstance(value, str) and _VPC.match(value)):
        raise PolicyError("must be a VPC ID (vpc-...)", key=attribute.name)


def _check_waivers(inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for rule_id, why in value.items():
        if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
            raise PolicyError("keys must be rule IDs like SM205", key=f"waivers.{rule_id}")
        if rule_id not in CATALOG:
            raise PolicyError(
                "unknown rule ID (see `secure-sagemaker rules`)", key=f"waivers.{rule_id}"
            )
        if not isinstance(why, str) or not why.strip():
            raise PolicyError(
                "a waiver needs a justification: reason, owner, expiry", key=f"waivers.{rule_id}"
            )


def _to_allow_operations(value: Any) -> dict[str, str]:
    """``[{operation = "svc:Op", justification = "..."}]`` (the file's form) or a
    mapping ``{"svc:Op": "justification"}`` -> ``{"svc:Op": justification}``; a bare
    ``Op`` means ``sagemaker:Op``."""
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = []
        for i, entry in enumerate(value):
            if not isinstance(entry, Mapping) or set(entry) - {"operation", "justification"}:
                raise PolicyError(
                    "each entry must be {operation = ..., justification = ...}",
                    key=f"allow_operations[{i}]",
                )
            items.append((entry.get("operation"), entry.get("justification")))
    else:
        raise PolicyError("must be a list of {operation, justification}", key="allow_operations")
    out: dict[str, str] = {}
    for op, why in items:
        if not isinstance(op, str) or not op.strip():
            raise PolicyError("operation must be service:Operation", key="allow_operations")
        name = op.strip() if ":" in op else f"sagemaker:{op.strip()}"
        out[name] = why
    return out


def _check_allow_operations(
    inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]
) -> None:
    for name, why in value.items():
        key = f"allow_operations.{name}"
        service, _, operation = name.partition(":")
        if not isinstance(why, str) or not why.strip():
            raise PolicyError(
                "allowing an operation needs a justification: reason, owner, expiry", key=key
            )
        try:
            REGISTRY.resolve(operation, service)
        except UnknownOperationError as err:
            raise PolicyError(str(err), key=key) from None
        kind = REGISTRY.classify(service, operation)
        if kind == "judged":
            raise PolicyError(
                "is judged by rules (see `secure-sagemaker rules`); waive a rule instead", key=key
            )
        if kind == "read":
            raise PolicyError("is read-only: the guard never refuses it", key=key)


def _to_mapping(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _check_justified(key: str) -> Any:
    def validate(inst: Any, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
        for name, why in value.items():
            if not isinstance(name, str) or not name.strip():
                raise PolicyError("keys must be resource names or ARNs", key=key)
            if not isinstance(why, str) or not why.strip():
                raise PolicyError(
                    "needs a justification: reason, owner, expiry", key=f"{key}.{name}"
                )

    return validate


def _check_buckets(inst: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for item in value:
        if not is_bucket_name(item):
            raise PolicyError(
                "each entry must be an S3 bucket name or s3:// URI", key=attribute.name
            )


def _to_buckets(value: Any) -> tuple[str, ...]:
    return tuple(_bucket_name(v) if isinstance(v, str) else v for v in _strs(value))


def _to_severity(value: Any) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as err:
        raise PolicyError(str(err), key="block_at") from None


def _check_mode(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in ("enforce", "warn"):
        raise PolicyError('must be "enforce" or "warn"', key="mode")


def _to_waivers(value: Mapping[str, str]) -> dict[str, str]:
    return {str(k).upper(): v for k, v in dict(value).items()}


_kms = attrs.field(default=None, validator=_check_kms)


@attrs.frozen
class SecurityPolicy:
    """The organisation's settings.  Frozen; build a new one with :func:`attrs.evolve`.

    Raises :class:`~secure_sagemaker.PolicyError` naming the key when a value is
    malformed (bad subnet/security-group/KMS format, unknown rule ID in a waiver).

    * ``subnets``, ``security_group_ids``: private subnets and security groups filled
      into every VPC config; when set, a request naming others is refused.
    * ``kms_key_id``: the default customer-managed key; ``volume_kms_key_id`` ...
      ``s3_kms_key_id`` override it per purpose (see :meth:`kms_key`).
    * ``artifact_buckets``: buckets (names or ``s3://`` URIs) whose writes must be
      SSE-KMS with a customer key; the first also receives endpoint data capture.
    * ``allowed_instance_types`` (globs like ``ml.m5.*``), ``allowed_image_registries``
      (prefixes of image URIs), ``allowed_regions``, ``required_tags`` (tag keys):
      empty means no restriction.
    * ``waivers``: rule ID -> justification; waived failures are reported as waived.
    * ``trusted_accounts``: account IDs a resource policy may grant access to; empty
      means the caller's own account only (the guard asks STS once).
    * ``allowed_kms_keys``: key or alias ARNs; when set, no other key is accepted in
      any KMS field.
    * ``protected_secrets`` (name prefixes or ARNs), ``execution_roles`` (names or
      ARNs): resources nothing may weaken, as the artifact buckets and the KMS keys.
    * ``allow_deletions``: resource name or ARN -> justification: permanent deletions
      (object versions, key deletion) allowed for that resource only.
    * ``allow_operations``: ``"service:Operation"`` -> justification: mutating
      operations no rule judges that the guard may send (else refused by SM000).
    * ``mode``: ``"enforce"`` refuses insecure requests, ``"warn"`` only logs them.
    * ``block_at``: failures below this severity are logged, not refused.
    """

    subnets: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_SUBNET, "a subnet ID (subnet-...)")
    )
    security_group_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_SG, "a security group ID (sg-...)")
    )
    kms_key_id: str | None = _kms
    volume_kms_key_id: str | None = _kms
    output_kms_key_id: str | None = _kms
    endpoint_kms_key_id: str | None = _kms
    data_capture_kms_key_id: str | None = _kms
    secrets_kms_key_id: str | None = _kms
    s3_kms_key_id: str | None = _kms
    vpc_id: str | None = attrs.field(default=None, validator=_check_vpc)
    artifact_buckets: tuple[str, ...] = attrs.field(
        default=(), converter=_to_buckets, validator=_check_buckets
    )
    allowed_instance_types: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    allowed_image_registries: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    allowed_regions: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_REGION, "a region name (eu-west-1)")
    )
    required_tags: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    trusted_accounts: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_ACCOUNT, "a 12-digit account ID")
    )
    allowed_kms_keys: tuple[str, ...] = attrs.field(
        default=(),
        converter=_strs,
        validator=_check_each(_KEY_ARN, "a KMS key or alias ARN (arn:aws:kms:...)"),
    )
    protected_secrets: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_SECRET, "a secret name prefix or ARN")
    )
    execution_roles: tuple[str, ...] = attrs.field(
        default=(), converter=_strs, validator=_check_each(_ROLE, "a role name or ARN")
    )
    allow_deletions: Mapping[str, str] = attrs.field(
        factory=dict, converter=_to_mapping, validator=_check_justified("allow_deletions")
    )
    waivers: Mapping[str, str] = attrs.field(
        factory=dict,
        converter=_to_waivers,
        validator=_check_waivers,
    )
    allow_operations: Mapping[str, str] = attrs.field(
        factory=dict, converter=_to_allow_operations, validator=_check_allow_operations
    )
    mode: Literal["enforce", "warn"] = attrs.field(default="enforce", validator=_check_mode)
    block_at: Severity = attrs.field(default=Severity.MEDIUM, converter=_to_severity)

    def kms_key(self, purpose: str) -> str | None:
        """The customer key for ``purpose`` (one of :data:`KMS_PURPOSES`), falling back
        to ``kms_key_id``; ``None`` when the policy has neither."""
        specific: str | None = getattr(self, f"{purpose}_kms_key_id")
        return specific or self.kms_key_id

    def kms_keys(self) -> tuple[str, ...]:
        """Every customer key the policy names, for any purpose, each once."""
        keys = (self.kms_key_id, *(getattr(self, f"{p}_kms_key_id") for p in KMS_PURPOSES))
        return tuple(dict.fromkeys(k for k in keys if k))

    @property
    def vpc_config(self) -> dict[str, list[str]] | None:
        """``{"Subnets": [...], "SecurityGroupIds": [...]}`` or ``None`` if incomplete."""
        if self.subnets and self.security_group_ids:
            return {
                "Subnets": list(self.subnets),
                "SecurityGroupIds": list(self.security_group_ids),
            }
        return None

    def is_artifact_bucket(self, bucket: object) -> bool:
        return isinstance(bucket, str) and bucket in self.artifact_buckets

    def is_execution_role(self, role: object) -> bool:
        """Whether ``role`` (a name or ARN) is one of ``execution_roles`` (by name or ARN)."""
        if not isinstance(role, str) or not role:
            return False
        name = role.rsplit("/", 1)[-1]
        return any(r == role or r.rsplit("/", 1)[-1] == name for r in self.execution_roles)

    def is_protected_secret(self, secret: object) -> bool:
        """Whether ``secret`` (a name or ARN) is one of ``protected_secrets``: an equal
        ARN, or a name starting with a configured name prefix."""
        if not isinstance(secret, str) or not secret:
            return False
        name = secret.split(":secret:", 1)[-1]
        return any(
            secret == p or (not p.startswith("arn:") and name.startswith(p))
            for p in self.protected_secrets
        )

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>") -> SecurityPolicy:
        """Build from a mapping using the file's key names (kebab- or snake-case).

        Raises :class:`PolicyError` naming ``source`` and the key on any problem.
        """
        names = {a.name for a in attrs.fields(cls)}
        kwargs: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = str(raw_key).replace("-", "_")
            if key == "kms_keys":
                if not isinstance(value, Mapping):
                    raise PolicyError(
                        "must be a table of purpose = key", source=source, key=raw_key
                    )
                for purpose, kid in value.items():
                    p = str(purpose).replace("-", "_")
                    if p not in KMS_PURPOSES:
                        raise PolicyError(
                            f"unknown purpose; expected one of {', '.join(KMS_PURPOSES)}",
                            source=source,
                            key=f"kms-keys.{purpose}",
                        )
                    kwargs[f"{p}_kms_key_id"] = kid
                continue
            if key not in names:
                raise PolicyError("unknown key", source=source, key=str(raw_key))
            kwargs[key] = value
        try:
            return cls(**kwargs)
        except PolicyError as err:
            raise PolicyError(err._message, source=source, key=err.key) from None
        except (TypeError, ValueError) as err:
            raise PolicyError(f"invalid value ({type(err).__name__})", source=source) from None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> SecurityPolicy:
        """Read a ``secure-sagemaker.toml`` (or a ``pyproject.toml``'s
        ``[tool.secure-sagemaker]`` table).  Raises :class:`PolicyError`."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as err:
            raise PolicyError(f"cannot read ({err.strerror})", source=str(p)) from None
        except tomllib.TOMLDecodeError as err:
            raise PolicyError(f"not valid TOML ({err})", source=str(p)) from None
        if p.name == "pyproject.toml":
            data = data.get("tool", {}).get("secure-sagemaker", {})
        return cls.from_mapping(data, source=str(p))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> SecurityPolicy:
        """Read the policy.

        With ``path``: that file (a ``secure-sagemaker.toml`` or ``pyproject.toml``), or
        the policy in that directory; raises :class:`PolicyError` when there is none -
        an explicit policy never falls back.  Without: the file named by env
        ``SECURE_SAGEMAKER_POLICY`` (which must exist), else ``./secure-sagemaker.toml``,
        else ``[tool.secure-sagemaker]`` in ``./pyproject.toml``, else an empty policy
        (every rule still applies; nothing can be filled in).  Logs at INFO which file
        it used, or that it used none.  Raises :class:`PolicyError` for malformed input.
        """
        if path is not None:
            p = Path(path)
            if p.is_dir():
                found = cls._find(p)
                if found is None:
                    raise PolicyError(
                        "no secure-sagemaker.toml or [tool.secure-sagemaker] in pyproject.toml "
                        "in this directory",
                        source=str(p),
                    )
                return cls._read(found)
            if not p.is_file():
                raise PolicyError(
                    "no such file (an explicit policy never falls back)", source=str(p)
                )
            return cls._read(p)
        env = os.environ.get(ENV_VAR)
        if env:
            return cls._read(Path(env), f" (from {ENV_VAR})")
        found = cls._find(Path.cwd())
        if found is None:
            logger.info("secure-sagemaker: no policy file found; using the empty default policy")
            return cls()
        return cls._read(found)

    @classmethod
    def _read(cls, path: Path, how: str = "") -> SecurityPolicy:
        policy = cls.from_file(path)
        logger.info("secure-sagemaker: policy read from %s%s", path, how)
        return policy

    @staticmethod
    def _find(base: Path) -> Path | None:
        own = base / "secure-sagemaker.toml"
        if own.is_file():
            return own
        pyproject = base / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except OSError:
                return None
            if "secure-sagemaker" in text:
                return pyproject
        return None
