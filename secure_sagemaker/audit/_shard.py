"""Accounts split into deterministic slices.

``--shard K/N`` keeps the accounts whose stable hash (SHA-256 of the account ID)
falls in slice K of N: every machine computes the same slices from the same
account list without talking to the others, and an account never moves between
slices when others join or leave the organisation.  ``--processes N`` audits the
accounts in N spawned processes (round robin over the sorted IDs), each writing
JSON Lines to a file the parent reads back in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from secure_sagemaker.exceptions import AuditError

__all__ = ["in_shard", "parse_shard", "split"]


def parse_shard(value: tuple[int, int] | str) -> tuple[int, int]:
    """``"2/3"`` or ``(2, 3)`` -> ``(2, 3)``; raises :class:`AuditError` unless
    ``1 <= K <= N``.

    >>> parse_shard("2/3")
    (2, 3)
    """
    if isinstance(value, str):
        k_text, slash, n_text = value.partition("/")
        if not slash or not k_text.strip().isdigit() or not n_text.strip().isdigit():
            raise AuditError("a shard is K/N, e.g. 2/3 (slice 2 of 3)")
        k, n = int(k_text), int(n_text)
    else:
        k, n = value
    if not 1 <= k <= n:
        raise AuditError("a shard K/N needs 1 <= K <= N")
    return k, n


def in_shard(account: str, shard: tuple[int, int]) -> bool:
    """Whether ``account`` belongs to slice ``shard = (K, N)``.

    >>> sum(in_shard("123456789012", (k, 3)) for k in (1, 2, 3))
    1
    """
    k, n = shard
    digest = hashlib.sha256(account.encode()).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def split(accounts: Sequence[str], parts: int) -> list[list[str]]:
    """``accounts`` (sorted) dealt round robin into at most ``parts`` non-empty lists."""
    ordered = sorted(accounts)
    count = max(1, min(parts, len(ordered)))
    return [ordered[i::count] for i in range(count)]
