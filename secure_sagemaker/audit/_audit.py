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

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._engine import now
from secure_sagemaker.audit._org import Plan, Run
from secure_sagemaker.audit._regions import check_region, check_regions, partition_of
from secure_sagemaker.audit._report import AuditReport, ordered
from secure_sagemaker.audit._sessions import DEFAULT_ROLE_SECONDS
from secure_sagemaker.audit._shard import in_shard, parse_shard
from secure_sagemaker.audit._stream import Tally
from secure_sagemaker.exceptions import AuditError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

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
#: Accounts audited at once (each holds its credentials and references until its work is done).
DEFAULT_ACCOUNTS_IN_FLIGHT = 4


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
    sink: Callable[[Finding], None] | None = None,
    shard: tuple[int, int] | str | None = None,
    role_seconds: int = DEFAULT_ROLE_SECONDS,
    accounts_in_flight: int = DEFAULT_ACCOUNTS_IN_FLIGHT,
    per_account_workers: int | None = None,
    per_region_workers: int | None = None,
) -> AuditReport:
    """Audit one account (the session's) or many, in one or more regions.

    ``regions``: names, ``"all"`` (every enabled region), or ``None`` (the session's).
    ``services``: a subset of :data:`SERVICES`.  ``since_days``: jobs created in the
    last N days (``None``: all).  ``accounts`` with ``role_arn_template``
    (``"arn:aws:iam::{account}:role/Auditor"``): assume that read-only role in each
    account when its turn comes (``accounts_in_flight`` at a time), with credentials
    that refresh before they expire (``role_seconds`` each);
    ``accounts="organization"`` lists the AWS Organization's accounts.  Every
    account shares the session's botocore model cache and event handlers.
    ``shard=(k, n)`` or ``"k/n"`` audits only the accounts in slice ``k`` of ``n``
    (a stable hash of the account ID; :func:`secure_sagemaker.audit._stream.merge` joins
    the slices' reports).  ``max_workers`` calls run at once, at most
    ``per_account_workers`` for one account and ``per_region_workers`` for one
    account and region (default: no limit below ``max_workers``).
    ``progress(listed, assessed)`` is called as the counts change.

    ``sink``: called with each finding as it is made (on the calling thread); the
    returned report then holds no findings, only the counts (``tally``,
    ``causes``): memory stays flat however many accounts.  Without it every
    finding is in the report, in a stable order.

    Raises :class:`AuditError` when it cannot start (no credentials, no region,
    an unknown service, a template without ``{account}``, a bad shard), and
    :class:`~secure_sagemaker.exceptions.InvalidArgumentError` for a region name
    that is no AWS region (``"unknown region 'us-east1'; did you mean us-east-1?"``),
    before any AWS call.  AWS errors after that never raise: they are ``error``
    findings (a role that cannot be assumed: one account resource with ``error``
    findings saying why); check :meth:`AuditReport.not_assessed` and
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
    if max_workers < 1 or accounts_in_flight < 1:
        raise AuditError("max_workers and accounts_in_flight must be at least 1")
    if not 900 <= role_seconds <= 43200:
        raise AuditError("role_seconds must be between 900 and 43200 (what STS accepts)")
    slice_ = parse_shard(shard) if shard is not None else None
    pol = policy if policy is not None else SecurityPolicy.load()
    base = _session(session)
    home = base.region_name
    if home is None and regions is None:
        raise AuditError("no region: pass regions=[...] or configure a default region")
    region_list = _resolve_regions(base, regions, home, endpoint_url)
    since = now() - timedelta(days=since_days) if since_days is not None else None
    ids = account_ids(base, accounts, role_arn_template, endpoint_url)
    if slice_ is not None:
        ids = [a for a in ids if in_shard(a, slice_)]
    tally = Tally(sink, keep="all" if sink is None else "none")
    plan = Plan(
        base=base,
        policy=pol,
        accounts=ids,
        regions=region_list,
        services=chosen,
        all_buckets=all_buckets,
        since=since,
        workers=max_workers,
        template=role_arn_template,
        endpoint_url=endpoint_url,
        role_seconds=role_seconds,
        in_flight=accounts_in_flight,
        per_account=per_account_workers,
        per_region=per_region_workers,
    )
    run = Run(plan, tally, progress)
    run.run()
    return AuditReport(
        findings=ordered(tally.kept) if sink is None else (),
        listed=run.listed,
        assessed=run.assessed,
        accounts=tuple(ids),
        regions=tuple(region_list),
        inventories=run.inventories,
        tally=None if sink is None else dict(tally.counts),
        causes=None if sink is None else dict(tally.causes),
    )


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


def account_ids(
    base: Any,
    accounts: Sequence[str] | str | None,
    template: str | None,
    endpoint_url: str | None,
) -> list[str]:
    """The account IDs to audit: the session's own, the ones given, or the AWS
    Organization's (``"organization"``).  Raises :class:`AuditError` when they
    cannot be identified or a template lacks ``{account}``."""
    try:
        if accounts is None and template is None:
            return [_account_of(base, endpoint_url)]
        if template is None or "{account}" not in template:
            raise AuditError("accounts need a role ARN template containing {account}")
        if accounts is None or accounts == "organization":
            return _organization_accounts(base, endpoint_url)
        if isinstance(accounts, str):
            return [a.strip() for a in accounts.split(",") if a.strip()]
        return list(accounts)
    except AuditError:
        raise
    except Exception as err:
        raise AuditError(f"cannot identify the account(s) to audit: {fetch.reason(err)}") from None
