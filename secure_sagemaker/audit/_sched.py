"""A completion-driven task loop with per-account and per-scope concurrency limits.

Tasks wait in one queue per scope (an account and region); a rotation of scopes
with waiting tasks hands out free slots, so each completion costs O(1) - nothing
scans the pending work.  At most ``workers`` tasks run at once, at most
``per_account`` for one account and ``per_scope`` for one account and region
(AWS throttles per account and region; botocore's adaptive retries handle the
rest).  Completions come back through a queue and their callbacks run on the
thread that called :meth:`Loop.run`, so the callbacks need no locks.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

__all__ = ["Loop"]

Key = tuple[str, str]


class Loop:
    """Runs ``(key, task, done)`` triples: ``task()`` on the pool, then
    ``done(result)`` on the loop's thread, which may :meth:`add` more."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        *,
        workers: int,
        per_account: int | None = None,
        per_scope: int | None = None,
    ) -> None:
        self._pool = pool
        self._workers = workers
        self._per_account = per_account or workers
        self._per_scope = per_scope or workers
        self._waiting: dict[Key, deque[tuple[Callable[[], Any], Callable[[Any], None]]]] = {}
        self._rotation: deque[Key] = deque()
        self._rotating: set[Key] = set()
        self._parked: dict[str, set[Key]] = {}  # scopes held back by their account's limit
        self._running = 0
        self._per_key: dict[Key, int] = {}
        self._per_acct: dict[str, int] = {}
        self._done: queue.SimpleQueue[tuple[Key, Future[Any], Callable[[Any], None]]] = (
            queue.SimpleQueue()
        )
        self.queued = 0

    def add(self, key: Key, task: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Queue ``task`` for scope ``key``; ``done(result)`` runs when it finishes."""
        self._waiting.setdefault(key, deque()).append((task, done))
        self.queued += 1
        self._rotate(key)

    def _rotate(self, key: Key) -> None:
        if key not in self._rotating and self._waiting.get(key):
            self._rotating.add(key)
            self._rotation.append(key)

    def _dispatch(self) -> None:
        while self._running < self._workers and self._rotation:
            key = self._rotation.popleft()
            self._rotating.discard(key)
            account = key[0]
            if self._per_key.get(key, 0) >= self._per_scope:
                continue  # re-queued when one of its tasks completes
            if self._per_acct.get(account, 0) >= self._per_account:
                self._parked.setdefault(account, set()).add(key)
                continue
            waiting = self._waiting[key]
            task, done = waiting.popleft()
            if not waiting:
                del self._waiting[key]
            else:
                self._rotate(key)
            self.queued -= 1
            self._running += 1
            self._per_key[key] = self._per_key.get(key, 0) + 1
            self._per_acct[account] = self._per_acct.get(account, 0) + 1
            future = self._pool.submit(task)
            future.add_done_callback(partial(self._completed, key, done))

    def _completed(self, key: Key, done: Callable[[Any], None], future: Future[Any]) -> None:
        self._done.put((key, future, done))

    def _finish(self, key: Key) -> None:
        self._running -= 1
        left = self._per_key[key] - 1
        if left:
            self._per_key[key] = left
        else:
            del self._per_key[key]
        account = key[0]
        left = self._per_acct[account] - 1
        if left:
            self._per_acct[account] = left
        else:
            del self._per_acct[account]
        for parked in self._parked.pop(account, ()):
            self._rotate(parked)
        self._rotate(key)

    def run(self) -> None:
        """Run until no task waits or runs.  A task that raises stops the loop with
        its exception (tasks report AWS errors as findings; this is a bug)."""
        self._dispatch()
        while self._running:
            key, future, done = self._done.get()
            self._finish(key)
            done(future.result())
            self._dispatch()
