"""How ``secure-sagemaker audit`` scales: findings streamed to the output, accounts
sharded across processes (``--processes``) and machines (``--shard K/N``).

JSON Lines, JSON and SARIF are written as the findings come; only the findings
that are not ``pass`` are kept (the exit code and the text and Markdown formats
need them).  ASFF and ``--to-security-hub`` keep every finding (a pass resolves
an earlier failure in Security Hub).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import attrs

from secure_sagemaker.audit._audit import AuditReport, account_ids, audit
from secure_sagemaker.audit._report import ordered
from secure_sagemaker.audit._shard import in_shard, parse_shard
from secure_sagemaker.audit._stream import STREAM_FORMATS, Tally, finding_from_dict, writer_for
from secure_sagemaker.exceptions import AuditError
from secure_sagemaker.rules import Finding

__all__ = ["STREAM_FORMATS", "add_scale_arguments", "produce"]


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--processes`` and ``--shard``."""
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        metavar="N",
        help="audit the accounts in N processes (default: the machine's cores; "
        "one account always runs in this process)",
    )
    parser.add_argument(
        "--shard",
        metavar="K/N",
        help="audit only slice K of N of the accounts (a stable hash of each ID); "
        "join the slices' JSON Lines or JSON with `secure-sagemaker report merge`",
    )


class _Output:
    """The streaming writer of ``fmt``, opened at the first finding (or at the end):
    an audit that cannot start writes nothing."""

    def __init__(self, fmt: str, path: str | None, stack: contextlib.ExitStack) -> None:
        self._fmt = fmt
        self._path = path
        self._stack = stack
        self._writer: Any = None

    def _open(self) -> Any:
        if self._writer is None:
            out: TextIO = sys.stdout
            if self._path is not None:
                fh = open(self._path, "w", encoding="utf-8")  # noqa: SIM115 - the stack closes it
                out = self._stack.enter_context(fh)
            self._writer = writer_for(self._fmt, out)
        return self._writer

    def __call__(self, finding: Finding) -> None:
        self._open()(finding)

    def close(self, report: AuditReport) -> None:
        self._open().close(report)


def produce(
    args: argparse.Namespace,
    session: Any,
    progress: Callable[[int, int], None] | None,
    **options: Any,
) -> tuple[AuditReport, bool]:
    """Run the audit for ``args`` (``options``: the other ``audit()`` keywords);
    ``(report, written)`` - ``written`` when the report was already streamed to
    ``--output`` (or stdout).  Raises what :func:`audit` raises."""
    shard = parse_shard(args.shard) if getattr(args, "shard", None) else None
    processes = getattr(args, "processes", None) or os.cpu_count() or 1
    if processes < 1:
        raise AuditError("--processes must be at least 1")
    keep_all = args.format == "asff" or getattr(args, "to_security_hub", False)
    stream = args.format in STREAM_FORMATS
    many = args.accounts is not None or args.role_arn_template is not None
    ids: Sequence[str] = ()
    if many and processes > 1:
        ids = account_ids(session, args.accounts, args.role_arn_template, args.endpoint_url)
        if shard is not None:
            ids = [a for a in ids if in_shard(a, shard)]
    with contextlib.ExitStack() as stack:
        writer = _Output(args.format, args.output, stack) if stream else None
        tally = Tally(writer, keep="all" if keep_all else "failing")
        if len(ids) > 1:
            report = _in_processes(args, session, ids, processes, tally, options)
        else:
            report = audit(
                session,
                accounts=args.accounts,
                role_arn_template=args.role_arn_template,
                endpoint_url=args.endpoint_url,
                progress=progress,
                sink=tally,
                shard=shard,
                **options,
            )
        report = attrs.evolve(report, findings=ordered(tally.kept))
        if not keep_all:
            report = attrs.evolve(report, tally=dict(tally.counts), causes=dict(tally.causes))
        if writer is not None:
            writer.close(report)
    return report, writer is not None


def _in_processes(
    args: argparse.Namespace,
    session: Any,
    ids: Sequence[str],
    processes: int,
    tally: Tally,
    options: dict[str, Any],
) -> AuditReport:
    from secure_sagemaker.audit._procs import run_processes

    job = {
        **options,
        "role_arn_template": args.role_arn_template,
        "endpoint_url": args.endpoint_url,
        "profile": args.profile,
        "region": session.region_name,
    }
    listed = assessed = inventories = 0
    regions: dict[str, None] = {}
    for summary in run_processes(job, ids, processes, lambda d: tally(finding_from_dict(d))):
        listed += int(summary["listed"])
        assessed += int(summary["assessed"])
        inventories += int(summary["inventories"])
        regions.update(dict.fromkeys(summary["regions"]))
    return AuditReport(
        findings=(),
        listed=listed,
        assessed=assessed,
        accounts=tuple(ids),
        regions=tuple(regions),
        inventories=inventories,
    )
