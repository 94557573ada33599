"""AWS calls of the audit, each retried, and the documents they are assembled into.

Every function here raises the AWS error it could not get past (after botocore's
adaptive retries and :data:`~secure_sagemaker._aws.retry.transient_retry`); the
caller turns it into ``error`` findings with :func:`reason`.  Errors that mean
"not configured" (no bucket policy, no Macie session) become absent fields, which
the rules judge by the service default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import botocore.exceptions

from secure_sagemaker._aws.errors import error_code
from secure_sagemaker._aws.retry import THROTTLING_CODES, transient_retry

__all__ = [
    "account_public_access_block",
    "api_gateway_exposure",
    "bucket_requests",
    "call",
    "cloudtrail_trails",
    "guardduty_state",
    "key_aliases",
    "kms_key_view",
    "macie_state",
    "paginate",
    "reason",
    "secret_resource_policy",
    "transient_retry",
]

_NOT_FOUND = re.compile(r"NotFound|NoSuch|NonExistent|ResourceNotFoundException")
#: The credentials themselves were refused (expired, unknown, badly signed).
_CREDENTIAL_CODES = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "MissingAuthenticationToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)


@transient_retry
def call(client: Any, method: str, **params: Any) -> dict[str, Any]:
    """``client.<method>(**params)`` with the shared retry policy."""
    result: dict[str, Any] = getattr(client, method)(**params)
    return result


@transient_retry
def paginate(
    client: Any, method: str, key: str, *, page_size: int | None = None, **params: Any
) -> list[Any]:
    """Every item under ``key`` across all pages (restarted on transient errors);
    ``page_size`` asks for that many items per page (fewer calls than the default)."""
    items: list[Any] = []
    if not client.can_paginate(method):  # no botocore paginator (ListHubs): follow NextToken
        while True:
            page = getattr(client, method)(**params)
            items.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return items
            if token == params.get("NextToken"):  # as botocore's paginators do
                raise botocore.exceptions.PaginationError(message=f"{method} repeated its token")
            params["NextToken"] = token
    if page_size is not None:
        params["PaginationConfig"] = {"PageSize": page_size}
    for page in client.get_paginator(method).paginate(**params):
        items.extend(page.get(key, []))
    return items


def reason(error: BaseException) -> str:
    """A one-line cause that names the error code, never a resource's values."""
    code = error_code(error)
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if "AccessDenied" in code or code in ("UnauthorizedOperation", "AuthorizationError"):
            return f"access denied ({code})"
        if code in _CREDENTIAL_CODES:
            return f"credentials rejected ({code})"
        if code in THROTTLING_CODES:
            return f"throttled after retries ({code})"
        if _NOT_FOUND.search(code) or (code == "ValidationException" and status == 404):
            return f"not found anymore ({code})"
        if status == 403:  # an error body botocore could not parse: the code is the status
            return f"access denied ({code or status})"
        if isinstance(status, int) and status >= 500:
            return f"service error after retries ({code or status})"
        return f"request failed ({code or status})"
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return "no AWS credentials"
    if isinstance(
        error, (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)
    ):
        return f"could not reach the service ({type(error).__name__})"
    if isinstance(error, botocore.exceptions.BotoCoreError):
        return f"AWS client error ({type(error).__name__})"
    return f"could not be assessed ({type(error).__name__})"


def _absent_on(client: Any, method: str, codes: tuple[str, ...], **params: Any) -> Any:
    """The call's response, or ``None`` when it fails with one of ``codes``."""
    try:
        return call(client, method, **params)
    except botocore.exceptions.ClientError as err:
        if error_code(err) in codes:
            return None
        raise


# --------------------------------------------------------------------------- S3


def bucket_region(s3: Any, bucket: str) -> str:
    location = call(s3, "get_bucket_location", Bucket=bucket).get("LocationConstraint")
    return "us-east-1" if not location else ("eu-west-1" if location == "EU" else location)


def bucket_requests(s3: Any, bucket: str) -> dict[str, Any]:
    """``{operation: params-or-error}``: each bucket setting as the request that would
    set it (``PutBucketVersioning`` ...), which the guard's own rules judge, and the
    ``@Bucket`` view; an exception instead of params when that one Get call failed.
    Replication and lifecycle rules appear only when the bucket has some."""
    out: dict[str, Any] = {}

    def one(operation: str, build: Any) -> None:
        try:
            params = build()
        except Exception as err:  # one failing Get leaves the other settings judged
            out[operation] = err
            return
        if params is not None:  # None: nothing configured, nothing a request would set
            out[operation] = params

    def versioning() -> dict[str, Any]:
        got = call(s3, "get_bucket_versioning", Bucket=bucket)
        config = {k: got[k] for k in ("Status", "MFADelete") if k in got}
        return {"Bucket": bucket, "VersioningConfiguration": config}

    def encryption() -> dict[str, Any]:
        got = _absent_on(
            s3,
            "get_bucket_encryption",
            ("ServerSideEncryptionConfigurationNotFoundError",),
            Bucket=bucket,
        )
        # no default encryption at all: judged as a rule without an algorithm
        absent: dict[str, Any] = {"Rules": [{"ApplyServerSideEncryptionByDefault": {}}]}
        config = (got or {}).get("ServerSideEncryptionConfiguration") or absent
        return {"Bucket": bucket, "ServerSideEncryptionConfiguration": config}

    def policy() -> dict[str, Any]:
        got = _absent_on(s3, "get_bucket_policy", ("NoSuchBucketPolicy",), Bucket=bucket)
        return {"Bucket": bucket, **({"Policy": got["Policy"]} if got else {})}

    def public_access() -> dict[str, Any]:
        got = _absent_on(
            s3,
            "get_public_access_block",
            ("NoSuchPublicAccessBlockConfiguration",),
            Bucket=bucket,
        )
        config = (got or {}).get("PublicAccessBlockConfiguration")
        return {"Bucket": bucket, **({"PublicAccessBlockConfiguration": config} if got else {})}

    def ownership() -> dict[str, Any]:
        got = _absent_on(
            s3, "get_bucket_ownership_controls", ("OwnershipControlsNotFoundError",), Bucket=bucket
        )
        # no ownership controls: ACLs are enabled, judged as a rule without ObjectOwnership
        config = (got or {}).get("OwnershipControls") or {"Rules": [{}]}
        return {"Bucket": bucket, "OwnershipControls": config}

    def acl() -> dict[str, Any]:
        got = call(s3, "get_bucket_acl", Bucket=bucket)
        policy = {"Grants": got.get("Grants", []), "Owner": got.get("Owner", {})}
        return {"Bucket": bucket, "AccessControlPolicy": policy}

    def replication() -> dict[str, Any] | None:
        got = _absent_on(
            s3, "get_bucket_replication", ("ReplicationConfigurationNotFoundError",), Bucket=bucket
        )
        config = (got or {}).get("ReplicationConfiguration")
        return {"Bucket": bucket, "ReplicationConfiguration": config} if config else None

    def lifecycle() -> dict[str, Any] | None:
        got = _absent_on(
            s3,
            "get_bucket_lifecycle_configuration",
            ("NoSuchLifecycleConfiguration",),
            Bucket=bucket,
        )
        rules = (got or {}).get("Rules")
        return {"Bucket": bucket, "LifecycleConfiguration": {"Rules": rules}} if rules else None

    def logging() -> dict[str, Any]:
        got = call(s3, "get_bucket_logging", Bucket=bucket)
        return {
            "Bucket": bucket,
            **({"Logging": got["LoggingEnabled"]} if got.get("LoggingEnabled") else {}),
        }

    one("PutBucketVersioning", versioning)
    one("PutBucketEncryption", encryption)
    one("PutBucketPolicy", policy)
    one("PutPublicAccessBlock", public_access)
    one("PutBucketOwnershipControls", ownership)
    one("PutBucketAcl", acl)
    one("PutBucketReplication", replication)
    one("PutBucketLifecycleConfiguration", lifecycle)
    one("@Bucket", logging)
    return out


def account_public_access_block(s3control: Any, account: str) -> dict[str, Any]:
    """The account's S3 public access block as a ``PutPublicAccessBlock`` request."""
    got = _absent_on(
        s3control,
        "get_public_access_block",
        ("NoSuchPublicAccessBlockConfiguration",),
        AccountId=account,
    )
    config = (got or {}).get("PublicAccessBlockConfiguration")
    return {"AccountId": account, **({"PublicAccessBlockConfiguration": config} if got else {})}


# --------------------------------------------------------------------------- KMS


def key_aliases(kms: Any) -> dict[str, list[str]]:
    """``{key ID: [alias names]}`` of the region's aliases (one paginated call)."""
    out: dict[str, list[str]] = {}
    for alias in paginate(kms, "list_aliases", "Aliases"):
        if alias.get("TargetKeyId") and alias.get("AliasName"):
            out.setdefault(str(alias["TargetKeyId"]), []).append(str(alias["AliasName"]))
    return out


def kms_key_view(
    kms: Any, key_id: str, aliases: Mapping[str, list[str]] | None = None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """``(view, unknown)`` for a customer key; ``(None, {})`` for an AWS-managed key.

    ``aliases`` (from :func:`key_aliases`) fills the view's ``Aliases``; ``None`` (they
    could not be listed) leaves it out.  ``unknown`` maps a view field to the reason it
    could not be read."""
    meta = call(kms, "describe_key", KeyId=key_id)["KeyMetadata"]
    if meta.get("KeyManager") != "CUSTOMER":
        return None, {}
    view: dict[str, Any] = dict(meta)
    if aliases is not None:
        view["Aliases"] = list(aliases.get(str(meta.get("KeyId", key_id)), []))
    unknown: dict[str, str] = {}
    rotatable = (
        meta.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
        and meta.get("Origin") == "AWS_KMS"
        and meta.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion")
    )
    if rotatable:
        try:
            view["KeyRotationEnabled"] = call(kms, "get_key_rotation_status", KeyId=key_id)[
                "KeyRotationEnabled"
            ]
        except Exception as err:
            unknown["KeyRotationEnabled"] = reason(err)
    try:
        view["Policy"] = call(kms, "get_key_policy", KeyId=key_id, PolicyName="default")["Policy"]
    except Exception as err:
        unknown["Policy"] = reason(err)
    return view, unknown


# --------------------------------------------------------------------------- secrets


def secret_resource_policy(secretsmanager: Any, secret_id: str) -> str:
    """The secret's resource policy (JSON text), ``""`` when it has none."""
    got = call(secretsmanager, "get_resource_policy", SecretId=secret_id)
    return str(got.get("ResourcePolicy") or "")


# --------------------------------------------------------------------------- account


def _management_events(selectors: Mapping[str, Any]) -> str | None:
    best: str | None = None
    for s in selectors.get("EventSelectors") or []:
        if s.get("IncludeManagementEvents", True):
            rw = s.get("ReadWriteType", "All")
            if rw == "All":
                return "All"
            best = rw
    for s in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in s.get("FieldSelectors", [])}
        category = fields.get("eventCategory", {})
        if "Management" in category.get("Equals", []):
            if "readOnly" not in fields:
                return "All"
            best = "ReadOnly" if "true" in fields["readOnly"].get("Equals", []) else "WriteOnly"
    return best


def cloudtrail_trails(cloudtrail: Any) -> list[dict[str, Any]]:
    """Trails that cover this region (including multi-region trails from elsewhere),
    each with ``IsLogging`` and ``ManagementEvents``."""
    trails = call(cloudtrail, "describe_trails", includeShadowTrails=True).get("trailList", [])
    out = []
    for t in trails:
        name = t.get("TrailARN") or t["Name"]
        status = call(cloudtrail, "get_trail_status", Name=name)
        selectors = call(cloudtrail, "get_event_selectors", TrailName=name)
        out.append(
            {
                "Name": t.get("Name"),
                "IsMultiRegionTrail": t.get("IsMultiRegionTrail", False),
                "LogFileValidationEnabled": t.get("LogFileValidationEnabled", False),
                "IsLogging": status.get("IsLogging", False),
                "ManagementEvents": _management_events(selectors),
            }
        )
    return out


def guardduty_state(guardduty: Any) -> dict[str, Any] | None:
    """``{"Status", "S3Protection"}`` of the region's detector, ``None`` without one."""
    detectors = paginate(guardduty, "list_detectors", "DetectorIds")
    if not detectors:
        return None
    got = call(guardduty, "get_detector", DetectorId=detectors[0])
    s3 = "DISABLED"
    for feature in got.get("Features") or []:
        if feature.get("Name") in ("S3_DATA_EVENTS",) and feature.get("Status") == "ENABLED":
            s3 = "ENABLED"
    if (got.get("DataSources") or {}).get("S3Logs", {}).get("Status") == "ENABLED":
        s3 = "ENABLED"
    return {"Status": got.get("Status"), "S3Protection": s3}


def macie_state(macie: Any) -> dict[str, Any] | None:
    """``{"Status"}`` of Macie in the region, ``None`` when it was never enabled."""
    try:
        got = call(macie, "get_macie_session")
    except botocore.exceptions.ClientError as err:
        code = error_code(err)
        message = str(err.response.get("Error", {}).get("Message", ""))
        if code == "ResourceNotFoundException" or (
            code == "AccessDeniedException" and "not enabled" in message.lower()
        ):
            return None
        raise
    return {"Status": got.get("status")}


# --------------------------------------------------------------------------- API Gateway

_SAGEMAKER_INTEGRATION = re.compile(
    r":runtime\.sagemaker:path/endpoints/([A-Za-z0-9-]+)/(?:async-)?invocations"
)


def _integration_uris(apigateway: Any, api_id: str) -> list[str]:
    uris = []
    resources = paginate(apigateway, "get_resources", "items", restApiId=api_id, embed=["methods"])
    for resource in resources:
        for method, detail in (resource.get("resourceMethods") or {}).items():
            integration = (detail or {}).get("methodIntegration")
            if integration is None:
                try:
                    integration = call(
                        apigateway,
                        "get_integration",
                        restApiId=api_id,
                        resourceId=resource["id"],
                        httpMethod=method,
                    )
                except botocore.exceptions.ClientError as err:
                    if error_code(err) == "NotFoundException":
                        continue
                    raise
            uris.append(str(integration.get("uri", "")))
    return uris


def api_gateway_exposure(apigateway: Any) -> dict[str, list[dict[str, Any]]]:
    """``{endpoint name: [{"Api", "Stage", "AccessLogging", "WebAcl"}]}`` for every
    REST API stage whose integration invokes a SageMaker endpoint directly."""
    out: dict[str, list[dict[str, Any]]] = {}
    for api in paginate(apigateway, "get_rest_apis", "items"):
        endpoints = {
            m.group(1)
            for uri in _integration_uris(apigateway, api["id"])
            if (m := _SAGEMAKER_INTEGRATION.search(uri))
        }
        if not endpoints:
            continue
        stages = call(apigateway, "get_stages", restApiId=api["id"]).get("item", [])
        for stage in stages:
            entry = {
                "Api": api.get("name", api["id"]),
                "Stage": stage.get("stageName"),
                "AccessLogging": bool((stage.get("accessLogSettings") or {}).get("destinationArn")),
                "WebAcl": bool(stage.get("webAclArn")),
            }
            for name in endpoints:
                out.setdefault(name, []).append(entry)
    return out
