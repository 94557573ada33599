"""Every error secure-sagemaker raises.

Each error subclasses :class:`SecureSageMakerError` *and* the builtin it is closest
to, so ``except ValueError`` in existing code keeps working.  No message ever
contains a request parameter's value: values may be secrets, and the SageMaker
SDK forwards exception text to its telemetry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from secure_sagemaker.rules import Finding

__all__ = [
    "ArgumentTypeError",
    "ArtifactStoreError",
    "AuditError",
    "InsecureRequestError",
    "IntegrityError",
    "InvalidArgumentError",
    "InvalidS3UriError",
    "MFADeleteRequiredError",
    "ManifestFormatError",
    "NetworkConfigurationError",
    "PolicyError",
    "ResourceFailedError",
    "ResourceNotReadyError",
    "RollbackError",
    "SecretFormatError",
    "SecretNotFoundError",
    "SecureSageMakerError",
    "UnknownOperationError",
    "WaitTimeoutError",
]


class SecureSageMakerError(Exception):
    """Base class of every error raised by secure-sagemaker."""


def _rebuild(cls: type[Exception], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception:
    """Unpickle an error whose ``__init__`` takes keyword-only arguments."""
    return cls(*args, **kwargs)


class InvalidArgumentError(SecureSageMakerError, ValueError):
    """An argument has a value the call cannot use (the message names the argument
    and what it accepts, never the value)."""


class ArgumentTypeError(SecureSageMakerError, TypeError):
    """An argument has a type the call does not accept."""


class InvalidS3UriError(InvalidArgumentError):
    """A string is not an S3 URI of the shape the call needs (``s3://bucket/key``,
    or an artifact URI with ``?versionId=...&sha256=...``)."""


class UnknownOperationError(InvalidArgumentError):
    """A name is not an operation of the service (a typo: the message suggests the
    closest real one).  ``operation`` is the name given."""

    def __init__(self, message: str, *, operation: str = "") -> None:
        self.operation = operation
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, {"operation": self.operation}), self.__dict__)


class ManifestFormatError(SecureSageMakerError, ValueError):
    """A directory artifact's manifest is malformed (not JSON, wrong format, unsafe
    or duplicate paths)."""


class ResourceNotReadyError(SecureSageMakerError, RuntimeError):
    """What the call reads does not exist yet (no training job started, no model
    artifact produced yet)."""


class PolicyError(SecureSageMakerError, ValueError):
    """A security policy is malformed.

    ``source`` names the file (or ``"<arguments>"``) and ``key`` the offending key.
    """

    def __init__(self, message: str, *, source: str = "<arguments>", key: str = "") -> None:
        self.source = source
        self.key = key
        self._message = message
        where = f"{source}: {key}: " if key else f"{source}: "
        super().__init__(where + message)

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"source": self.source, "key": self.key}
        return (_rebuild, (type(self), (self._message,), kwargs), self.__dict__)


class InsecureRequestError(SecureSageMakerError, ValueError):
    """A request was refused before it was sent because it breaks the policy.

    ``operation`` is the API operation name, ``findings`` the failing findings.
    ``str(err)`` lists every failing rule with its field path and fix, never a value.
    """

    def __init__(self, operation: str, findings: Sequence[Finding]) -> None:
        self.operation = operation
        self.findings = tuple(findings)
        lines = [f"{operation} refused by secure-sagemaker ({len(self.findings)} failing rule(s)):"]
        for f in self.findings:
            lines.append(f"  {f.rule_id} [{f.severity}] {f.field}: {f.message}")
            lines.append(f"      fix: {f.remediation}")
        lines.append('  (waive a rule in the policy with waivers = {RULE_ID = "reason"})')
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[InsecureRequestError], tuple[str, tuple[Finding, ...]]]:
        return (type(self), (self.operation, self.findings))


class NetworkConfigurationError(SecureSageMakerError, RuntimeError):
    """The VPC a resource would run in is not private or lacks a needed endpoint.

    The message names rules, missing VPC endpoint services and fixes; ``findings``
    (empty when the problem is not a rule) carry the subnet, security group and VPC
    IDs concerned as each finding's ``resource``.
    """

    findings: tuple[Finding, ...] = ()


class IntegrityError(SecureSageMakerError, ValueError):
    """An artifact's content does not match its recorded SHA-256 or version.

    The message never names the object (bucket and key come from the caller's
    request); ``ref`` is the artifact reference concerned, or ``None``.
    """

    def __init__(self, message: str, *, ref: object = None) -> None:
        self.ref = ref
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, {"ref": self.ref}), self.__dict__)


class SecretNotFoundError(SecureSageMakerError, LookupError):
    """A secret does not exist, was deleted, or has no such version stage."""


class AuditError(SecureSageMakerError, RuntimeError):
    """The audit could not start: no credentials, no region, a bad argument.  Once it
    runs, AWS errors become ``error`` findings instead."""


class SecretFormatError(SecureSageMakerError, ValueError):
    """A secret does not have the shape asked for (not a JSON object, binary where
    text was expected).  The message names the secret, never its value."""


class ArtifactStoreError(SecureSageMakerError, RuntimeError):
    """The artifact bucket is missing or cannot be made secure (the message says why)."""


class MFADeleteRequiredError(ArtifactStoreError):
    """``ensure(require_mfa_delete=True)`` found MFA delete off (see the message's fix)."""


class ResourceFailedError(SecureSageMakerError, RuntimeError):
    """A resource reached a failure state (``Failed``) while we waited for it.

    ``resource`` is its name, ``status`` the status it reached and ``reason`` the
    service's ``FailureReason`` (withheld when it looks like it holds a credential).
    """

    def __init__(self, resource: str, status: str, reason: str) -> None:
        self.resource = resource
        self.status = status
        self.reason = reason
        super().__init__(f"{resource} is {status}: {reason or 'no failure reason given'}")

    def __reduce__(self) -> tuple[type[ResourceFailedError], tuple[str, str, str]]:
        return (type(self), (self.resource, self.status, self.reason))


class WaitTimeoutError(SecureSageMakerError, TimeoutError):
    """A resource did not reach the awaited state within :class:`Waiting`'s attempts."""


class RollbackError(SecureSageMakerError, RuntimeError):
    """A multi-step operation failed and some of what it created could not be removed.

    ``leftovers`` names what is left, so it can be removed by hand.
    """

    def __init__(self, message: str, leftovers: Sequence[str] = ()) -> None:
        self.leftovers = tuple(leftovers)
        self._message = message
        super().__init__(
            message + (f" (left behind: {', '.join(self.leftovers)})" if leftovers else "")
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._message, self.leftovers), self.__dict__)
