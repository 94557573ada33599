"""Accounts audited in parallel processes, one slice each.

``--processes N`` deals the accounts round robin (:func:`split`) to N spawned
processes; each audits its slice with its own thread pool and writes JSON Lines to
a file, which the parent replays in order into its own output.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from secure_sagemaker.audit._shard import split
from secure_sagemaker.exceptions import AuditError

__all__ = ["run_processes"]


def _worker(job: dict[str, Any], accounts: list[str], path: str) -> str:
    """Audit ``accounts`` in this (spawned) process; JSON Lines to ``path``."""
    import boto3

    from secure_sagemaker.audit._audit import audit
    from secure_sagemaker.audit._stream import JsonLinesWriter

    session = boto3.Session(profile_name=job.pop("profile"), region_name=job.pop("region"))
    with open(path, "w", encoding="utf-8") as fh:
        writer = JsonLinesWriter(fh)
        report = audit(session, accounts=accounts, sink=writer, **job)
        writer.close(report)
    return path


def run_processes(
    job: dict[str, Any],
    accounts: Sequence[str],
    processes: int,
    each: Callable[[dict[str, Any]], None],
) -> Iterator[dict[str, Any]]:
    """Audit ``accounts`` in up to ``processes`` spawned processes, each with the
    ``audit()`` keywords in ``job`` (picklable; plus ``profile`` and ``region``
    for its session).  Calls ``each(finding_dict)`` for every finding, shard after
    shard, and yields each shard's summary.  Raises :class:`AuditError` when a
    process fails to finish its shard."""
    groups = split(accounts, processes)
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="secure-sagemaker-audit-") as tmp:
        paths = [str(Path(tmp) / f"shard-{i}.jsonl") for i in range(len(groups))]
        with ProcessPoolExecutor(max_workers=len(groups), mp_context=context) as pool:
            futures = [
                pool.submit(_worker, dict(job), group, path)
                for group, path in zip(groups, paths, strict=True)
            ]
            for future in futures:
                try:
                    future.result()
                except AuditError:
                    raise
                except Exception as err:
                    raise AuditError(f"an audit process failed ({type(err).__name__})") from None
        for path in paths:
            yield from _replay(path, each)


def _replay(path: str, each: Callable[[dict[str, Any]], None]) -> Iterator[dict[str, Any]]:
    summary: dict[str, Any] | None = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            item = json.loads(line)
            if item.pop("type") == "finding":
                each(item)
            else:
                summary = item
    if summary is None:
        raise AuditError("an audit process ended without its summary")
    yield summary
