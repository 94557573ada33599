"""The organisation's security policy: the secure values and the exceptions.

One :class:`SecurityPolicy` is set for a whole organisation (a TOML file checked into
each repository, or passed explicitly).  It supplies the values the guard fills in
(subnets, security groups, KMS keys) and narrows what is allowed (instance types,
image registries, regions, tags).  Waivers are explicit and reported, never silent.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from secure_sagemaker._aws.kms import is_customer_kms_key
from secure_sagemaker._policy_fields import (
    ACCOUNT,
    KEY_ARN,
    REGION,
    ROLE,
    SECRET,
    SG_ID,
    SUBNET,
    check_allow_operations,
    check_bool,
    check_buckets,
    check_cidrs,
    check_each,
    check_justified,
    check_kms,
    check_mode,
    check_project_templates,
    check_session,
    check_vpc,
    check_waivers,
    strs,
    to_allow_operations,
    to_buckets,
    to_mapping,
    to_severity,
    to_waivers,
)
from secure_sagemaker.exceptions import PolicyError
from secure_sagemaker.rules import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["KMS_PURPOSES", "SecurityPolicy", "is_customer_kms_key"]

logger = logging.getLogger("secure_sagemaker.policy")

ENV_VAR = "SECURE_SAGEMAKER_POLICY"
KMS_PURPOSES = ("volume", "output", "endpoint", "data_capture", "secrets", "s3")

_kms = attrs.field(default=None, validator=check_kms)


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
    * ``max_presigned_session_seconds`` (default 3600): the longest session a presigned
      notebook, Studio, MLflow or partner-app URL may open.
    * ``allowed_workforce_cidrs``: source CIDRs a labeling workforce may allow.
    * ``allow_ssm_access``, ``allow_remote_access``, ``allow_docker_access`` (default
      false): whether SSM access to endpoints, remote access to Studio spaces and
      Docker access in Studio may ever be enabled.
    * ``allow_global_inference_gateways``, ``allow_edge_devices``,
      ``allow_servicecatalog_portfolio`` (default false): whether global inference
      gateways may be created or changed, Edge Manager devices registered, and the
      SageMaker Service Catalog portfolio enabled for Studio users.
    * ``allowed_project_templates``: Service Catalog product IDs (``prod-...``) and
      CloudFormation template URLs (``https://...``; one ending in ``/`` is a prefix)
      that SageMaker projects may provision; empty means none.
    * ``allow_deletions``: resource name or ARN -> justification: permanent deletions
      (object versions, key deletion) allowed for that resource only.
    * ``allow_operations``: ``"service:Operation"`` -> justification: mutating
      operations no rule judges that the guard may send (else refused by SM000).
    * ``mode``: ``"enforce"`` refuses insecure requests, ``"warn"`` only logs them.
    * ``block_at``: failures below this severity are logged, not refused.
    """

    subnets: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(SUBNET, "a subnet ID (subnet-...)")
    )
    security_group_ids: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(SG_ID, "a security group ID (sg-...)")
    )
    kms_key_id: str | None = _kms
    volume_kms_key_id: str | None = _kms
    output_kms_key_id: str | None = _kms
    endpoint_kms_key_id: str | None = _kms
    data_capture_kms_key_id: str | None = _kms
    secrets_kms_key_id: str | None = _kms
    s3_kms_key_id: str | None = _kms
    vpc_id: str | None = attrs.field(default=None, validator=check_vpc)
    artifact_buckets: tuple[str, ...] = attrs.field(
        default=(), converter=to_buckets, validator=check_buckets
    )
    allowed_instance_types: tuple[str, ...] = attrs.field(default=(), converter=strs)
    allowed_image_registries: tuple[str, ...] = attrs.field(default=(), converter=strs)
    allowed_regions: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(REGION, "a region name (eu-west-1)")
    )
    required_tags: tuple[str, ...] = attrs.field(default=(), converter=strs)
    trusted_accounts: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(ACCOUNT, "a 12-digit account ID")
    )
    allowed_kms_keys: tuple[str, ...] = attrs.field(
        default=(),
        converter=strs,
        validator=check_each(KEY_ARN, "a KMS key or alias ARN (arn:aws:kms:...)"),
    )
    protected_secrets: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(SECRET, "a secret name prefix or ARN")
    )
    execution_roles: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_each(ROLE, "a role name or ARN")
    )
    max_presigned_session_seconds: int = attrs.field(default=3600, validator=check_session)
    allowed_workforce_cidrs: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_cidrs
    )
    allow_ssm_access: bool = attrs.field(default=False, validator=check_bool)
    allow_remote_access: bool = attrs.field(default=False, validator=check_bool)
    allow_docker_access: bool = attrs.field(default=False, validator=check_bool)
    allow_global_inference_gateways: bool = attrs.field(default=False, validator=check_bool)
    allow_edge_devices: bool = attrs.field(default=False, validator=check_bool)
    allow_servicecatalog_portfolio: bool = attrs.field(default=False, validator=check_bool)
    allowed_project_templates: tuple[str, ...] = attrs.field(
        default=(), converter=strs, validator=check_project_templates
    )
    allow_deletions: Mapping[str, str] = attrs.field(
        factory=dict, converter=to_mapping, validator=check_justified("allow_deletions")
    )
    waivers: Mapping[str, str] = attrs.field(
        factory=dict,
        converter=to_waivers,
        validator=check_waivers,
    )
    allow_operations: Mapping[str, str] = attrs.field(
        factory=dict, converter=to_allow_operations, validator=check_allow_operations
    )
    mode: Literal["enforce", "warn"] = attrs.field(default="enforce", validator=check_mode)
    block_at: Severity = attrs.field(default=Severity.MEDIUM, converter=to_severity)

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
