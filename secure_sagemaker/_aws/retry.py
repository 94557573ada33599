"""Shared retry policies: named values composed from small tenacity parts.

botocore retries first (``adaptive`` mode: client-side rate limiting plus its own
retryable codes).  :data:`transient_retry` covers what is left: a call whose
botocore attempts were all throttled or failed with a 5xx or a dropped
connection gets a few more, slower, jittered tries before it is reported.
"""

from __future__ import annotations

from typing import Any

import botocore.config
import botocore.exceptions
import tenacity

from secure_sagemaker._aws.errors import error_code

__all__ = [
    "THROTTLING_CODES",
    "TRANSIENT_CODES",
    "adaptive_config",
    "is_transient",
    "transient_retry",
]

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceError",
        "InternalServiceException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_CONNECTION_ERRORS = (
    botocore.exceptions.ConnectionError,
    botocore.exceptions.HTTPClientError,
)


def is_transient(error: BaseException) -> bool:
    """True for throttling, 5xx responses and dropped connections."""
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(error) in TRANSIENT_CODES or (isinstance(status, int) and status >= 500)
    return isinstance(error, _CONNECTION_ERRORS)


retry_if_transient = tenacity.retry_if_exception(is_transient)
wait_jittered = tenacity.wait_exponential(multiplier=0.5, max=8.0) + tenacity.wait_random(0, 0.5)
stop_after_three = tenacity.stop_after_attempt(3)

#: Decorator: retry a whole AWS call (after botocore's own retries) on transient errors,
#: three attempts in all, then re-raise the last error.
transient_retry = tenacity.retry(
    retry=retry_if_transient, wait=wait_jittered, stop=stop_after_three, reraise=True
)


def adaptive_config(*, max_pool_connections: int = 10, max_attempts: int = 6) -> Any:
    """A ``botocore.config.Config`` with adaptive retries and a connection pool sized
    for ``max_pool_connections`` concurrent calls on one client."""
    return botocore.config.Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
        connect_timeout=10,
        read_timeout=30,
    )
