"""Findings as AWS Security Finding Format (ASFF 2018-10-08) and their import into
Security Hub, shared by ``audit --format asff``/``--to-security-hub`` and the
event-driven detector (:mod:`secure_sagemaker.watch`).

:func:`to_asff` maps one :class:`~secure_sagemaker.rules.Finding` to an ASFF dict
whose ``Id`` is stable (rule, resource, account, region): importing the same
finding again updates it in Security Hub instead of adding a copy, and a later
``pass`` resolves an earlier ``fail``.  The ``Description`` is the finding's
message, which never quotes a parameter value.  :func:`import_findings` sends them
with ``BatchImportFindings`` in batches of 100 and retries the ones Security Hub
reports as failed once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs
from botocore.exceptions import BotoCoreError, ClientError

from secure_sagemaker.audit._regions import partition_of
from secure_sagemaker.rules import Finding

__all__ = [
    "BATCH",
    "ImportResult",
    "import_findings",
    "merge",
    "to_asff",
]

SCHEMA_VERSION = "2018-10-08"
#: ``BatchImportFindings`` accepts at most this many findings per call.
BATCH = 100
TYPE = "Software and Configuration Checks/AWS Security Best Practices"
_COMPLIANCE = {"pass": "PASSED", "fail": "FAILED", "waived": "WARNING", "error": "NOT_AVAILABLE"}
_WORST = {"fail": 3, "error": 2, "waived": 1, "pass": 0}
_MAX_ID, _MAX_TITLE, _MAX_DESCRIPTION, _MAX_TEXT = 512, 256, 1024, 512


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _resource_type(cfn_type: str) -> str:
    """``AWS::SageMaker::NotebookInstance`` -> ``AwsSageMakerNotebookInstance``,
    ``AWS::EC2::Subnet`` -> ``AwsEc2Subnet`` (the ASFF spelling); ``Other`` when unknown."""
    parts = [p for p in cfn_type.split("::") if p]
    if not parts or parts[0] != "AWS":
        return "Other"
    service = [p.capitalize() if p.isupper() else p for p in parts[1:2]]  # KMS -> Kms
    return "Aws" + "".join(p[:1].upper() + p[1:] for p in service + parts[2:])


def finding_id(finding: Finding, *, account: str, region: str) -> str:
    """The stable ASFF ``Id`` of a finding: same rule, resource, account and region,
    same ``Id`` (at most 512 characters; a digest stands in for a longer one)."""
    where = f"{finding.account or account}/{finding.region or region}"
    resource = finding.resource or f"account/{finding.account or account}"
    readable = f"secure-sagemaker/{where}/{finding.rule_id}/{resource}"
    if len(readable) <= _MAX_ID:
        return readable
    digest = hashlib.sha256(readable.encode()).hexdigest()
    return f"secure-sagemaker/{where}/{finding.rule_id}/sha256-{digest}"


def to_asff(
    finding: Finding,
    *,
    account: str,
    region: str,
    generator: str = "secure-sagemaker",
    product_arn: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One finding as an ASFF dict for ``BatchImportFindings``.

    ``account``/``region``: where the finding is imported (``AwsAccountId`` and the
    default ``ProductArn``, ``arn:aws:securityhub:{region}:{account}:product/{account}/default``);
    the resource keeps the finding's own account and region when it has them.
    Never raises for a finding built by the catalog; ``region`` outside every
    partition is reported under the ``aws`` partition.
    """
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    partition = partition_of(finding.region or region) or "aws"
    home = partition_of(region) or "aws"
    owner = finding.account or account
    label = "INFORMATIONAL" if finding.status == "pass" else finding.severity.name
    resource = {
        "Type": _resource_type(finding.resource_type),
        "Id": finding.resource or f"AWS::::Account:{owner}",
        "Partition": partition,
        "Region": finding.region or region,
    }
    fields = {"secure-sagemaker/RuleId": finding.rule_id, "secure-sagemaker/Status": finding.status}
    if finding.field:
        fields["secure-sagemaker/Field"] = _cut(finding.field, _MAX_TEXT)
    if owner != account:
        fields["secure-sagemaker/ResourceAccount"] = owner
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(finding, account=account, region=region),
        "ProductArn": product_arn
        or f"arn:{home}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"{generator}/{finding.rule_id}",
        "AwsAccountId": account,
        "Types": [TYPE],
        "CreatedAt": stamp,
        "UpdatedAt": stamp,
        "Severity": {"Label": label},
        "Title": _cut(f"{finding.rule_id} {_title(finding)}", _MAX_TITLE),
        "Description": _cut(finding.message or _title(finding), _MAX_DESCRIPTION),
        "Remediation": {"Recommendation": {"Text": _cut(finding.remediation, _MAX_TEXT)}},
        "ProductFields": fields,
        "Resources": [resource],
        "Compliance": {"Status": _COMPLIANCE[finding.status]},
        "RecordState": "ACTIVE",
        "Workflow": {"Status": "RESOLVED" if finding.status == "pass" else "NEW"},
    }


def _title(finding: Finding) -> str:
    """The rule's title: the message up to its first ``": "`` (messages are
    ``"{title}: {reasons}"``); a pass's message is the title itself."""
    return finding.message.partition(": ")[0] or finding.rule_id


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (rule, resource, account, region) - the worst status wins
    (``fail`` > ``error`` > ``waived`` > ``pass``), first seen among equals - so the
    ASFF ``Id`` of each is unique within one import (a rule judging several
    pipeline steps of one resource reports once)."""
    kept: dict[tuple[str, str, str, str], Finding] = {}
    for f in findings:
        key = (f.rule_id, f.resource, f.account, f.region)
        old = kept.get(key)
        if old is None or _WORST[f.status] > _WORST[old.status]:
            kept[key] = f
    return list(kept.values())


@attrs.frozen
class ImportResult:
    """What :func:`import_findings` achieved: ``success`` and ``failed`` counts, and
    the error codes Security Hub (or the call) gave for the ones that failed twice."""

    success: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Every finding was imported."""
        return self.failed == 0


def _batches(items: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _send(client: Any, items: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]], list[str]]:
    """``(imported, failed findings, error codes)`` for ``items`` in batches."""
    done, failed, codes = 0, [], []
    for batch in _batches(items):
        try:
            answer: Mapping[str, Any] = client.batch_import_findings(Findings=batch)
        except (BotoCoreError, ClientError) as err:  # the whole call failed, and each in it
            code = err.response["Error"].get("Code") if isinstance(err, ClientError) else None
            code = code or type(err).__name__
            failed.extend(batch)
            codes.append(str(code))
            continue
        by_id = {item["Id"]: item for item in batch}
        bad = [f for f in answer.get("FailedFindings") or [] if isinstance(f, Mapping)]
        failed.extend(by_id[f["Id"]] for f in bad if f.get("Id") in by_id)
        codes.extend(str(f.get("ErrorCode") or "Unknown") for f in bad)
        done += int(answer.get("SuccessCount", len(batch) - len(bad)))
    return done, failed, codes


def import_findings(securityhub_client: Any, asff: Iterable[dict[str, Any]]) -> ImportResult:
    """Send ASFF findings with ``BatchImportFindings``, 100 per call; the findings
    Security Hub reports as failed (or whose whole call raised) are sent once more.

    Never raises for AWS errors: they are counted in ``failed`` with their error
    code in ``errors`` (fail closed: the caller reports what did not land).
    """
    items = list(asff)
    done, failed, _ = _send(securityhub_client, items)
    if not failed:
        return ImportResult(done, 0, ())
    again, still, codes = _send(securityhub_client, failed)
    return ImportResult(done + again, len(still), tuple(dict.fromkeys(codes)))
