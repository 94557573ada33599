"""The caller's own AWS account, asked of STS once per set of credentials.

The guard needs it when the policy leaves ``trusted-accounts`` empty: a resource
policy may then grant access to the caller's account and no other.  The answer is
cached per access key and endpoint.  When STS cannot be asked (no network, no
permission) the result is ``None`` and every account principal counts as foreign -
fail closed, never open.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any
from urllib.parse import urlsplit

import botocore.config
from botocore.credentials import ReadOnlyCredentials

from secure_sagemaker._aws.loader import botocore_session

__all__ = ["caller_account", "sibling_client"]

logger = logging.getLogger("secure_sagemaker.guard")

_AWS_HOSTS = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
_QUICK = botocore.config.Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 1})


def _frozen(creds: Any) -> Any:
    """The current credentials; an aiobotocore client's refresh in a coroutine, so
    theirs are read as they are stored (expired ones fail the call: closed, not open)."""
    if creds is None:
        return None
    if inspect.iscoroutinefunction(creds.get_frozen_credentials):
        keys = ("_access_key", "_secret_key", "_token")
        return ReadOnlyCredentials(*(getattr(creds, k, None) for k in keys))
    return creds.get_frozen_credentials()


def sibling_client(client: Any, service: str, config: Any = None) -> Any:
    """A synchronous client of ``service`` with ``client``'s credentials and region
    (``client`` may be an aiobotocore one); an emulator or proxy endpoint (any host
    outside AWS's domains) is reused, with its TLS settings."""
    frozen = _frozen(client._request_signer._credentials)  # the caller's own credentials
    kwargs: dict[str, Any] = {}
    host = urlsplit(str(client.meta.endpoint_url)).hostname or ""
    if not host.endswith(_AWS_HOSTS):
        kwargs["endpoint_url"] = client.meta.endpoint_url
        kwargs["verify"] = getattr(client._endpoint.http_session, "_verify", None)
    return botocore_session().create_client(
        service,
        region_name=client.meta.region_name,
        aws_access_key_id=frozen.access_key if frozen else None,
        aws_secret_access_key=frozen.secret_key if frozen else None,
        aws_session_token=frozen.token if frozen else None,
        config=config,
        **kwargs,
    )


def caller_account(client: Any) -> str | None:
    """The account of ``client``'s credentials (12 digits), or ``None`` if STS cannot
    say; logged once, never raises."""
    try:
        frozen = _frozen(client._request_signer._credentials)
        key = frozen.access_key if frozen is not None else None
    except Exception:
        return None
    if not key:
        return None
    cache_key = (key, str(client.meta.endpoint_url))
    if cache_key in _ACCOUNTS:
        return _ACCOUNTS[cache_key]
    account = _ask(client)
    while len(_ACCOUNTS) >= _MAX_ACCOUNTS:  # oldest first: roles assumed hourly add keys
        _ACCOUNTS.pop(next(iter(_ACCOUNTS)), None)
    _ACCOUNTS[cache_key] = account
    return account


#: (access key ID, endpoint) -> the caller's account; at most _MAX_ACCOUNTS entries
_ACCOUNTS: dict[tuple[str, str], str | None] = {}
_MAX_ACCOUNTS = 256


def _ask(client: Any) -> str | None:
    try:
        sts = sibling_client(client, "sts", _QUICK)
        return str(sts.get_caller_identity()["Account"])
    except Exception as err:
        logger.warning(
            "secure-sagemaker: the caller's account is unknown (%s); every account in a "
            "resource policy counts as foreign - set trusted-accounts in the policy",
            type(err).__name__,
        )
        return None
