"""Audit an AWS account with the guard's rules.

The inventory is collected once, concurrently and paginated: SageMaker notebook
instances, lifecycle configs, Studio domains and user profiles, recent
training/processing/transform/tuning jobs, models, endpoint configs, endpoints,
monitoring schedules and job definitions, pipelines; then the S3 buckets, execution
roles, subnets and security groups they use; KMS customer keys and secrets; and the
account itself (CloudTrail, GuardDuty, Macie, S3 public access block).

Each Describe response is mapped to the request that would create the resource and
judged by the *same* rules as the guard (:func:`secure_sagemaker.evaluate`), plus
the resource-view rules only an audit can judge (``@Account``, ``@Endpoint``,
``@KmsKey``, ``@Bucket``, ``@Secret``, ``@Subnet`` ...).  Every listed resource ends
with a verdict per applicable rule - ``pass``, ``fail``, ``waived`` or ``error``
with the reason - and the report's ``listed`` and ``assessed`` counts match.

The audit fails closed: :meth:`AuditReport.not_assessed` counts the ``error``
verdicts by cause and :attr:`AuditReport.nothing_assessed` says when no call got an
answer at all (no permissions, a region without endpoints).  Region names are
checked against botocore's partition data before the first AWS call.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import attrs

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit import _related as other
from secure_sagemaker.audit._engine import (
    Clients,
    Scope,
    Task,
    Totals,
    cause,
    drive,
    errors,
    list_kind,
    now,
)
from secure_sagemaker.audit._kinds import KINDS
from secure_sagemaker.audit._regions import check_region, check_regions, partition_of
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import AuditError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding, Severity

__all__ = [
    "SERVICES",
    "AuditError",
    "AuditReport",
    "audit",
]

#: What ``services=`` can select (default: all).
SERVICES = ("sagemaker", "s3", "kms", "secretsmanager", "iam", "ec2", "account")
DEFAULT_WORKERS = 16
DEFAULT_SINCE_DAYS = 30


@attrs.frozen
class AuditReport:
    """What :func:`audit` found.

    ``findings``: one per resource and applicable rule, each with ``resource`` (ARN
    or name), ``resource_type``, ``account`` and ``region``.  ``listed`` and
    ``assessed`` count resources; they are equal unless something was lost.
    ``inventories``: list calls AWS answered (even with no items).
    """

    findings: tuple[Finding, ...]
    listed: int
    assessed: int
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    inventories: int = 0

    @property
    def complete(self) -> bool:
        """Every listed resource was assessed (possibly with ``error`` verdicts)."""
        return self.listed == self.assessed

    def failures(self, at_least: Severity | str = Severity.LOW) -> list[Finding]:
        """Failing findings at or above a severity, most severe first.

        >>> AuditReport((), 0, 0).failures("high")
        []
        """
        floor = Severity.parse(at_least)
        found = [f for f in self.findings if f.status == "fail" and f.severity >= floor]
        return sorted(found, key=lambda f: (-f.severity, f.rule_id, f.resource))

    def not_assessed(self) -> dict[str, int]:
        """The ``error`` verdicts (a rule that could not be judged on a resource)
        counted by cause, most frequent first; empty when every rule got a verdict.

        >>> AuditReport((), 0, 0).not_assessed()
        {}
        """
        causes = Counter(cause(f) for f in self.findings if f.status == "error")
        return dict(sorted(causes.items(), key=lambda item: (-item[1], item[0])))

    @property
    def nothing_assessed(self) -> bool:
        """Nothing could be assessed: every verdict is ``error`` and no inventory
        was answered (no permissions, credentials refused, no endpoint there).  An
        account with nothing to audit is not this: it has no ``error`` either."""
        return (
            self.inventories == 0
            and bool(self.findings)
            and all(f.status == "error" for f in self.findings)
        )

    def counts(self) -> dict[str, int]:
        """``{"pass": n, "fail": n, "waived": n, "error": n}``."""
        out = dict.fromkeys(("pass", "fail", "waived", "error"), 0)
        for f in self.findings:
            out[f.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "listed": self.listed,
            "assessed": self.assessed,
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "counts": self.counts(),
            "not_assessed": self.not_assessed(),
            "nothing_assessed": self.nothing_assessed,
            "findings": [f.to_dict() for f in self.findings],
        }


# --------------------------------------------------------------------------- sessions


def _session(session: Any) -> Any:
    if session is not None:
        return session
    import boto3

    return boto3.Session()


def _account_of(session: Any, endpoint_url: str | None) -> str:
    sts = session.client("sts", endpoint_url=endpoint_url)
    account: str = fetch.call(sts, "get_caller_identity")["Account"]
    return account


def _all_regions(session: Any, region: str, endpoint_url: str | None) -> list[str]:
    ec2 = session.client("ec2", region_name=region, endpoint_url=endpoint_url)
    try:
        got = fetch.call(ec2, "describe_regions", AllRegions=False)
        return sorted(r["RegionName"] for r in got["Regions"])
    except Exception:
        partition = partition_of(region) or "aws"
        return sorted(session.get_available_regions("sagemaker", partition_name=partition))


def _organization_accounts(session: Any, endpoint_url: str | None) -> list[str]:
    org = session.client("organizations", endpoint_url=endpoint_url)
    accounts = fetch.paginate(org, "list_accounts", "Accounts")
    return sorted(a["Id"] for a in accounts if a.get("Status", "ACTIVE") == "ACTIVE")


def _assume(session: Any, role_arn: str, region: str, endpoint_url: str | None) -> Any:
    import boto3

    sts = session.client("sts", region_name=region, endpoint_url=endpoint_url)
    creds = fetch.call(
        sts, "assume_role", RoleArn=role_arn, RoleSessionName="secure-sagemaker-audit"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


# --------------------------------------------------------------------------- planning


def _sagemaker_tasks(scope: Scope) -> list[Task]:
    return [partial(list_kind, scope, kind) for kind in KINDS]


def _first_phase(scopes: Sequence[Scope], services: frozenset[str]) -> list[Task]:
    tasks: list[Task] = []
    seen_accounts: set[str] = set()
    for scope in scopes:
        if "sagemaker" in services:
            tasks += _sagemaker_tasks(scope)
        if "kms" in services:
            tasks.append(partial(other.list_keys, scope))
        if "secretsmanager" in services:
            tasks.append(partial(other.list_secrets, scope))
        if "account" in services:
            tasks.append(partial(other.assess_account_region, scope))
            if scope.account not in seen_accounts:
                tasks.append(partial(other.assess_account_public_access, scope))
        seen_accounts.add(scope.account)
    return tasks


def _second_phase(
    scopes: Sequence[Scope], totals: Totals, services: frozenset[str], all_buckets: bool
) -> list[Task]:
    tasks: list[Task] = []
    first: dict[str, Scope] = {}
    for scope in scopes:
        first.setdefault(scope.account, scope)
    for account, scope in first.items():
        account_refs = [r for (a, _), r in totals.refs.items() if a == account]
        if "s3" in services:
            if all_buckets:
                tasks.append(partial(other.list_buckets, scope))
            else:
                names = set(scope.policy.artifact_buckets)
                for refs in account_refs:
                    names |= refs.buckets
                tasks.append(partial(other.buckets_outcome, scope, names))
        if "iam" in services:
            roles = {arn for refs in account_refs for arn in refs.roles}
            tasks.append(partial(other.roles_outcome, scope, roles))
    if "ec2" in services:
        for scope in scopes:
            found = totals.refs.get((scope.account, scope.region))
            if found is not None:
                ids = {
                    "subnets": found.subnets,
                    "security_groups": found.security_groups,
                    "vpcs": found.vpcs,
                }
                tasks.append(partial(other.network_outcome, scope, ids))
    return tasks


# --------------------------------------------------------------------------- audit


def audit(
    session: Any = None,
    *,
    policy: SecurityPolicy | None = None,
    regions: Sequence[str] | str | None = None,
    services: Iterable[str] | None = None,
    all_buckets: bool = False,
    since_days: int | None = DEFAULT_SINCE_DAYS,
    max_workers: int = DEFAULT_WORKERS,
    accounts: Sequence[str] | str | None = None,
    role_arn_template: str | None = None,
    endpoint_url: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Audit one account (the session's) or many, in one or more regions.

    ``regions``: names, ``"all"`` (every enabled region), or ``None`` (the session's).
    ``services``: a subset of :data:`SERVICES`.  ``since_days``: jobs created in the
    last N days (``None``: all).  ``accounts`` with ``role_arn_template``
    (``"arn:aws:iam::{account}:role/Auditor"``): assume that read-only role in each
    account; ``accounts="organization"`` lists the AWS Organization's accounts.
    ``progress(listed, assessed)`` is called as the counts change.

    Raises :class:`AuditError` when it cannot start (no credentials, no region,
    an unknown service, a template without ``{account}``), and
    :class:`~secure_sagemaker.exceptions.InvalidArgumentError` for a region name
    that is no AWS region (``"unknown region 'us-east1'; did you mean us-east-1?"``),
    before any AWS call.  AWS errors after that never raise: they are ``error``
    findings; check :meth:`AuditReport.not_assessed` and
    :attr:`AuditReport.nothing_assessed` before trusting an empty
    :meth:`AuditReport.failures`.

    >>> report = audit(regions=["eu-west-1"])          # doctest: +SKIP
    >>> [f.rule_id for f in report.failures("high")]   # doctest: +SKIP
    ['SM103', 'SM201']
    """
    chosen = frozenset(services or SERVICES)
    if not chosen <= set(SERVICES):
        raise AuditError(
            f"unknown service(s) {', '.join(sorted(chosen - set(SERVICES)))}; choose from "
            f"{', '.join(SERVICES)}"
        )
    if max_workers < 1:
        raise AuditError("max_workers must be at least 1")
    pol = policy if policy is not None else SecurityPolicy.load()
    base = _session(session)
    home = base.region_name
    if home is None and regions is None:
        raise AuditError("no region: pass regions=[...] or configure a default region")
    region_list = _resolve_regions(base, regions, home, endpoint_url)
    since = now() - timedelta(days=since_days) if since_days is not None else None
    totals = Totals()
    sessions = _account_sessions(
        base, accounts, role_arn_template, region_list[0], endpoint_url, totals, pol
    )
    scopes: list[Scope] = []
    for account, sess in sessions:
        lock = threading.Lock()
        for region in region_list:
            clients = Clients(
                sess, region, lock, endpoint_url=endpoint_url, max_pool_connections=max_workers
            )
            partition = partition_of(region) or "aws"
            scopes.append(Scope(account, region, clients, pol, since, partition))
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="audit") as pool:
        drive(pool, _first_phase(scopes, chosen), totals, progress)
        drive(pool, _second_phase(scopes, totals, chosen, all_buckets), totals, progress)
    return AuditReport(
        findings=tuple(sorted(totals.findings, key=_order)),
        listed=totals.listed,
        assessed=totals.assessed,
        accounts=tuple(dict.fromkeys(a for a, _ in sessions)),
        regions=tuple(region_list),
        inventories=totals.inventories,
    )


def _order(f: Finding) -> tuple[Any, ...]:
    return (f.account, f.region, f.resource_type, f.resource, f.rule_id, f.field)


def _resolve_regions(
    base: Any, regions: Sequence[str] | str | None, home: str | None, endpoint_url: str | None
) -> list[str]:
    """The regions to audit, every name checked before any AWS call."""
    source = "the session's default region: set it in the profile or AWS_REGION"
    if regions is None:
        return [check_region(str(home), source)]
    if isinstance(regions, str):
        if regions == "all":
            start = check_region(home, source) if home else "us-east-1"
            return _all_regions(base, start, endpoint_url)
        regions = [r.strip() for r in regions.split(",") if r.strip()]
    if not regions:
        raise AuditError("regions is empty")
    return check_regions(regions)


def _account_sessions(
    base: Any,
    accounts: Sequence[str] | str | None,
    template: str | None,
    region: str,
    endpoint_url: str | None,
    totals: Totals,
    policy: SecurityPolicy,
) -> list[tuple[str, Any]]:
    """``[(account, session)]``; an account whose role cannot be assumed is reported
    as one resource with ``error`` findings for the account-level rules."""
    try:
        if accounts is None and template is None:
            return [(_account_of(base, endpoint_url), base)]
        if template is None or "{account}" not in template:
            raise AuditError("accounts need a role ARN template containing {account}")
        if accounts is None or accounts == "organization":
            ids = _organization_accounts(base, endpoint_url)
        elif isinstance(accounts, str):
            ids = [a.strip() for a in accounts.split(",") if a.strip()]
        else:
            ids = list(accounts)
    except AuditError:
        raise
    except Exception as err:
        raise AuditError(f"cannot identify the account(s) to audit: {fetch.reason(err)}") from None
    out = []
    for account in ids:
        try:
            out.append(
                (account, _assume(base, template.format(account=account), region, endpoint_url))
            )
        except Exception as err:
            clients = Clients(base, region, threading.Lock())
            partition = partition_of(region) or "aws"
            scope = Scope(account, region, clients, policy, None, partition)
            rules = [CATALOG.rule(i) for i in ("SM680", "SM681", "SM434", "SM435", "SM409")]
            totals.findings += errors(
                rules,
                f"role not assumed: {fetch.reason(err)}",
                scope,
                f"arn:{partition}:iam::{account}:root",
                other.ACCOUNT_TYPE,
            )
            totals.listed += 1
            totals.assessed += 1
    return out
