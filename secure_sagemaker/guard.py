"""The guard: a botocore hook that fills secure defaults and refuses insecure requests.

Every SageMaker request - from SDK 2.x, SDK 3.x, ``sagemaker.core``, raw boto3 or
our own wrappers - goes through a botocore client.  The guard registers one small
handler on ``before-parameter-build.<service>.<Operation>`` for each operation the
catalog judges.  The handler fills absent fields from the policy, evaluates the
final request and raises :class:`~secure_sagemaker.InsecureRequestError` *before*
the request is serialised, so a refused call sends nothing.

Unjudged operations (``sagemaker-runtime``, ``Describe*``, other services) have no
handler registered, so they pay nothing.

Limits: the guard only sees Python processes that installed it.  Local mode,
other languages and the console are covered by the IAM guardrails
(:mod:`secure_sagemaker.iam`).
"""

from __future__ import annotations

import functools
import gc
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import botocore.client
import botocore.session

from secure_sagemaker import _aio, _sdk_defaults
from secure_sagemaker._aws.caller import caller_account
from secure_sagemaker._guard_fetch import fetch_related
from secure_sagemaker.controls import REGISTRY
from secure_sagemaker.controls.operations import SERVICE_IDS
from secure_sagemaker.evaluation import (
    evaluate,
    fill,
    judge_operation,
    not_judgeable,
    secure_request,
)
from secure_sagemaker.exceptions import InsecureRequestError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = [
    "decide",
    "install",
    "installed_policy",
    "judge",
    "protect",
    "secure_session",
    "uninstall",
]

logger = logging.getLogger("secure_sagemaker.guard")

_INSTALL_ID = "secure-sagemaker:install"
_PROTECT_ID = "secure-sagemaker:protect"
_MARK = "_secure_sagemaker_binding"


@attrs.define
class _Binding:
    """What a client's handlers need: the policy (shared and swappable for
    :func:`install`) and a weak reference to the client, for fetching what a request
    points at (:mod:`secure_sagemaker._guard_fetch`) with the same credentials."""

    policy: SecurityPolicy | None
    client: weakref.ReferenceType[Any] | None = None
    explicit: bool = False
    # (the policy it was made from, the caller's account, that policy trusting it)
    _with_account: tuple[SecurityPolicy, str, SecurityPolicy] | None = None

    def effective_policy(self, policy: SecurityPolicy) -> SecurityPolicy:
        """``policy`` with ``trusted_accounts`` = the caller's own account when the
        policy leaves it empty (asked of STS once; unknown -> left empty: fail closed)."""
        client = self.client() if self.client is not None else None
        if policy.trusted_accounts or client is None:
            return policy
        account = caller_account(client)
        if account is None:
            return policy
        cached = self._with_account
        # compared by identity with the source kept alive: an id() could be reused
        if cached is None or cached[0] is not policy or cached[1] != account:
            cached = (policy, account, attrs.evolve(policy, trusted_accounts=(account,)))
            self._with_account = cached
        return cached[2]


# --------------------------------------------------------------------------- handler


def guard_request(params: dict[str, Any], model: Any, *, binding: _Binding, **kwargs: Any) -> None:
    """``before-parameter-build`` handler: classify, then fill, evaluate, refuse or log.

    Raises :class:`InsecureRequestError` (nothing is sent) when the policy is in
    ``enforce`` mode and a rule at or above ``policy.block_at`` fails - including
    SM000 (an unclassified operation) and SM002 (judging failed).  Raises nothing else.
    """
    policy = binding.policy
    if policy is None:
        return
    operation: str = model.name
    service: str = model.service_model.service_name
    kind = REGISTRY.classify(service, operation, policy)
    if kind == "read":
        return
    if kind == "allowed":
        logger.debug("%s:%s allowed (%s)", service, operation, REGISTRY.reason(service, operation))
        return
    try:
        policy = binding.effective_policy(policy) if kind == "judged" else policy
        new = _judge_request(params, operation, service, binding, policy, kwargs.get("context"))
    except InsecureRequestError:
        raise
    except Exception as err:  # a crash while judging is a failure, never a side effect
        why = f"could not be judged ({type(err).__name__})"
        decide(operation, [not_judgeable(why, policy)], policy)
        return  # mode=warn: sent as it was
    params.clear()
    params.update(new)


def _judge_request(
    params: dict[str, Any],
    operation: str,
    service: str,
    binding: _Binding,
    policy: SecurityPolicy,
    context: Any,
) -> dict[str, Any]:
    region = context.get("client_region") if isinstance(context, Mapping) else None
    new, filled, why = fill(operation, params, policy, service=service)
    if why:
        decide(operation, [not_judgeable(why, policy)], policy)
        return new
    for rule_id, field in filled:
        logger.info("%s: filled %s from the policy (%s)", operation, field, rule_id)
    client = binding.client() if binding.client is not None else None
    extra = fetch_related(operation, service, new, client)  # may pin a VersionId
    judged: Mapping[str, Any] = {**new, **extra} if extra else new  # extra: never sent
    findings = judge_operation(
        operation, judged, policy, service=service, region=region, shape_checked=True
    )
    decide(operation, findings, policy)
    return new


def judge(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy,
    *,
    region: str | None = None,
    service: str | None = None,
) -> dict[str, Any]:
    """Fill ``params`` from the policy and judge them exactly as the guard will, without
    any AWS call; return the filled request.  Wrappers call it to refuse early.

    Raises :class:`InsecureRequestError` like the guard (same waivers, ``block_at``
    and ``mode``).
    """
    new, _ = secure_request(operation, params, policy, service=service)
    decide(operation, evaluate(operation, new, policy, region=region, service=service), policy)
    return new


def decide(operation: str, findings: list[Finding], policy: SecurityPolicy) -> None:
    """Refuse (raise :class:`InsecureRequestError` listing every blocking failure) or log:
    waived rules at INFO, failures below ``policy.block_at`` or in ``mode="warn"`` as
    warnings."""
    blocking: list[Finding] = []
    for f in findings:
        if f.status == "waived":
            logger.info("%s: %s %s waived by policy", operation, f.rule_id, f.field)
        elif f.status == "fail":
            if f.severity >= policy.block_at:
                blocking.append(f)
            else:
                logger.warning("%s: %s %s: %s", operation, f.rule_id, f.field, f.message)
    if not blocking:
        return
    if policy.mode == "warn":
        for f in blocking:
            logger.warning(
                "%s: %s %s: %s (mode=warn: sent anyway)", operation, f.rule_id, f.field, f.message
            )
        return
    raise InsecureRequestError(operation, blocking)


# --------------------------------------------------------------------------- registration


# the customisation table: one (event, handler) pair per watched service.  The event is
# the service ID's prefix, so one registration covers every operation; the handler
# returns at once for read-only and allowed operations.
def handler_table() -> list[tuple[str, Callable[..., None]]]:
    """Every ``(event, handler)`` the guard registers on a client of a watched service."""
    return [
        (f"before-parameter-build.{SERVICE_IDS[service]}", guard_request)
        for service in sorted(REGISTRY.services)
    ]


def _events_for(client: Any) -> list[str]:
    service = str(client.meta.service_model.service_name)
    return [f"before-parameter-build.{SERVICE_IDS[service]}"] if service in REGISTRY else []


def _register(client: Any, binding: _Binding, unique_id: str) -> bool:
    events = _events_for(client)
    for event in events:
        handler = functools.partial(guard_request, binding=binding)
        client.meta.events.register(event, handler, unique_id=f"{unique_id}:{event}")
    return bool(events)


def _unregister(client: Any, unique_id: str) -> None:
    for event in _events_for(client):
        client.meta.events.unregister(event, unique_id=f"{unique_id}:{event}")


def protect(client: Any, policy: SecurityPolicy | None = None) -> Any:
    """Guard one botocore/boto3 client with ``policy`` and return the same client.

    Calling it again replaces the policy.  ``policy`` defaults to
    :meth:`SecurityPolicy.load`.  Clients of services no rule judges are returned
    unchanged.

    >>> sm = protect(boto3.client("sagemaker"), policy)   # doctest: +SKIP
    """
    pol = policy if policy is not None else SecurityPolicy.load()
    with _lock:
        if _state.clients.pop(client, None) is not None:
            _unregister(client, _INSTALL_ID)
        existing = getattr(client, _MARK, None)
        if isinstance(existing, _Binding) and existing.explicit:
            existing.policy = pol
            return client
        binding = _Binding(pol, weakref.ref(client), explicit=True)
        if _register(client, binding, _PROTECT_ID):
            setattr(client, _MARK, binding)
    return client


def secure_session(policy: SecurityPolicy | None = None, **kwargs: Any) -> Any:
    """A ``boto3.Session(**kwargs)`` whose every client is guarded by ``policy``.

    >>> session = secure_session(policy, region_name="eu-west-1")   # doctest: +SKIP
    >>> session.client("sagemaker").create_training_job(...)          # judged
    """
    import boto3

    pol = policy if policy is not None else SecurityPolicy.load()
    session = boto3.Session(**kwargs)
    core = session._session
    original = core.create_client

    @functools.wraps(original)
    def create_client(*args: Any, **kw: Any) -> Any:
        return protect(original(*args, **kw), pol)

    core.create_client = create_client
    return session


# --------------------------------------------------------------------------- install


@attrs.define
class _InstallState:
    policy: SecurityPolicy | None = None
    clients: weakref.WeakKeyDictionary[Any, _Binding] = attrs.field(
        factory=weakref.WeakKeyDictionary
    )
    original_create_client: Callable[..., Any] | None = None
    unpatch_aio: Callable[[], None] | None = None


_state = _InstallState()
_lock = threading.RLock()


def _install_on(client: Any) -> None:
    mark = getattr(client, _MARK, None)
    if isinstance(mark, _Binding) and mark.explicit:
        return  # protected explicitly with its own policy
    binding = _state.clients.get(client)
    if binding is not None:
        binding.policy = _state.policy
        return
    binding = _Binding(_state.policy, weakref.ref(client))
    if _register(client, binding, _INSTALL_ID):
        _state.clients[client] = binding
        setattr(client, _MARK, binding)


def _existing_clients() -> Iterator[Any]:
    for obj in gc.get_objects():
        # type(), not isinstance(): weak proxies to clients pretend to be clients
        if issubclass(type(obj), botocore.client.BaseClient):
            yield obj


def install(policy: SecurityPolicy | None = None) -> SecurityPolicy:
    """Guard every botocore client in the process, existing and future.

    ``policy`` defaults to :meth:`SecurityPolicy.load`.  Idempotent; installing
    another policy replaces the first (logged).  Clients given their own policy
    with :func:`protect` keep it.  Also makes the policy the installed SageMaker
    SDK's own defaults until :func:`uninstall` (:mod:`._sdk_defaults`), so the SDK
    builds isolated requests right.  Returns the installed policy.
    Raises :class:`~secure_sagemaker.PolicyError` if the policy file is malformed.
    """
    pol = policy if policy is not None else SecurityPolicy.load()
    with _lock:
        if _state.policy is not None and _state.policy != pol:
            logger.info("secure-sagemaker: replacing the installed policy")
        _state.policy = pol
        for binding in list(_state.clients.values()):
            binding.policy = pol
        # wrap client creation first, then scan: a client another thread creates
        # meanwhile is either wrapped or already in the heap the scan walks
        if _state.original_create_client is None:
            _state.original_create_client = _wrap_client_creation()
        if _state.unpatch_aio is None:
            _state.unpatch_aio = _aio.patch(_on_new_client)
        for client in _existing_clients():
            _install_on(client)
        # the SDK builds isolated requests itself (code channel, repacked model)
        _sdk_defaults.apply(pol)
        logger.info("secure-sagemaker: guard installed on %d client(s)", len(_state.clients))
    return pol


def _on_new_client(client: Any) -> None:
    with _lock:
        if _state.policy is not None:
            _install_on(client)


def _wrap_client_creation() -> Callable[..., Any]:
    original: Callable[..., Any] = botocore.client.ClientCreator.create_client

    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        _on_new_client(client)
        return client

    botocore.client.ClientCreator.create_client = create_client
    return original


def uninstall() -> None:
    """Remove what :func:`install` added, from every client, and the SDK defaults.
    Idempotent.
    Clients guarded explicitly with :func:`protect` stay guarded."""
    with _lock:
        if _state.original_create_client is not None:
            botocore.client.ClientCreator.create_client = _state.original_create_client
            _state.original_create_client = None
        if _state.unpatch_aio is not None:
            _state.unpatch_aio()
            _state.unpatch_aio = None
        for client, binding in list(_state.clients.items()):
            binding.policy = None
            _unregister(client, _INSTALL_ID)
            if getattr(client, _MARK, None) is binding:
                delattr(client, _MARK)
        _state.clients.clear()
        _state.policy = None
        _sdk_defaults.restore()


def installed_policy() -> SecurityPolicy | None:
    """The policy :func:`install` put in place, or ``None``."""
    return _state.policy
