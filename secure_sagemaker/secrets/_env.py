"""Resolve ``secretsmanager:`` references in an environment, inside a container.

A SageMaker job gets ``DB_PASSWORD=secretsmanager:prod/db#password`` in its
``Environment`` (a reference, which rule SM510 accepts) instead of the password.
At run time :func:`resolve_environment` replaces each reference by the secret's
value, fetched with the job's own role::

    python -m secure_sagemaker.secrets resolve -- python train.py --epochs 3

It needs boto3 and this package only (no SageMaker SDK), and never logs, prints
or raises a value.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from typing import Any

from secure_sagemaker._aws.redact import install_botocore_filter
from secure_sagemaker.exceptions import InvalidArgumentError, SecretNotFoundError
from secure_sagemaker.secrets._value import SecretFormatError

__all__ = ["PREFIX", "parse_reference", "resolve_environment"]

logger = logging.getLogger("secure_sagemaker.secrets")

PREFIX = "secretsmanager:"
_NAME = r"[A-Za-z0-9/_+=.@-]{1,512}"
_ARN = rf"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{{12}}:secret:{_NAME}"
_TARGET = re.compile(rf"^(?:{_ARN}|{_NAME})$")


def parse_reference(text: str) -> tuple[str, str | None] | None:
    """``"secretsmanager:name#key"`` -> ``("name", "key")``; ``None`` when ``text``
    is not a reference.  Raises ``ValueError`` for a reference whose target is not
    a secret name or ARN (the message does not repeat ``text``).

    >>> parse_reference("secretsmanager:prod/db#password")
    ('prod/db', 'password')
    >>> parse_reference("plain value") is None
    True
    """
    if not text.startswith(PREFIX):
        return None
    target, sep, key = text[len(PREFIX) :].partition("#")
    if not _TARGET.match(target) or (sep and not key):
        raise InvalidArgumentError(
            "a secret reference is secretsmanager:<name or ARN>[#<json key>], with a name "
            "of 1-512 characters from A-Z a-z 0-9 / _ + = . @ -"
        )
    return target, (key if sep else None)


def _fetch(client: Any, secret_id: str) -> str:
    response = client.get_secret_value(SecretId=secret_id)
    if "SecretString" in response:
        return str(response["SecretString"])
    return bytes(response["SecretBinary"]).decode("utf-8")


def _field(text: str, key: str, secret_id: str) -> str:
    parsed: Any = None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None  # never chain the decoder error: it holds the document
    if not isinstance(parsed, dict):
        raise SecretFormatError(f"secret {secret_id!r} is not a JSON object, so it has no keys")
    if key not in parsed:
        raise SecretNotFoundError(f"secret {secret_id!r} has no JSON key {key!r}")
    value = parsed[key]
    return value if isinstance(value, str) else json.dumps(value)


def resolve_environment(
    environ: Mapping[str, str] | None = None, *, client: Any = None
) -> dict[str, str]:
    """A copy of ``environ`` (default ``os.environ``) with every
    ``secretsmanager:<name or ARN>[#<key>]`` value replaced by the secret's value
    (or that JSON key's value; non-string JSON values as JSON text).

    Each secret is fetched once, with ``client`` (default
    ``boto3.client("secretsmanager")``).  Raises ``SecretNotFoundError`` naming the
    variable and secret when a secret or JSON key is missing or deleted,
    ``SecretFormatError`` when it is not UTF-8 text or not a JSON object,
    ``ValueError`` for a malformed reference, botocore errors otherwise.

    Example::

        env = resolve_environment({"DB_PASSWORD": "secretsmanager:db#password"})
    """
    source = os.environ if environ is None else environ
    install_botocore_filter()
    refs: dict[str, tuple[str, str | None]] = {}
    for name, value in source.items():
        try:
            ref = parse_reference(value)
        except ValueError as err:
            raise InvalidArgumentError(f"environment variable {name}: {err}") from None
        if ref is not None:
            refs[name] = ref
    out = dict(source)
    if not refs:
        return out
    if client is None:
        import boto3

        client = boto3.client("secretsmanager")
    fetched: dict[str, str] = {}
    for name, (secret_id, key) in refs.items():
        if secret_id not in fetched:
            fetched[secret_id] = _fetch_named(client, secret_id, name)
        text = fetched[secret_id]
        try:
            out[name] = text if key is None else _field(text, key, secret_id)
        except (SecretFormatError, SecretNotFoundError) as err:
            raise type(err)(f"environment variable {name}: {err}") from None
        logger.info("resolved %s from secret %s", name, secret_id + (f"#{key}" if key else ""))
    return out


def _fetch_named(client: Any, secret_id: str, variable: str) -> str:
    problem = ""
    try:
        return _fetch(client, secret_id)
    except UnicodeDecodeError:
        problem = "is binary, not UTF-8 text"
    except client.exceptions.ResourceNotFoundException:
        problem = "does not exist (or has no AWSCURRENT version)"
    except client.exceptions.InvalidRequestException:
        problem = "cannot be read (it may be scheduled for deletion)"
    where = f"environment variable {variable}: secret {secret_id!r} {problem}"
    if problem.startswith("is binary"):
        raise SecretFormatError(where)
    raise SecretNotFoundError(where)
