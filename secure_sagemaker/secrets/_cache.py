"""A small thread-safe TTL + LRU cache with single-flight loads and a bounded
stale grace period, for :class:`~secure_sagemaker.SecretClient`.

* A fresh entry (younger than ``ttl``) is returned without calling ``load``.
* Concurrent misses on one key make one ``load`` call; the other threads wait
  for its result (single flight), so 32 threads asking for a cold secret cost one
  API call.
* When ``load`` fails with a *transient* error (connection, timeout, throttling,
  5xx) and the key has an entry that expired less than ``stale_grace`` seconds
  ago, the stale value is served (and logged, without the value) and the next
  attempt waits ``retry_after`` seconds.  Any other error (not found, deleted,
  access denied) evicts the entry and is raised: a deleted secret is never served.
* At most ``max_entries`` keys are kept; the least recently used goes first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import attrs

from secure_sagemaker._aws.retry import is_transient
from secure_sagemaker.exceptions import InvalidArgumentError

__all__ = ["TTLCache"]

logger = logging.getLogger("secure_sagemaker.secrets")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@attrs.define
class _Entry(Generic[V]):
    lock: threading.Lock = attrs.field(factory=threading.Lock)
    value: V | None = None
    loaded_at: float = float("-inf")
    retry_at: float = float("-inf")


@attrs.define
class TTLCache(Generic[K, V]):
    """``get(key, load)`` returns the cached value or ``load()``'s.

    ``clock`` is a monotonic clock in seconds (``time.monotonic``).
    """

    ttl: float
    max_entries: int
    stale_grace: float
    retry_after: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[K, _Entry[V]] = attrs.field(init=False, factory=OrderedDict)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock)

    def __attrs_post_init__(self) -> None:
        if self.ttl < 0 or self.stale_grace < 0 or self.retry_after < 0:
            raise InvalidArgumentError("ttl, stale_grace and retry_after must be >= 0 seconds")
        if self.max_entries < 1:
            raise InvalidArgumentError("max_entries must be at least 1")

    def _entry(self, key: K) -> _Entry[V]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            return entry

    def _fresh(self, entry: _Entry[V], now: float) -> bool:
        return entry.value is not None and (
            now - entry.loaded_at < self.ttl or now < entry.retry_at
        )

    def get(self, key: K, load: Callable[[], V], *, label: str = "") -> V:
        """The value for ``key``: cached while fresh, else ``load()``'s result.

        Raises whatever ``load`` raises, except that a transient error within the
        stale grace period returns the last value instead.
        """
        entry = self._entry(key)
        value = entry.value
        if value is not None and self._fresh(entry, self.clock()):
            return value  # lock-free fast path
        with entry.lock:  # single flight: one load per key at a time
            now = self.clock()
            if entry.value is not None and self._fresh(entry, now):
                return entry.value
            try:
                new = load()
            except Exception as err:
                stale = entry.value
                if (
                    stale is not None
                    and is_transient(err)
                    and now - entry.loaded_at < self.ttl + self.stale_grace
                ):
                    entry.retry_at = now + self.retry_after
                    logger.warning(
                        "serving the cached value of %s, stale by %.0f s, after a transient "
                        "error (%s)",
                        label or "a secret",
                        now - entry.loaded_at - self.ttl,
                        type(err).__name__,
                    )
                    return stale
                self.discard(key)
                raise
            entry.value, entry.loaded_at, entry.retry_at = new, self.clock(), float("-inf")
            return new

    def discard(self, key: K) -> None:
        """Forget ``key`` (no error if absent)."""
        with self._lock:
            self._entries.pop(key, None)

    def discard_where(self, predicate: Callable[[K], bool]) -> None:
        """Forget every key for which ``predicate`` is true."""
        with self._lock:
            for key in [k for k in self._entries if predicate(k)]:
                del self._entries[key]

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for e in self._entries.values() if e.value is not None)
