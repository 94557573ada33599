"""One botocore model cache for every audited account, and credentials that last.

Each account gets its own small botocore session (its own credentials) that shares
the caller's data loader - the parsed JSON service models and endpoint rules, the
bulk of a session's memory - and a copy of the caller's event handlers, so hooks
registered on the caller's session reach every account's clients.  A role is
assumed when the account's work starts (:meth:`Accounts.open`), and its
credentials refresh themselves before they expire (botocore's
``RefreshableCredentials``), however long the run.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import botocore.credentials
import botocore.hooks
import botocore.session

from secure_sagemaker.audit._fetch import call

__all__ = ["DEFAULT_ROLE_SECONDS", "Accounts", "botocore_session"]

#: How long each assumed-role session lasts (refreshed before it ends).
DEFAULT_ROLE_SECONDS = 3600
_SESSION_NAME = "secure-sagemaker-audit"


def botocore_session(session: Any) -> Any:
    """The botocore session behind a boto3 session (or the botocore session itself)."""
    inner = getattr(session, "_session", None)
    return inner if isinstance(inner, botocore.session.Session) else session


class _Fixed(botocore.credentials.CredentialProvider):  # type: ignore[misc]
    """A credential provider that hands out one (refreshable) credentials object."""

    METHOD = "assume-role"
    CANONICAL_NAME = "secure-sagemaker-audit"

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


class Accounts:
    """Makes per-account sessions that share ``base``'s model cache and hooks.

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
        self.base = botocore_session(base)
        self._region = region
        self._endpoint_url = endpoint_url
        self._seconds = role_seconds
        self._sts: Any = None
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

    def open(self, role_arn: str) -> Any:
        """A botocore session for the account behind ``role_arn``: assumed now,
        refreshed later, sharing the base session's loader and event handlers.
        Raises the AWS error when the role cannot be assumed."""
        creds = self.credentials(role_arn)
        handlers = _handlers(self.base)
        session = botocore.session.Session(
            event_hooks=handlers, include_builtin_handlers=False, profile=self.base.profile
        )
        session.register_component("event_emitter", _SharedAliases(handlers))
        session.register_component("data_loader", self.base.get_component("data_loader"))
        resolver = botocore.credentials.CredentialResolver([_Fixed(creds)])
        session.register_component("credential_provider", resolver)
        session.user_agent_extra = self.base.user_agent_extra
        bundle = self.base.get_config_variable("ca_bundle")
        if bundle:  # the caller's trust store (a proxy's or an emulator's CA)
            session.set_config_variable("ca_bundle", bundle)
        return session


def _handlers(base: Any) -> Any:
    """A copy of ``base``'s event handlers, without botocore's alias layer: a
    session wraps its handlers in one (:class:`_SharedAliases`), and a second layer
    would translate every event name twice on every call."""
    emitter = base.get_component("event_emitter")
    inner = getattr(emitter, "_emitter", None)  # botocore's EventAliaser keeps them here
    return copy.copy(inner if isinstance(inner, botocore.hooks.HierarchicalEmitter) else emitter)


_ALIASED: dict[str, str] = {}


class _SharedAliases(botocore.hooks.EventAliaser):  # type: ignore[misc]
    """botocore's event-name aliaser, whose copies (one per client) share one cache.

    Every client translates each event name it emits (``before-call.sagemaker.X``)
    through botocore's fixed alias table and caches the answer per client; an audit
    makes thousands of short-lived clients, each emitting names the previous ones
    already translated.  The table is botocore's own, so the answers are the same."""

    def __init__(self, event_emitter: Any, event_aliases: Any = None) -> None:
        super().__init__(event_emitter, event_aliases)
        if event_aliases is None or event_aliases == botocore.hooks.EVENT_ALIASES:
            self._alias_name_cache = _ALIASED


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
