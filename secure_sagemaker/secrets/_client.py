"""Secrets Manager, the secure way: a cached, redacting reader; creation and
rotation through the guard; a per-secret security check; and references that
SageMaker jobs resolve at run time instead of carrying credentials.

Example::

    secrets = SecretClient(policy=policy)
    arn = secrets.create("prod/db", {"user": "app", "password": pw})  # customer KMS key
    secrets.ensure_rotation("prod/db", rotation_lambda_arn, days=30)
    creds = secrets.get_json("prod/db")                              # cached, redacted
    connect(user=creds["user"].reveal(), password=creds["password"].reveal())
    env = {"DB_PASSWORD": str(SecretRef("prod/db", key="password"))}  # for a job

Values are :class:`SecretValue` objects: ``repr``/``str``/f-strings print
``<redacted>``, pickling is refused, and only ``reveal()`` returns the value.
Creating a ``SecretClient`` installs a filter on botocore's loggers that redacts
``SecretString``/``SecretBinary`` in its DEBUG request and response dumps.

Caching is this module's own (see ``docs/secrets.md`` for why not
``aws-secretsmanager-caching``): one ``GetSecretValue`` per secret and stage per
``ttl``; one call for any number of concurrent first readers; on a transient error
the last value is served for at most ``stale_grace`` seconds past its ``ttl``; a
deleted or unknown secret raises :class:`~secure_sagemaker.SecretNotFoundError`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker._aws.redact import install_botocore_filter
from secure_sagemaker.controls.sm5_secrets import SECRET_VIEW
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import (
    ArgumentTypeError,
    InvalidArgumentError,
    SecretNotFoundError,
)
from secure_sagemaker.guard import protect
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding
from secure_sagemaker.secrets._cache import TTLCache
from secure_sagemaker.secrets._env import PREFIX, parse_reference, resolve_environment
from secure_sagemaker.secrets._value import SecretFormatError, SecretMapping, SecretValue

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "SecretClient",
    "SecretFormatError",
    "SecretMapping",
    "SecretRef",
    "SecretValue",
    "resolve_environment",
]

logger = logging.getLogger("secure_sagemaker.secrets")

RESOURCE_TYPE = "AWS::SecretsManager::Secret"
MAX_ROTATION_DAYS = 90


def _check_target(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or "#" in value:
        raise InvalidArgumentError("SecretRef name_or_arn must be a secret name or ARN (no '#')")
    parse_reference(PREFIX + value)  # raises ValueError without repeating the value


def _check_key(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidArgumentError("SecretRef key must be a non-empty JSON key or None")


@attrs.frozen
class SecretRef:
    """A reference to a secret (optionally one key of a JSON secret), safe to put
    in a job's ``Environment``: ``str(ref)`` is ``secretsmanager:<name>[#<key>]``,
    which rule SM510 accepts and :func:`resolve_environment` resolves in the
    container.  Raises ``ValueError`` for a malformed name or key.

    >>> str(SecretRef("prod/db", key="password"))
    'secretsmanager:prod/db#password'
    >>> SecretRef.parse("secretsmanager:prod/db#password")
    SecretRef(name_or_arn='prod/db', key='password')
    """

    name_or_arn: str = attrs.field(validator=_check_target)
    key: str | None = attrs.field(default=None, kw_only=True, validator=_check_key)

    def __str__(self) -> str:
        return PREFIX + self.name_or_arn + (f"#{self.key}" if self.key is not None else "")

    @classmethod
    def parse(cls, text: str) -> SecretRef:
        """The reference ``text`` denotes; ``ValueError`` when it is not one."""
        parsed = parse_reference(text)
        if parsed is None:
            raise InvalidArgumentError(
                "not a secret reference: expected secretsmanager:<name>[#<key>]"
            )
        return cls(parsed[0], key=parsed[1])


def _not_found(err: Exception, name: str, stage: str | None = None) -> SecretNotFoundError | None:
    """The :class:`SecretNotFoundError` a not-found / deleted error means, or ``None``."""
    if not isinstance(err, botocore.exceptions.ClientError):
        return None
    code = error_code(err)
    if code == "ResourceNotFoundException":
        if stage and stage != "AWSCURRENT":
            return SecretNotFoundError(
                f"secret {name!r} has no version labelled {stage}, or does not exist"
            )
        return SecretNotFoundError(
            f"secret {name!r} does not exist (or is not visible to this role in this region)"
        )
    message = str(err.response.get("Error", {}).get("Message", ""))
    if code == "InvalidRequestException" and "delet" in message.lower():
        return SecretNotFoundError(
            f"secret {name!r} is scheduled for deletion; restore it "
            "with RestoreSecret to use it again"
        )
    return None


def _rotation_error(err: botocore.exceptions.ClientError, name: str, function: str) -> Exception:
    """What a failed RotateSecret means: the secret was just described, so a
    ResourceNotFoundException naming the function is the function missing."""
    message = str(err.response.get("Error", {}).get("Message", ""))
    if error_code(err) == "ResourceNotFoundException" and (
        function in message or "lambda" in message.lower()
    ):
        return InvalidArgumentError(
            f"the rotation function {function!r} does not exist in this account and region "
            f"(ResourceNotFoundException); check rotation_lambda_arn for secret {name!r}"
        )
    return _not_found(err, name) or err


def _call(fn: Callable[[], Any], name: str, stage: str | None = None) -> Any:
    """``fn()``, with not-found/deleted errors turned into SecretNotFoundError."""
    try:
        return fn()
    except botocore.exceptions.ClientError as err:
        mapped = _not_found(err, name, stage)
        if mapped is None:
            raise
        raise mapped from None


def _secret_params(value: str | bytes | SecretValue | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, SecretValue):
        return (
            {"SecretBinary": value.reveal_bytes()}
            if value.is_binary
            else {"SecretString": value.reveal()}
        )
    if isinstance(value, str):
        return {"SecretString": value}
    if isinstance(value, bytes):
        return {"SecretBinary": value}
    if isinstance(value, Mapping):
        try:
            return {"SecretString": json.dumps(dict(value))}
        except (TypeError, ValueError):
            pass
        raise ArgumentTypeError("a mapping secret value must be JSON-serialisable")
    raise ArgumentTypeError("a secret value must be str, bytes, SecretValue or a JSON-able mapping")


class SecretClient:
    """Read (cached), create, rotate and check Secrets Manager secrets.

    ``session`` is a ``boto3.Session`` (default: a new one).  ``ttl`` is how long a
    value is served from memory, ``max_entries`` how many secret versions are kept
    (least recently used dropped first), ``stale_grace`` how long past its ``ttl``
    a value may still be served while Secrets Manager is unreachable, throttling
    or failing (5xx).  ``policy`` guards :meth:`create`/:meth:`ensure_rotation` and
    supplies waivers to :meth:`check`; when ``None`` it is
    :meth:`SecurityPolicy.load`-ed on first use (reads never need it).  ``clock``
    is a monotonic clock in seconds.

    Thread-safe: share one instance per process.

    Example::

        secrets = SecretClient(ttl=300)
        secrets.get("prod/api-token").reveal()              # one API call per 5 minutes
    """

    def __init__(
        self,
        *,
        session: Any = None,
        ttl: float = 300.0,
        max_entries: int = 1024,
        stale_grace: float = 300.0,
        policy: SecurityPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        install_botocore_filter()
        if session is None:
            import boto3

            session = boto3.Session()
        self._client: Any = session.client("secretsmanager")
        self._cache: TTLCache[tuple[str, str], SecretValue] = TTLCache(
            ttl=ttl, max_entries=max_entries, stale_grace=stale_grace, clock=clock
        )
        self._policy = policy
        self._guarded = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SecretClient(region={self._client.meta.region_name!r}, cached={len(self._cache)})"

    @property
    def client(self) -> Any:
        """The underlying ``secretsmanager`` botocore client."""
        return self._client

    # ------------------------------------------------------------------ reading

    def get(self, name: str, version_stage: str = "AWSCURRENT") -> SecretValue:
        """The secret's value for ``version_stage``, from the cache while fresh.

        Raises :class:`~secure_sagemaker.SecretNotFoundError` (naming the secret)
        when it does not exist, has no such stage, or is scheduled for deletion;
        botocore errors otherwise (e.g. ``AccessDeniedException``) - after a
        transient error within the grace period the cached value is returned.

        Example::

            secrets.get("prod/api-token")
            # -> SecretValue(name='prod/api-token', value=<redacted>)
        """
        return self._cache.get(
            (name, version_stage), lambda: self._fetch(name, version_stage), label=repr(name)
        )

    def _fetch(self, name: str, stage: str) -> SecretValue:
        response = _call(
            lambda: self._client.get_secret_value(SecretId=name, VersionStage=stage), name, stage
        )
        logger.debug("fetched secret %r (%s)", name, stage)
        if "SecretString" in response:
            return SecretValue(response["SecretString"], name=name)
        return SecretValue(bytes(response["SecretBinary"]), name=name)

    def get_json(self, name: str, version_stage: str = "AWSCURRENT") -> SecretMapping:
        """A JSON-object secret as a read-only mapping of key -> :class:`SecretValue`.

        Raises what :meth:`get` raises, and :class:`SecretFormatError` when the
        value is not a JSON object.

        Example::

            creds = secrets.get_json("prod/db")
            creds["password"].reveal()
        """
        return SecretMapping.parse(self.get(name, version_stage))

    def resolve(self, ref: SecretRef | str) -> SecretValue:
        """The value a :class:`SecretRef` (or its string form) denotes.

        Raises :class:`~secure_sagemaker.SecretNotFoundError` when the secret or the
        JSON key does not exist, ``ValueError`` when ``ref`` is not a reference.
        """
        r = ref if isinstance(ref, SecretRef) else SecretRef.parse(ref)
        if r.key is None:
            return self.get(r.name_or_arn)
        fields = self.get_json(r.name_or_arn)
        if r.key not in fields:
            raise SecretNotFoundError(f"secret {r.name_or_arn!r} has no JSON key {r.key!r}")
        return fields[r.key]

    def refresh(self, name: str, version_stage: str = "AWSCURRENT") -> SecretValue:
        """Drop every cached stage of ``name`` and fetch ``version_stage`` now
        (after a rotation, or when a credential was just rejected).

        Raises what :meth:`get` raises (no stale value is served: the cache was
        emptied).
        """
        self._cache.discard_where(lambda key: key[0] == name)
        return self.get(name, version_stage)

    # ------------------------------------------------------------------ writing

    def _policy_now(self) -> SecurityPolicy:
        with self._lock:
            if self._policy is None:
                self._policy = SecurityPolicy.load()
            return self._policy

    def _writer(self) -> Any:
        """The client with the guard on it (added on first write)."""
        policy = self._policy_now()
        with self._lock:
            if not self._guarded:
                protect(self._client, policy)
                self._guarded = True
        return self._client

    def create(
        self,
        name: str,
        value: str | bytes | SecretValue | Mapping[str, Any],
        *,
        kms_key_id: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Create a secret encrypted with a customer KMS key; returns its ARN.

        ``value`` may be text, bytes, a :class:`SecretValue` or a mapping (stored
        as JSON).  ``kms_key_id`` defaults to the policy's ``secrets`` key.
        Raises :class:`~secure_sagemaker.InsecureRequestError` (SM501) when there
        is no customer key, ``TypeError`` for a value of another type, ``ValueError``
        when botocore rejects the parameters, and botocore's
        ``ResourceExistsException`` when the name is taken.  No message quotes the
        value.

        Example::

            secrets.create("prod/db", {"user": "app", "password": pw})
            # -> 'arn:aws:secretsmanager:...:secret:prod/db-AbCdEf'
        """
        params: dict[str, Any] = {"Name": name, **_secret_params(value)}
        if kms_key_id is not None:
            params["KmsKeyId"] = kms_key_id
        if description is not None:
            params["Description"] = description
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        client = self._writer()
        invalid = False
        try:
            response = client.create_secret(**params)
        except botocore.exceptions.ParamValidationError:
            invalid = True  # botocore's report may quote the value: never pass it on
        if invalid:
            raise InvalidArgumentError(
                f"CreateSecret parameters for secret {name!r} are invalid: the name must be "
                "1-512 characters, the value 1-65536 bytes, KmsKeyId a key ID, ARN or alias"
            )
        self._cache.discard_where(lambda key: key[0] == name)
        logger.info("created secret %r", name)
        return str(response["ARN"])

    def ensure_rotation(
        self,
        name: str,
        rotation_lambda_arn: str,
        days: int = 30,
        *,
        rotate_immediately: bool = True,
    ) -> bool:
        """Make ``name`` rotate every ``days`` days (1-90) with the given Lambda.

        Idempotent: returns ``False`` when rotation is already set up exactly so,
        ``True`` when it called ``RotateSecret``.  Raises ``ValueError`` for
        ``days`` outside 1-90 (rule SM502), :class:`~secure_sagemaker.SecretNotFoundError`
        for an unknown or deleted secret, :class:`~secure_sagemaker.InvalidArgumentError`
        naming the function when the rotation Lambda does not exist, botocore errors
        otherwise (e.g. Secrets Manager may not invoke the function).

        Example::

            secrets.ensure_rotation("prod/db", rotator_arn, 30)
            # -> True
        """
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 90:
            raise InvalidArgumentError(
                f"SM502: rotation period must be 1-{MAX_ROTATION_DAYS} days; pass days<=90"
            )
        client = self._writer()
        desc = _call(lambda: client.describe_secret(SecretId=name), name)
        rules = desc.get("RotationRules") or {}
        if (
            desc.get("RotationEnabled")
            and desc.get("RotationLambdaARN") == rotation_lambda_arn
            and rules.get("AutomaticallyAfterDays") == days
            and not rules.get("ScheduleExpression")
        ):
            return False
        try:
            client.rotate_secret(
                SecretId=name,
                RotationLambdaARN=rotation_lambda_arn,
                RotationRules={"AutomaticallyAfterDays": days},
                RotateImmediately=rotate_immediately,
            )
        except botocore.exceptions.ClientError as err:
            raise _rotation_error(err, name, rotation_lambda_arn) from None
        if rotate_immediately:
            self._cache.discard_where(lambda key: key[0] == name)
        logger.info("rotation of secret %r set to every %d days", name, days)
        return True

    # ------------------------------------------------------------------ checking

    def check(self, name: str, *, now: datetime | None = None) -> list[Finding]:
        """Judge one secret: customer KMS key (SM501), rotation enabled at most
        every 90 days (SM502), rotated within 90 days (SM503), used within 90
        days (SM504).  One :class:`~secure_sagemaker.Finding` per rule, with the
        secret's ARN as ``resource``; waivers in the policy are honoured.  Makes
        one ``DescribeSecret`` call and never reads the value.

        ``now`` (timezone-aware) defaults to the current time.  Raises
        :class:`~secure_sagemaker.SecretNotFoundError` for an unknown secret.

        Example::

            [f.rule_id for f in secrets.check("prod/db") if f.failed]
            # -> ['SM502']
        """
        policy = self._policy_now()
        desc = _call(lambda: self._client.describe_secret(SecretId=name), name)
        view = secret_view(desc, now or datetime.now(timezone.utc))
        arn = str(view.get("ARN", name))
        parts = arn.split(":")
        region, account = (parts[3], parts[4]) if len(parts) > 5 else ("", "")
        return [
            attrs.evolve(
                f, resource=arn, resource_type=RESOURCE_TYPE, account=account, region=region
            )
            for f in evaluate(SECRET_VIEW, view, policy, region=region or None)
        ]


def secret_view(describe: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The ``@Secret`` resource view of a ``DescribeSecret`` response, judged by SM501-SM504:
    the response plus ``AssessedAt``; ``RotationRules`` only while rotation is enabled."""
    view = {k: v for k, v in describe.items() if k != "ResponseMetadata"}
    if not view.get("RotationEnabled"):
        view.pop("RotationRules", None)
    view["AssessedAt"] = now
    return view
