"""An adaptation of the moto emulator (never of the product): bucket-policy conditions.

moto decides bucket-policy permissions in ``FakeBucket.get_permission`` without the
request, so every statement with a ``Condition`` it cannot evaluate is applied as if
it matched: a TLS-only or deny-unencrypted bucket policy then blocks every write.
While an :class:`~secure_sagemaker.testing.EmbeddedAWS` server runs, this module

* records, per request served by that server, the condition values our bucket
  policies use: ``aws:SecureTransport`` (``true`` when the request came over HTTPS),
  ``s3:x-amz-server-side-encryption`` and ``s3:x-amz-server-side-encryption-aws-kms-key-id``
  (from the request headers; an UploadPart or CompleteMultipartUpload takes them from
  the CreateMultipartUpload that started the upload);
* evaluates those keys with the operators ``Bool``, ``StringEquals``,
  ``StringNotEquals``, ``StringNotEqualsIfExists``, ``StringEqualsIfExists`` and
  ``Null``: a statement whose known conditions do not hold does not apply; the
  known conditions of one that holds are removed; unknown operators and keys are
  left to moto as before;
* applies the bucket policy's verdict to bucket-level requests too (moto checks
  only object requests), so a TLS-only policy denies plain-HTTP ``ListObjects``;
* answers a denied object request with S3's ``AccessDenied`` error document
  instead of moto's empty 403 body.

Requests that do not come through an EmbeddedAWS server (``mock_aws`` in the same
process) keep moto's behaviour.  :func:`install` / :func:`uninstall` are
reference-counted and restore moto's functions exactly.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

import attrs

from secure_sagemaker.testing._patch import PatchSet

__all__ = ["ConditionValues", "ContextMiddleware", "evaluate_conditions", "install", "uninstall"]

SECURE_TRANSPORT = "aws:securetransport"
SSE = "s3:x-amz-server-side-encryption"
SSE_KEY = "s3:x-amz-server-side-encryption-aws-kms-key-id"
KNOWN_KEYS = frozenset({SECURE_TRANSPORT, SSE, SSE_KEY})


@attrs.frozen
class ConditionValues:
    """The condition values of one request (lower-case keys; absent keys are absent)."""

    values: Mapping[str, str]
    upload_id: str | None = None


_current: contextvars.ContextVar[ConditionValues | None] = contextvars.ContextVar(
    "secure_sagemaker_emulator_request", default=None
)


class ContextMiddleware:
    """WSGI middleware that records :class:`ConditionValues` for each request."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        values = {
            SECURE_TRANSPORT: "true" if environ.get("wsgi.url_scheme") == "https" else "false"
        }
        for key, header in (
            (SSE, "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION"),
            (SSE_KEY, "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID"),
        ):
            if header in environ:
                values[key] = str(environ[header])
        upload = parse_qs(str(environ.get("QUERY_STRING", ""))).get("uploadId")
        token = _current.set(ConditionValues(values, upload[0] if upload else None))
        try:
            return self.app(environ, start_response)
        finally:
            _current.reset(token)


# ----------------------------------------------------------------- condition logic


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _test(operator: str, expected: list[str], actual: str | None) -> bool | None:
    """One operator on one key; ``None`` for an operator we do not evaluate."""
    base = operator.removesuffix("IfExists")
    if_exists = base != operator
    if base == "Null":
        wants_absent = {e.lower() for e in expected} == {"true"}
        return (actual is None) == wants_absent
    if actual is None:
        if if_exists:
            return True
        return {"Bool": False, "StringEquals": False, "StringNotEquals": True}.get(base)
    if base == "Bool":
        return actual.lower() in {e.lower() for e in expected}
    if base == "StringEquals":
        return actual in expected
    if base == "StringNotEquals":
        return actual not in expected
    return None


def evaluate_conditions(
    condition: Mapping[str, Any], values: Mapping[str, str]
) -> tuple[bool, dict[str, Any]]:
    """``(known_conditions_hold, leftover)`` for one statement's ``Condition`` block.

    ``leftover`` is the part of the block with operators or keys this module does
    not evaluate (left to moto).  Condition keys are case-insensitive, as in IAM.

    >>> evaluate_conditions({"Bool": {"aws:SecureTransport": "false"}},
    ...                     {"aws:securetransport": "true"})
    (False, {})
    """
    holds = True
    leftover: dict[str, Any] = {}
    for operator, block in condition.items():
        if not isinstance(block, Mapping):
            leftover[operator] = block
            continue
        for key, expected in block.items():
            name = str(key).lower()
            result = (
                _test(str(operator), _strings(expected), values.get(name))
                if name in KNOWN_KEYS
                else None
            )
            if result is None:
                leftover.setdefault(operator, {})[key] = expected
            elif not result:
                holds = False
    return holds, leftover


def _applicable(statements: Iterable[Any], values: Mapping[str, str]) -> list[Any]:
    kept: list[Any] = []
    for statement in statements:
        cond = statement.get("Condition") if isinstance(statement, Mapping) else None
        if not isinstance(cond, Mapping) or not cond:
            kept.append(statement)
            continue
        holds, leftover = evaluate_conditions(cond, values)
        if not holds:
            continue
        copy = {k: v for k, v in statement.items() if k != "Condition"}
        if leftover:
            copy["Condition"] = leftover
        kept.append(copy)
    return kept


# ----------------------------------------------------------------- moto patches


def _request_values(bucket: Any, request: ConditionValues) -> dict[str, str]:
    values = dict(request.values)
    if request.upload_id is not None:
        upload = getattr(bucket, "multiparts", {}).get(request.upload_id)
        if upload is not None:
            for key, attr in ((SSE, "sse_encryption"), (SSE_KEY, "kms_key_id")):
                if getattr(upload, attr, None):
                    values[key] = str(getattr(upload, attr))
    return values


def _get_permission(self: Any, action: str, resource: str) -> Any:
    request = _current.get()
    if request is None or self.policy is None:
        return _PATCHES.original("get_permission")(self, action, resource)
    from moto.iam.access_control import IAMPolicy

    document = json.loads(self.policy.decode())
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else statements
    document["Statement"] = _applicable(statements, _request_values(self, request))
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


def _bucket_action(method: str, query: Mapping[str, Any]) -> str | None:
    from moto.s3.responses import ACTION_MAP

    table = ACTION_MAP["BUCKET"].get(method)
    if table is None:
        return None  # POST ?delete: moto checks every object itself
    found = [action for q, action in table.items() if q != "DEFAULT" and q in query]
    return "s3:" + (found[-1] if found else table["DEFAULT"])


def _bucket_response(self: Any, request: Any, full_url: str) -> Any:
    if _current.get() is not None:
        from moto.iam.access_control import PermissionResult
        from moto.s3.exceptions import S3AccessDeniedError, S3ClientError

        name = self.parse_bucket_name_from_url(request, full_url)
        try:
            bucket = self.backend.get_bucket(name) if name else None
        except S3ClientError:
            bucket = None
        action = _bucket_action(request.method, self._get_querystring(request, full_url))
        if bucket is not None and bucket.policy is not None and action is not None:
            arn = f"arn:{bucket.partition}:s3:::{name}"
            if bucket.get_permission(action, arn) == PermissionResult.DENIED:
                raise S3AccessDeniedError()
    return _PATCHES.original("_bucket_response")(self, request, full_url)


def _key_response(self: Any, request: Any, full_url: str) -> Any:
    response = _PATCHES.original("_key_response")(self, request, full_url)
    if (
        _current.get() is not None
        and isinstance(response, tuple)
        and response[0] == 403
        and not response[2]
        and request.method != "HEAD"
    ):
        from moto.s3.exceptions import S3AccessDeniedError

        raise S3AccessDeniedError()
    return response


def _targets() -> dict[tuple[Any, str], Any]:
    from moto.s3.models import FakeBucket
    from moto.s3.responses import S3Response

    return {
        (FakeBucket, "get_permission"): _get_permission,
        (S3Response, "_bucket_response"): _bucket_response,
        (S3Response, "_key_response"): _key_response,
    }


_PATCHES = PatchSet(_targets)
install = _PATCHES.install
uninstall = _PATCHES.uninstall
