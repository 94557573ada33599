"""One set of clients for every audited account, and credentials that last.

The audit makes one botocore session per run (:meth:`Accounts.session`) that shares
the caller's data loader - the parsed JSON service models and endpoint rules - and
a copy of the caller's event handlers, so hooks registered on the caller's session
reach every request.  Its clients (one per service and region) serve every
account: a request is signed with the credentials of the account whose task is
running (:func:`as_account`), and a request made outside any account's task is
refused before it is sent (``NoCredentialsError``), never signed as another.
A client costs 5-40 ms of CPU to make; sharing them makes an account's cost its
API calls alone, and lets accounts share connection pools.

A role is assumed when the account's work starts (:meth:`Accounts.credentials`),
and its credentials refresh themselves before they expire (botocore's
``RefreshableCredentials``), however long the run.
"""

from __future__ import annotations

import contextvars
import copy
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TypeVar

import botocore.credentials
import botocore.exceptions
import botocore.hooks
import botocore.session

from secure_sagemaker.audit._fetch import call

__all__ = ["DEFAULT_ROLE_SECONDS", "Accounts", "as_account"]

#: How long each assumed-role session lasts (refreshed before it ends).
DEFAULT_ROLE_SECONDS = 3600
_SESSION_NAME = "secure-sagemaker-audit"

_T = TypeVar("_T")

#: The credentials of the account whose task runs in this context.
_ACCOUNT: contextvars.ContextVar[Any] = contextvars.ContextVar("secure_sagemaker_audit_account")


def _inner(session: Any) -> Any:
    """The botocore session behind a boto3 session (or the botocore session itself)."""
    inner = getattr(session, "_session", None)
    return inner if isinstance(inner, botocore.session.Session) else session


def as_account(credentials: Any, task: Callable[[], _T]) -> Callable[[], _T]:
    """``task``, to be run with ``credentials`` signing every request it makes
    through the clients of :meth:`Accounts.session` (on whichever thread runs it)."""

    def bound() -> _T:
        token = _ACCOUNT.set(credentials)
        try:
            return task()
        finally:
            _ACCOUNT.reset(token)

    return bound


class _BoundCredentials(botocore.credentials.Credentials):  # type: ignore[misc]
    """Whichever account's credentials the running task is bound to.

    botocore's request signer asks its credentials for a frozen copy on every
    request; this answers with the bound account's (refreshed when due).  Raises
    ``NoCredentialsError`` when no account is bound, so nothing is sent."""

    method = "assume-role"

    def __init__(self) -> None:  # holds no key of its own
        pass

    @staticmethod
    def _bound() -> Any:
        credentials = _ACCOUNT.get(None)
        if credentials is None:
            raise botocore.exceptions.NoCredentialsError()
        return credentials

    @property
    def access_key(self) -> str:
        return str(self._bound().access_key)

    @property
    def secret_key(self) -> str:
        return str(self._bound().secret_key)

    @property
    def token(self) -> str | None:
        token = self._bound().token
        return None if token is None else str(token)

    @property
    def account_id(self) -> str | None:
        got = getattr(self._bound(), "account_id", None)
        return None if got is None else str(got)

    def get_frozen_credentials(self) -> Any:
        return self._bound().get_frozen_credentials()

    def __repr__(self) -> str:
        return "<credentials of the account being audited>"


class _Fixed(botocore.credentials.CredentialProvider):  # type: ignore[misc]
    """A credential provider that hands out one credentials object."""

    METHOD = "assume-role"
    CANONICAL_NAME = "secure-sagemaker-audit"

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class Accounts:
    """Assumes each account's role, and makes the session whose clients serve
    every account (sharing ``base``'s model cache and hooks).

    ``role_seconds`` is the assumed-role session duration asked for (900 to
    43,200); credentials are refreshed when a quarter of their lifetime (at most
    15 minutes) is left, and must be once a sixth (at most 10 minutes) is left:
    for one hour, botocore's own timeouts.
    """

    def __init__(
        self,
        base: Any,
        *,
        region: str,
        endpoint_url: str | None = None,
        role_seconds: int = DEFAULT_ROLE_SECONDS,
    ) -> None:
        self.base = _inner(base)
        self._region = region
        self._endpoint_url = endpoint_url
        self._seconds = role_seconds
        self._sts: Any = None
        self._session: Any = None
        self._lock = threading.Lock()

    def _sts_client(self) -> Any:
        with self._lock:  # accounts open on several threads; a session is not thread-safe
            if self._sts is None:
                self._sts = self.base.create_client(
                    "sts", region_name=self._region, endpoint_url=self._endpoint_url
                )
            return self._sts

    def _refresher(self, role_arn: str) -> Callable[[], dict[str, Any]]:
        params = {
            "RoleArn": role_arn,
            "RoleSessionName": _SESSION_NAME,
            "DurationSeconds": self._seconds,
        }

        def refresh() -> dict[str, Any]:
            got = call(self._sts_client(), "assume_role", **params)["Credentials"]
            return {
                "access_key": got["AccessKeyId"],
                "secret_key": got["SecretAccessKey"],
                "token": got["SessionToken"],
                "expiry_time": _aware(got["Expiration"]).isoformat(),
            }

        return refresh

    def credentials(self, role_arn: str) -> Any:
        """Assume ``role_arn`` now and return credentials that re-assume it before
        they expire.  Raises the AWS error when the role cannot be assumed."""
        refresh = self._refresher(role_arn)
        first = refresh()
        expiry = datetime.fromisoformat(first["expiry_time"])
        lifetime = max(1.0, (expiry - datetime.now(timezone.utc)).total_seconds())
        return botocore.credentials.RefreshableCredentials(
            first["access_key"],
            first["secret_key"],
            first["token"],
            expiry,
            refresh,
            "assume-role",
            advisory_timeout=min(900.0, lifetime / 4),
            mandatory_timeout=min(600.0, lifetime / 6),
        )

    def session(self) -> Any:
        """The botocore session (made once) whose clients serve every account: the
        base session's loader and event handlers, and the credentials of the account
        the running task is bound to (:func:`as_account`)."""
        with self._lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def _make_session(self) -> Any:
        session = botocore.session.Session(
            event_hooks=_handlers(self.base),
            include_builtin_handlers=False,
            profile=self.base.profile,
        )
        session.register_component("data_loader", self.base.get_component("data_loader"))
        resolver = botocore.credentials.CredentialResolver([_Fixed(_BoundCredentials())])
        session.register_component("credential_provider", resolver)
        session.user_agent_extra = self.base.user_agent_extra
        bundle = self.base.get_config_variable("ca_bundle")
        if bundle:  # the caller's trust store (a proxy's or an emulator's CA)
            session.set_config_variable("ca_bundle", bundle)
        return session


def _handlers(base: Any) -> Any:
    """A copy of ``base``'s event handlers, without botocore's alias layer: a
    session wraps its handlers in one, and a second layer would translate every
    event name twice on every call."""
    emitter = base.get_component("event_emitter")
    inner = getattr(emitter, "_emitter", None)  # botocore's EventAliaser keeps them here
    return copy.copy(inner if isinstance(inner, botocore.hooks.HierarchicalEmitter) else emitter)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
