"""One audit run over many accounts: a few accounts at a time, each opened lazily.

An account is *opened* when its turn comes (its role assumed then), its inventory
tasks run, then the tasks that need what the inventory referenced (buckets, roles,
networks), then it is *closed*: its credentials and references are dropped and the
next account opens.  Every account's tasks call AWS through one set of clients per
region, each task signing with its own account's credentials (``_sessions``).
Memory is bounded by the accounts in flight, not by the organisation; findings go
to a sink as they come.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any

import attrs

from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit import _related as other
from secure_sagemaker.audit._engine import Clients, Outcome, Scope, Task, errors, list_kind
from secure_sagemaker.audit._kinds import KINDS, References
from secure_sagemaker.audit._regions import partition_of
from secure_sagemaker.audit._sched import Loop
from secure_sagemaker.audit._sessions import Accounts, as_account
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding

__all__ = ["Plan", "Run"]

#: The account-level rules an account whose role cannot be assumed gets ``error`` on.
_ACCOUNT_RULES = ("SM680", "SM681", "SM434", "SM435", "SM409")


@attrs.frozen
class Plan:
    """What one run audits and how.  ``template`` ``None``: ``accounts`` is the base
    session's own account, audited with the base session."""

    base: Any
    policy: SecurityPolicy
    accounts: Sequence[str]
    regions: Sequence[str]
    services: frozenset[str]
    all_buckets: bool
    since: datetime | None
    workers: int
    template: str | None = None
    endpoint_url: str | None = None
    role_seconds: int = 3600
    in_flight: int = 4
    per_account: int | None = None
    per_region: int | None = None


@attrs.define(eq=False)
class _Account:
    id: str
    credentials: Any = None  # None: the caller's own account, with the caller's session
    scopes: list[Scope] = attrs.field(factory=list)
    outstanding: int = 0
    phase: int = 0
    refs: dict[str, References] = attrs.field(factory=dict)


class Run:
    """Runs a :class:`Plan`, handing each finding to ``sink`` on this thread."""

    def __init__(
        self,
        plan: Plan,
        sink: Callable[[Finding], None],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.plan = plan
        self.sink = sink
        self.progress = progress
        self.listed = self.assessed = self.inventories = 0
        self._next: Iterator[str] = iter(plan.accounts)
        self._loop: Loop | None = None
        self._shown = 0.0
        region = plan.regions[0]
        self._sessions = Accounts(
            plan.base, region=region, endpoint_url=plan.endpoint_url, role_seconds=plan.role_seconds
        )
        self._shared: dict[str, Clients] = {}  # region -> the clients every account uses
        self._shared_lock = threading.Lock()  # one session makes them, and is not thread-safe

    def run(self) -> None:
        """Audit every account of the plan."""
        plan = self.plan
        with ThreadPoolExecutor(max_workers=plan.workers, thread_name_prefix="audit") as pool:
            self._loop = Loop(
                pool,
                workers=plan.workers,
                per_account=plan.per_account,
                per_scope=plan.per_region,
            )
            try:
                for _ in range(max(1, plan.in_flight)):
                    self._admit()
                self._loop.run()
            finally:
                for clients in self._shared.values():
                    clients.close()
                self._shared.clear()
        self._show(final=True)

    # ------------------------------------------------------------------ lifecycle

    def _admit(self) -> None:
        account = next(self._next, None)
        if account is None or self._loop is None:
            return
        state = _Account(account)
        key = (account, self.plan.regions[0])
        self._loop.add(key, partial(self._open, account), partial(self._opened, state))

    def _open(self, account: str) -> Any:
        """The account's credentials (its role assumed now), the error that stopped
        it, or ``None`` for the caller's own account."""
        if self.plan.template is None:
            return None
        try:
            return self._sessions.credentials(self.plan.template.format(account=account))
        except Exception as err:
            return err

    def _clients(self, session: Any, region: str, lock: threading.Lock) -> Clients:
        return Clients(
            session,
            region,
            lock,
            endpoint_url=self.plan.endpoint_url,
            max_pool_connections=self.plan.workers,
        )

    def _shared_clients(self, region: str) -> Clients:
        clients = self._shared.get(region)  # only the loop's thread adds to the dict
        if clients is None:
            session = self._sessions.session()
            clients = self._shared[region] = self._clients(session, region, self._shared_lock)
        return clients

    def _opened(self, state: _Account, credentials: Any) -> None:
        plan = self.plan
        if isinstance(credentials, Exception):
            self._unassumable(state.id, credentials)
            self._close(state)
            return
        state.credentials = credentials
        lock = threading.Lock()
        for region in plan.regions:
            if credentials is None:  # the caller's account: the caller's own clients
                clients = self._clients(plan.base, region, lock)
            else:
                clients = self._shared_clients(region)
            partition = partition_of(region) or "aws"
            state.scopes.append(
                Scope(state.id, region, clients, plan.policy, plan.since, partition)
            )
        state.phase = 1
        self._start(state, self._first_phase(state))

    def _start(self, state: _Account, tasks: list[tuple[Scope, Task]]) -> None:
        for scope, task in tasks:
            self._add(state, scope, task)
        if state.outstanding == 0:
            self._advance(state)

    def _add(self, state: _Account, scope: Scope, task: Task) -> None:
        assert self._loop is not None
        state.outstanding += 1
        if state.credentials is not None:
            task = as_account(state.credentials, task)
        self._loop.add((state.id, scope.region), task, partial(self._done, state, scope))

    def _done(self, state: _Account, scope: Scope, out: Outcome) -> None:
        for finding in out.findings:
            self.sink(finding)
        self.listed += out.listed
        self.assessed += out.assessed
        self.inventories += out.inventory
        if out.refs is not None:
            region = (out.scope or scope).region
            state.refs.setdefault(region, References()).update(out.refs)
        for task in out.then:
            self._add(state, scope, task)
        state.outstanding -= 1
        self._show()
        if state.outstanding == 0:
            self._advance(state)

    def _advance(self, state: _Account) -> None:
        if state.phase == 1:
            state.phase = 2
            self._start(state, self._second_phase(state))
        else:
            self._close(state)

    def _close(self, state: _Account) -> None:
        if state.credentials is None:  # the caller's own clients (shared ones stay open)
            for scope in state.scopes:
                scope.clients.close()
        state.credentials = None
        state.scopes.clear()
        state.refs.clear()
        self._admit()

    def _unassumable(self, account: str, err: Exception) -> None:
        region = self.plan.regions[0]
        partition = partition_of(region) or "aws"
        clients = Clients(None, region, threading.Lock())
        scope = Scope(account, region, clients, self.plan.policy, None, partition)
        rules = [CATALOG.rule(i) for i in _ACCOUNT_RULES]
        for finding in errors(
            rules,
            f"role not assumed: {fetch.reason(err)}",
            scope,
            f"arn:{partition}:iam::{account}:root",
            other.ACCOUNT_TYPE,
        ):
            self.sink(finding)
        self.listed += 1
        self.assessed += 1
        self._show()

    def _show(self, *, final: bool = False) -> None:
        if self.progress is None:
            return
        moment = time.monotonic()
        if final or moment - self._shown >= 0.1:
            self._shown = moment
            self.progress(self.listed, self.assessed)

    # ------------------------------------------------------------------ planning

    def _first_phase(self, state: _Account) -> list[tuple[Scope, Task]]:
        services = self.plan.services
        tasks: list[tuple[Scope, Task]] = []
        for i, scope in enumerate(state.scopes):
            if "sagemaker" in services:
                tasks += [(scope, partial(list_kind, scope, kind)) for kind in KINDS]
            if "kms" in services:
                tasks.append((scope, partial(other.list_keys, scope)))
            if "secretsmanager" in services:
                tasks.append((scope, partial(other.list_secrets, scope)))
            if "account" in services:
                tasks.append((scope, partial(other.assess_account_region, scope)))
                if i == 0:
                    tasks.append((scope, partial(other.assess_account_public_access, scope)))
        return tasks

    def _second_phase(self, state: _Account) -> list[tuple[Scope, Task]]:
        services = self.plan.services
        tasks: list[tuple[Scope, Task]] = []
        if not state.scopes:
            return tasks
        first = state.scopes[0]
        refs = list(state.refs.values())
        if "s3" in services:
            if self.plan.all_buckets:
                tasks.append((first, partial(other.list_buckets, first)))
            else:
                names = set(first.policy.artifact_buckets)
                for found in refs:
                    names |= found.buckets
                tasks.append((first, partial(other.buckets_outcome, first, names)))
        if "iam" in services:
            roles = {arn for found in refs for arn in found.roles}
            tasks.append((first, partial(other.roles_outcome, first, roles)))
        if "ec2" in services:
            for scope in state.scopes:
                got = state.refs.get(scope.region)
                if got is not None:
                    ids = {
                        "subnets": got.subnets,
                        "security_groups": got.security_groups,
                        "vpcs": got.vpcs,
                    }
                    tasks.append((scope, partial(other.network_outcome, scope, ids)))
        return tasks
