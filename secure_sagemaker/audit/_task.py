"""The Lambda task of the distributed audit (``secure-sagemaker audit template``).

A Step Functions Distributed Map invokes :func:`handler` once per shard and then
once to merge:

- ``{"action": "shard", "shard": K, "shards": N, "run": NAME}`` audits slice K of N
  of the accounts (:func:`secure_sagemaker.audit._shard.in_shard`) in this one
  process, streams its findings as JSON Lines to a temporary file and uploads it to
  ``s3://BUCKET/runs/NAME/shard-K-of-N.jsonl`` (SSE-KMS); it returns the counts
  only (a state's payload is at most 256 KB).  An audit with findings (the CLI's
  exit code 1) is a successful shard.
- ``{"action": "merge", "run": NAME, "shards": N}`` reads every shard's file -
  failing, naming the shard, when one is missing or incomplete (fail closed) -
  merges them (:func:`secure_sagemaker.audit._stream.merge`) and writes
  ``runs/NAME/report.{json,sarif,jsonl,asff.json}``; it returns the counts and the
  exit code the unsharded audit would have had, and raises when nothing at all
  could be assessed.

Configuration comes from the environment: ``SECURE_SAGEMAKER_AUDIT_BUCKET`` and
``SECURE_SAGEMAKER_AUDIT_KEY`` (the report bucket and its KMS key),
``SECURE_SAGEMAKER_AUDIT_ROLE_TEMPLATE`` (``arn:...:role/NAME`` with
``{account}``), ``SECURE_SAGEMAKER_AUDIT_REGIONS`` (comma-separated, or ``all``),
optionally ``SECURE_SAGEMAKER_AUDIT_ACCOUNTS`` (comma-separated IDs; default the
AWS Organization's accounts), ``SECURE_SAGEMAKER_AUDIT_SERVICES``,
``SECURE_SAGEMAKER_AUDIT_FAIL_ON`` (default ``high``) and ``SECURE_SAGEMAKER_POLICY``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from secure_sagemaker.exceptions import AuditError, InvalidArgumentError

__all__ = ["handler", "merge_shards", "run_shard", "run_task", "shard_key"]

_RUN = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")
_MAX_SHARDS = 10_000
#: What the merge writes, by file name: the format :func:`render` knows it as.
_OUTPUTS = {"report.json": "json", "report.sarif": "sarif", "report.asff.json": "asff"}


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (``secure_sagemaker.audit.task_handler``): see the
    module docstring.  Raises :class:`InvalidArgumentError` for a malformed event
    or configuration (naming the field, never its value) and :class:`AuditError`
    when the audit cannot start, a shard's report is missing, or nothing could be
    assessed."""
    import boto3

    return run_task(event, boto3.Session(), os.environ)


def run_task(event: Any, session: Any, env: Mapping[str, str]) -> dict[str, Any]:
    """:func:`handler` with the boto3 ``session`` and environment ``env`` given."""
    if not isinstance(event, Mapping):
        raise InvalidArgumentError("the event is not a JSON object")
    action = event.get("action")
    if action == "shard":
        return run_shard(event, session, env)
    if action == "merge":
        return merge_shards(event, session, env)
    raise InvalidArgumentError("the event's action is neither shard nor merge")


def _count(event: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = event.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgumentError(f"the event's {name} is not a whole number in {low}..{high}")
    return value


def _run_name(event: Mapping[str, Any]) -> str:
    run = event.get("run")
    if not isinstance(run, str) or not _RUN.match(run):
        raise InvalidArgumentError("the event's run is not an execution name (A-Z a-z 0-9 _ . -)")
    return run


def _setting(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise InvalidArgumentError(f"the environment variable {name} is not set")
    return value


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def shard_key(run: str, shard: int, shards: int) -> str:
    """The S3 key of a shard's JSON Lines report."""
    return f"runs/{run}/shard-{shard}-of-{shards}.jsonl"


def _sse(env: Mapping[str, str]) -> dict[str, str]:
    key = env.get("SECURE_SAGEMAKER_AUDIT_KEY", "").strip()
    return {"ServerSideEncryption": "aws:kms", **({"SSEKMSKeyId": key} if key else {})}


def run_shard(event: Mapping[str, Any], session: Any, env: Mapping[str, str]) -> dict[str, Any]:
    """Audit shard ``event["shard"]`` of ``event["shards"]`` and upload its JSON Lines;
    returns the counts.  Raises what :func:`handler` raises."""
    from secure_sagemaker.audit._audit import audit
    from secure_sagemaker.audit._stream import JsonLinesWriter
    from secure_sagemaker.policy import SecurityPolicy

    shards = _count(event, "shards", 1, _MAX_SHARDS)
    shard = _count(event, "shard", 1, shards)
    run = _run_name(event)
    bucket = _setting(env, "SECURE_SAGEMAKER_AUDIT_BUCKET")
    template = _setting(env, "SECURE_SAGEMAKER_AUDIT_ROLE_TEMPLATE")
    regions = _split(_setting(env, "SECURE_SAGEMAKER_AUDIT_REGIONS"))
    accounts: Any = _split(env.get("SECURE_SAGEMAKER_AUDIT_ACCOUNTS", "")) or "organization"
    services = _split(env.get("SECURE_SAGEMAKER_AUDIT_SERVICES", "")) or None
    policy_path = env.get("SECURE_SAGEMAKER_POLICY", "").strip()
    policy = SecurityPolicy.load(policy_path) if policy_path else None
    key = shard_key(run, shard, shards)
    with tempfile.TemporaryDirectory(prefix="secure-sagemaker-") as tmp:
        path = Path(tmp) / "shard.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            writer = JsonLinesWriter(fh)
            report = audit(
                session,
                policy=policy,
                regions="all" if regions == ["all"] else regions,
                services=services,
                accounts=accounts,
                role_arn_template=template,
                sink=writer,
                shard=(shard, shards),
            )
            writer.close(report)
        s3 = session.client("s3")
        s3.upload_file(str(path), bucket, key, ExtraArgs=_sse(env))
    return {
        "shard": shard,
        "shards": shards,
        "key": key,
        "accounts": len(report.accounts),
        "listed": report.listed,
        "assessed": report.assessed,
        "counts": report.counts(),
        "not_assessed": report.not_assessed(),
    }


def _download(s3: Any, bucket: str, key: str, path: Path, shard: int, shards: int) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.download_file(bucket, key, str(path))
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        missing = code in ("404", "NoSuchKey", "NotFound", "403", "AccessDenied")
        what = "has no report (it did not finish)" if missing else f"cannot be read ({code})"
        raise AuditError(f"shard {shard} of {shards} {what}; run the execution again") from None


def merge_shards(event: Mapping[str, Any], session: Any, env: Mapping[str, str]) -> dict[str, Any]:
    """Merge every shard report of ``event["run"]`` into ``runs/RUN/report.*``;
    returns the counts and exit code.  Raises :class:`AuditError` naming a shard
    whose report is missing or incomplete, or when nothing could be assessed."""
    from secure_sagemaker.audit._render import render
    from secure_sagemaker.audit._stream import JsonLinesWriter, merge, read_report

    shards = _count(event, "shards", 1, _MAX_SHARDS)
    run = _run_name(event)
    bucket = _setting(env, "SECURE_SAGEMAKER_AUDIT_BUCKET")
    fail_on = env.get("SECURE_SAGEMAKER_AUDIT_FAIL_ON", "").strip() or "high"
    s3 = session.client("s3")
    reports = []
    with tempfile.TemporaryDirectory(prefix="secure-sagemaker-") as tmp:
        for k in range(1, shards + 1):
            path = Path(tmp) / f"shard-{k}-of-{shards}.jsonl"
            _download(s3, bucket, shard_key(run, k, shards), path, k, shards)
            try:
                reports.append(read_report(path))
            except InvalidArgumentError:
                raise AuditError(f"shard {k} of {shards} has an incomplete report") from None
            path.unlink()
        report = merge(reports)
        outputs = {name: render(report, fmt, fail_on=fail_on) for name, fmt in _OUTPUTS.items()}
        lines = Path(tmp) / "report.jsonl"
        with lines.open("w", encoding="utf-8") as fh:
            writer = JsonLinesWriter(fh)
            for finding in report.findings:
                writer(finding)
            writer.close(report)
        prefix = f"runs/{run}/"
        s3.upload_file(str(lines), bucket, prefix + "report.jsonl", ExtraArgs=_sse(env))
    for name, text in outputs.items():
        s3.put_object(Bucket=bucket, Key=prefix + name, Body=text.encode(), **_sse(env))
    if report.nothing_assessed:
        raise AuditError(
            f"nothing could be assessed in {len(report.accounts)} account(s); "
            f"{prefix}report.json in the report bucket says why"
        )
    return {
        "run": run,
        "shards": shards,
        "report": f"s3://{bucket}/{prefix}report.json",
        "accounts": len(report.accounts),
        "listed": report.listed,
        "assessed": report.assessed,
        "counts": report.counts(),
        "not_assessed": report.not_assessed(),
        "exit_code": report.exit_code(fail_on),
    }
