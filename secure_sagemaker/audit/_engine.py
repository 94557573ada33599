"""The audit's engine: scopes, tasks and the loop that runs them on a bounded pool.

A task is a function returning an :class:`Outcome`: findings, how many resources
it listed and assessed, follow-up tasks (one per listed resource) and the
resources it saw referenced.  Tasks never raise for AWS errors: every failure
becomes ``error`` findings on the resource it concerns, so one failing call never
aborts the audit and nothing is skipped silently.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from secure_sagemaker._aws.retry import adaptive_config
from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._kinds import NOT_AUDITED, Kind, References, references, to_request
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding, Rule, Severity

Task = Callable[[], "Outcome"]


@attrs.frozen
class Outcome:
    findings: tuple[Finding, ...] = ()
    listed: int = 0
    assessed: int = 0
    then: tuple[Task, ...] = ()
    refs: References | None = None
    scope: Scope | None = None
    #: An inventory (a list call, every page) AWS answered, even with no items.
    inventory: bool = False


class Clients:
    """botocore clients for one session and region, made on first use under the
    session's lock (sessions are not thread-safe; clients are) and stored only once
    made, so a client already made is handed out without the lock."""

    def __init__(
        self,
        session: Any,
        region: str,
        lock: threading.Lock,
        *,
        endpoint_url: str | None = None,
        max_pool_connections: int = 10,
    ) -> None:
        self._session = session
        self._region = region
        self._lock = lock
        self._endpoint_url = endpoint_url
        self._pool = max_pool_connections
        self._made: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        client = self._made.get(service)  # every call of every account: no lock once made
        if client is not None:
            return client
        with self._lock:
            client = self._made.get(service)
            if client is None:
                config = adaptive_config(max_pool_connections=self._pool)
                # a boto3 session has client(), a botocore session create_client()
                make = getattr(self._session, "client", None) or self._session.create_client
                client = make(
                    service,
                    region_name=self._region,
                    endpoint_url=self._endpoint_url,
                    config=config,
                )
                if service == "s3control":
                    address_s3control_directly(client)
                self._made[service] = client
            return client

    def close(self) -> None:
        """Drop the clients (their connection pools closed): the scope is done."""
        with self._lock:
            made, self._made = self._made, {}
        for client in made.values():
            client.close()


_AWS_HOST = re.compile(r"\.amazonaws\.com(?:\.cn)?(?::\d+)?$")


def address_s3control_directly(client: Any) -> Any:
    """Make an S3 Control client behind a custom endpoint URL (an emulator) call that
    URL as given, not ``<account>.<host>``; AWS endpoints are left alone.  Returns
    the client."""
    host = urlsplit(client.meta.endpoint_url).netloc
    if not _AWS_HOST.search(host):
        client.meta.events.register("before-sign.s3-control", partial(_drop_account_prefix, host))
    return client


def _drop_account_prefix(host: str, request: Any, **kwargs: Any) -> None:
    """S3 Control puts the account ID in front of the host name; an emulator behind
    a custom endpoint URL (``--endpoint-url``) has no such names, so send it to the
    URL as given."""
    parts = urlsplit(request.url)
    prefix, _, rest = parts.netloc.partition(".")
    if rest == host and prefix.isdigit():
        request.url = urlunsplit(parts._replace(netloc=host))


@attrs.frozen(eq=False)
class Scope:
    """One account and region being audited."""

    account: str
    region: str
    clients: Clients
    policy: SecurityPolicy
    since: datetime | None
    partition: str = "aws"
    memo: dict[str, Any] = attrs.field(factory=dict)
    locks: dict[str, threading.Lock] = attrs.field(factory=dict)
    memo_lock: threading.Lock = attrs.field(factory=threading.Lock)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per scope and key (later callers wait for, and share, the
        result or the exception)."""
        with self.memo_lock:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.memo:
                try:
                    self.memo[key] = (True, compute())
                except Exception as err:
                    self.memo[key] = (False, err)
            ok, value = self.memo[key]
        if not ok:
            raise value
        return value

    def trusting(self, policy: SecurityPolicy | None = None) -> SecurityPolicy:
        """``policy`` (default: the scope's) with ``trusted_accounts`` = the audited
        account when the policy names none, as the guard does with the caller's."""
        if policy is None or policy is self.policy:
            shared: SecurityPolicy = self.once(
                "trusting", partial(trusting, self.policy, self.account)
            )
            return shared
        return trusting(policy, self.account)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"


# --------------------------------------------------------------------------- judging


def trusting(policy: SecurityPolicy, account: str) -> SecurityPolicy:
    """``policy`` with ``trusted_accounts=(account,)`` when it names none: a resource
    policy of the audited account may grant that account (and no other) access."""
    if policy.trusted_accounts or not account:
        return policy
    return attrs.evolve(policy, trusted_accounts=(account,))


def _rule_service(rule_id: str) -> str:
    try:
        return CATALOG.rule(rule_id).service
    except KeyError:
        return "*"


def applicable_rules(
    operation: str, policy: SecurityPolicy, params: Mapping[str, Any], service: str | None
) -> list[Rule]:
    """The rules that would judge ``operation`` (for error findings when the
    resource could not be read): unknown applicability counts as applicable."""
    out = []
    for rule in CATALOG:
        if operation not in rule.fields or rule.id in NOT_AUDITED:
            continue
        if service is not None and rule.service not in (service, "*"):
            continue
        if rule.applies is not None:
            try:
                if not rule.applies(params, policy):
                    continue
            except Exception:  # noqa: S110 - unknown applicability: give it a verdict
                pass
        out.append(rule)
    return out


def _place(f: Finding, scope: Scope, resource: str, rtype: str, region: str | None) -> Finding:
    return attrs.evolve(
        f,
        resource=resource,
        resource_type=rtype,
        account=scope.account,
        region=scope.region if region is None else region,
    )


_NOT_ASSESSED = ": could not be assessed, "
_UNAVAILABLE = "check unavailable: "
_LISTING = "listing failed, "
#: The ID of the ``error`` finding for a resource no applicable rule was found for.
UNASSESSED_ID = "AUDIT"


def errors(
    rules: Iterable[Rule],
    why: str,
    scope: Scope,
    resource: str,
    rtype: str,
    *,
    region: str | None = None,
) -> list[Finding]:
    """One ``error`` finding per rule, saying why the resource could not be assessed
    (one :data:`UNASSESSED_ID` finding when no rule is given: a failure is never
    silent)."""
    where = scope.region if region is None else region
    found = [
        Finding(
            rule.id,
            rule.severity,
            "error",
            "",
            f"{rule.title}{_NOT_ASSESSED}{why}",
            rule.remediation,
            resource=resource,
            resource_type=rtype,
            account=scope.account,
            region=where,
        )
        for rule in rules
    ]
    if found:
        return found
    return [
        Finding(
            UNASSESSED_ID,
            Severity.HIGH,
            "error",
            "",
            f"Resource{_NOT_ASSESSED}{why}",
            "Give the audit read access to this resource and run it again.",
            resource=resource,
            resource_type=rtype,
            account=scope.account,
            region=where,
        )
    ]


def cause(finding: Finding) -> str:
    """Why an ``error`` finding could not be assessed: ``"access denied
    (AccessDeniedException)"``, ``"role not assumed: ..."``, ``"check unavailable"``
    (a failed listing counts as its cause); ``""`` for other statuses."""
    if finding.status != "error":
        return ""
    _, marked, why = finding.message.partition(_NOT_ASSESSED)
    if marked:
        return why.removeprefix(_LISTING)
    if finding.message.startswith(_UNAVAILABLE):
        return "check unavailable"
    return "could not be assessed"


def unavailable(
    label: str, why: str, scope: Scope, resource: str, rtype: str, severity: Any
) -> Finding:
    """An ``error`` finding for a whole check that is missing from this installation."""
    return Finding(
        label,
        severity,
        "error",
        "",
        f"{_UNAVAILABLE}{why}",
        "Install a secure-sagemaker version that provides this check.",
        resource=resource,
        resource_type=rtype,
        account=scope.account,
        region=scope.region,
    )


def judge(
    operation: str,
    params: Mapping[str, Any],
    scope: Scope,
    resource: str,
    rtype: str,
    *,
    service: str | None = None,
    policy: SecurityPolicy | None = None,
    unknown: Mapping[str, str] | None = None,
    region: str | None = None,
) -> list[Finding]:
    """Evaluate one request or view and place the findings on the resource.

    ``service`` keeps only rules of that botocore service (PutPublicAccessBlock is
    both an S3 and an S3 Control operation).  ``unknown`` maps a top-level field
    that could not be read to the reason: rules judging it report ``error``.
    """
    pol = scope.trusting(policy)
    where = scope.region if region is None else region
    found = [
        f
        for f in evaluate(operation, params, pol, region=where)
        if f.rule_id not in NOT_AUDITED
        and (service is None or _rule_service(f.rule_id) in (service, "*"))
    ]
    out = [_place(f, scope, resource, rtype, region) for f in found]
    if unknown:
        blind: dict[str, str] = {}
        for rule in applicable_rules(operation, pol, params, service):
            for path in rule.fields[operation]:
                top = path.split(".", 1)[0].rstrip("?").removesuffix("[]")
                if top in unknown:
                    blind[rule.id] = unknown[top]
        out = [f for f in out if f.rule_id not in blind]
        for rule_id, why in blind.items():
            out += errors([CATALOG.rule(rule_id)], why, scope, resource, rtype, region=region)
    return out


# --------------------------------------------------------------------------- the loop


def now() -> datetime:
    return datetime.now(timezone.utc)


def list_kind(scope: Scope, kind: Kind) -> Outcome:
    """List one resource kind (all pages); a follow-up task per resource."""
    params: dict[str, Any] = dict(kind.list_params)
    if kind.recent and scope.since is not None:
        params["CreationTimeAfter"] = scope.since
    sm = scope.clients("sagemaker")
    try:
        items = scope.once(
            kind.list_method,
            partial(fetch.paginate, sm, kind.list_method, kind.list_key, page_size=100, **params),
        )
        context = endpoint_context(scope) if kind.name == "endpoint" else None
    except Exception as err:
        resource = scope.arn("sagemaker", f"{kind.name}/*")
        rules = applicable_rules(kind.operation, scope.policy, {}, None)
        found = errors(rules, f"{_LISTING}{fetch.reason(err)}", scope, resource, kind.resource_type)
        return Outcome(tuple(found), listed=1, assessed=1)
    follow = tuple(partial(assess_resource, scope, kind, item, context) for item in items)
    return Outcome(listed=len(items), then=follow, inventory=True)


def endpoint_context(scope: Scope) -> dict[str, Any]:
    """Monitoring schedules per endpoint and API Gateway exposure, or why unknown."""
    unknown: dict[str, str] = {}
    monitored: dict[str, list[str]] = {}
    try:
        schedules = scope.once(
            "list_monitoring_schedules",
            partial(
                fetch.paginate,
                scope.clients("sagemaker"),
                "list_monitoring_schedules",
                "MonitoringScheduleSummaries",
                page_size=100,
            ),
        )
        for s in schedules:
            if s.get("EndpointName") and s.get("MonitoringScheduleStatus") != "Stopped":
                monitored.setdefault(s["EndpointName"], []).append(s["MonitoringScheduleName"])
    except Exception as err:
        unknown["MonitoringSchedules"] = fetch.reason(err)
    exposure: dict[str, list[dict[str, Any]]] = {}
    try:
        exposure = fetch.api_gateway_exposure(scope.clients("apigateway"))
    except Exception as err:
        unknown["ApiGatewayStages"] = fetch.reason(err)
    return {"monitored": monitored, "exposure": exposure, "unknown": unknown}


def assess_resource(
    scope: Scope, kind: Kind, item: Mapping[str, Any], context: Mapping[str, Any] | None
) -> Outcome:
    """Describe one SageMaker resource and judge it as its Create request."""
    fallback = scope.arn("sagemaker", f"{kind.name}/{kind.label(item)}")
    resource = str(item.get(kind.arn_field) or fallback)
    try:
        described = fetch.call(
            scope.clients("sagemaker"), kind.describe_method, **kind.describe_params(item)
        )
    except Exception as err:
        rules = applicable_rules(kind.operation, scope.policy, {}, None)
        found = errors(rules, fetch.reason(err), scope, resource, kind.resource_type)
        return Outcome(tuple(found), assessed=1)
    resource = str(kind.unwrap(described).get(kind.arn_field) or resource)
    params = to_request(kind, described)
    unknown: Mapping[str, str] = {}
    if context is not None:  # the endpoint view
        name = described.get("EndpointName", "")
        params["MonitoringSchedules"] = context["monitored"].get(name, [])
        params["ApiGatewayStages"] = context["exposure"].get(name, [])
        unknown = context["unknown"]
    found = judge(kind.operation, params, scope, resource, kind.resource_type, unknown=unknown)
    return Outcome(tuple(found), assessed=1, refs=references(described), scope=scope)
