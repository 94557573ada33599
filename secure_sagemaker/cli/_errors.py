"""Ordinary conditions as one line: ``secure-sagemaker: error: <cause>. <fix>``.

:func:`run` calls a command and turns what a user can meet without a bug (no
credentials, no region, no network, a denied call, a bad file, a closed pipe,
Ctrl-C) into one line on stderr and :data:`EXIT_USAGE`; ``--debug`` re-raises for
the traceback.  Messages name AWS error codes and the operation, never AWS's
message text or a request value (those may quote parameters).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from secure_sagemaker.cli._common import EXIT_USAGE
from secure_sagemaker.exceptions import SecureSageMakerError

__all__ = ["EXIT_INTERRUPTED", "PREFIX", "describe", "fail", "run"]

PREFIX = "secure-sagemaker: error: "
#: Ctrl-C: the shell convention (128 + SIGINT).
EXIT_INTERRUPTED = 130

_CREDENTIALS_FIX = "configure credentials: --profile, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
_CREDENTIALS_FIX += "AWS_SECRET_ACCESS_KEY"
_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403")
_REJECTED = (
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId",
)
_EXPIRED = ("ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired")


def fail(message: str) -> int:
    """Print ``secure-sagemaker: error: <message>`` on stderr; returns :data:`EXIT_USAGE`."""
    print(PREFIX + message, file=sys.stderr)
    return EXIT_USAGE


def _client_error(err: BaseException) -> str:
    response = getattr(err, "response", {}) or {}
    code = str(response.get("Error", {}).get("Code", "") or "unknown")
    operation = str(getattr(err, "operation_name", "") or "a call")
    if code in _DENIED:
        return (
            f"AWS denied {operation} ({code}). Give this identity the permission, "
            "or choose another --profile"
        )
    if code in _REJECTED:
        return (
            f"AWS rejected the credentials ({code}). Check they belong to this partition "
            "and are current; " + _CREDENTIALS_FIX
        )
    if code in _EXPIRED:
        return f"the AWS credentials have expired ({code}). Refresh them (e.g. aws sso login)"
    return f"AWS answered {operation} with {code}. Run again with --debug for the details"


def _botocore(err: BaseException) -> str | None:
    from botocore import exceptions as bx  # here: only on the error path

    if isinstance(err, bx.NoCredentialsError):
        return "no AWS credentials found. Fix: " + _CREDENTIALS_FIX
    if isinstance(err, bx.NoRegionError):
        return (
            "no AWS region configured. Pass --region, or set AWS_DEFAULT_REGION "
            "or the profile's region"
        )
    if isinstance(err, bx.ProfileNotFound):
        profile = getattr(err, "kwargs", {}).get("profile", "")
        return f"no AWS profile named {profile!r}. Check --profile, AWS_PROFILE and ~/.aws/config"
    if isinstance(err, (bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError)):
        return "the SSO session has expired. Run: aws sso login"
    if isinstance(err, (bx.PartialCredentialsError, bx.CredentialRetrievalError)):
        return f"the AWS credentials could not be loaded ({type(err).__name__}). " + (
            "Fix: " + _CREDENTIALS_FIX
        )
    if isinstance(err, (bx.EndpointConnectionError, bx.ConnectionError, bx.HTTPClientError)):
        url = getattr(err, "kwargs", {}).get("endpoint_url", "")
        where = f" {url}" if url else " AWS"
        return (
            f"could not reach{where} ({type(err).__name__}). Check the network or proxy, "
            "the region name and --endpoint-url"
        )
    if isinstance(err, bx.InvalidRegionError):
        return "the region name is not valid. Pass a region such as eu-west-1"
    if isinstance(err, bx.ParamValidationError):
        return "an AWS call had invalid parameters. Run again with --debug for the details"
    if isinstance(err, bx.ClientError):
        return _client_error(err)
    if isinstance(err, bx.BotoCoreError):
        return f"AWS SDK error ({type(err).__name__}). Run again with --debug for the details"
    return None


def describe(err: BaseException) -> str | None:
    """``"<cause>. <fix>"`` for an ordinary condition; ``None`` for anything else
    (a bug: let the traceback through)."""
    if isinstance(err, SecureSageMakerError):
        return str(err)
    if isinstance(err, OSError) and not isinstance(err, BrokenPipeError):
        name = getattr(err, "filename", None)
        if name is not None:
            cause = err.strerror or type(err).__name__
            return f"cannot use {os.fsdecode(name)}: {cause}. Check the path and its permissions"
    module = type(err).__module__ or ""
    if module.startswith(("botocore", "boto3")):
        return _botocore(err)
    return None


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at devnull so the interpreter's final flush
    does not raise again (the Python documentation's recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no file descriptor (captured)
        pass


def run(func: Callable[[], int], *, debug: bool = False) -> int:
    """``func()``'s exit code; an ordinary condition prints one line on stderr and
    returns :data:`EXIT_USAGE` (a closed output pipe returns it silently, Ctrl-C
    returns :data:`EXIT_INTERRUPTED`).  With ``debug``, every exception propagates."""
    try:
        code = func()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        if debug:
            raise
        _quiet_stdout()
        return EXIT_USAGE
    except KeyboardInterrupt:
        if debug:
            raise
        print("\n" + PREFIX + "interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        message = describe(err)
        if debug or message is None:
            raise
        return fail(message)
