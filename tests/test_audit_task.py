"""The distributed audit's Lambda task (``secure_sagemaker.audit.task_handler``) in the
emulator: shards 1/3, 2/3, 3/3 run by the task and merged by it equal one unsharded
audit; a missing or unfinished shard makes the merge fail naming the shard; a
malformed event is refused without echoing its values."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from secure_sagemaker.audit import AuditReport, audit, task_handler
from secure_sagemaker.audit._stream import read_report
from secure_sagemaker.audit._task import run_task, shard_key
from secure_sagemaker.cli.audit import audit_exit_code
from secure_sagemaker.exceptions import AuditError, InvalidArgumentError
from secure_sagemaker.testing import EmbeddedAWS
from tests._audit_account import empty_lists_session

pytestmark = pytest.mark.e2e

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444", "555555555555")
TEMPLATE = "arn:aws:iam::{account}:role/secure-sagemaker-auditor"
BUCKET = "audit-reports"


def _member(aws: EmbeddedAWS, account: str) -> Any:
    sts = aws.session().client("sts")
    got = sts.assume_role(RoleArn=TEMPLATE.format(account=account), RoleSessionName="seed")
    c = got["Credentials"]
    return aws.session(
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretAccessKey"],
        aws_session_token=c["SessionToken"],
    )


@pytest.fixture(scope="module")
def org(aws: EmbeddedAWS) -> dict[str, str]:
    """Each member account: a key without rotation and a model; the audit account:
    the report bucket and its key.  Returns the task's environment."""
    aws.reset()
    for i, account in enumerate(ACCOUNTS):
        member = _member(aws, account)
        member.client("kms").create_key(Description=f"key {i}")
        member.client("sagemaker").create_model(
            ModelName=f"model-{i}",
            ExecutionRoleArn=f"arn:aws:iam::{account}:role/sagemaker",
            PrimaryContainer={"Image": f"{account}.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        )
    home = aws.session()
    home.client("s3").create_bucket(Bucket=BUCKET)
    key = home.client("kms").create_key(Description="reports")["KeyMetadata"]["Arn"]
    return {
        "SECURE_SAGEMAKER_AUDIT_BUCKET": BUCKET,
        "SECURE_SAGEMAKER_AUDIT_KEY": key,
        "SECURE_SAGEMAKER_AUDIT_ROLE_TEMPLATE": TEMPLATE,
        "SECURE_SAGEMAKER_AUDIT_REGIONS": "us-east-1",
        "SECURE_SAGEMAKER_AUDIT_ACCOUNTS": ",".join(ACCOUNTS),
        "SECURE_SAGEMAKER_AUDIT_SERVICES": "sagemaker,kms,account",
    }


def _verdicts(report: AuditReport) -> Counter[tuple[str, ...]]:
    return Counter(
        (f.account, f.region, f.resource, f.rule_id, f.status, f.field) for f in report.findings
    )


def _shards(aws: EmbeddedAWS, env: dict[str, str], run: str, which: tuple[int, ...]) -> list[Any]:
    return [
        run_task(
            {"action": "shard", "shard": k, "shards": 3, "run": run}, empty_lists_session(aws), env
        )
        for k in which
    ]


def _read(aws: EmbeddedAWS, key: str, tmp_path: Path) -> Path:
    path = tmp_path / key.replace("/", "_")
    aws.session().client("s3").download_file(BUCKET, key, str(path))
    return path


def test_shards_merged_by_the_task_equal_the_unsharded_audit(
    aws: EmbeddedAWS, org: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    done = _shards(aws, org, "run-1", (1, 2, 3))
    assert sorted(d["shard"] for d in done) == [1, 2, 3]
    assert sum(d["accounts"] for d in done) == len(ACCOUNTS)
    assert len(json.dumps(done)) < 4096  # counts only: far below the 256 KB payload limit
    for name, value in org.items():
        monkeypatch.setenv(name, value)
    merged = task_handler({"action": "merge", "run": "run-1", "shards": 3}, None)
    whole = audit(
        empty_lists_session(aws),
        accounts=ACCOUNTS,
        role_arn_template=TEMPLATE,
        regions=["us-east-1"],
        services=["sagemaker", "kms", "account"],
    )
    report = read_report(_read(aws, "runs/run-1/report.jsonl", tmp_path))
    assert _verdicts(report) == _verdicts(whole)
    assert report.counts() == whole.counts() == merged["counts"]
    assert (report.listed, report.assessed) == (whole.listed, whole.assessed)
    assert merged["listed"] == merged["assessed"] == whole.listed > 0
    assert merged["accounts"] == len(ACCOUNTS)
    assert merged["exit_code"] == audit_exit_code(whole, "high") == 1  # SM430: findings
    assert {(f.account, "SM430") for f in whole.failures("medium")} >= {
        (a, "SM430") for a in ACCOUNTS
    }
    s3 = aws.session().client("s3")
    for name in ("report.json", "report.sarif", "report.jsonl", "report.asff.json"):
        head = s3.head_object(Bucket=BUCKET, Key=f"runs/run-1/{name}")
        assert head["ServerSideEncryption"] == "aws:kms"
    sarif = json.loads(_read(aws, "runs/run-1/report.sarif", tmp_path).read_text())
    assert sarif["runs"][0]["properties"]["counts"] == whole.counts()
    shard = s3.head_object(Bucket=BUCKET, Key=shard_key("run-1", 2, 3))
    assert shard["ServerSideEncryption"] == "aws:kms"


def test_a_missing_shard_fails_the_merge_naming_it(
    aws: EmbeddedAWS, org: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _shards(aws, org, "run-2", (1, 3))
    with pytest.raises(AuditError, match="shard 2 of 3 has no report"):
        run_task({"action": "merge", "run": "run-2", "shards": 3}, aws.session(), org)
    s3 = aws.session().client("s3")
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="runs/run-2/report")
    unfinished = b'{"type": "finding", "rule_id": "SM430"}\n'  # no summary line
    s3.put_object(Bucket=BUCKET, Key=shard_key("run-2", 2, 3), Body=unfinished)
    with pytest.raises(AuditError, match="shard 2 of 3 has an incomplete report"):
        run_task({"action": "merge", "run": "run-2", "shards": 3}, aws.session(), org)


def test_an_organisation_is_listed_when_no_accounts_are_given(
    aws: EmbeddedAWS, org: dict[str, str]
) -> None:
    orgs = aws.session().client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    listed = {a["Id"] for a in orgs.list_accounts()["Accounts"]}
    env = {k: v for k, v in org.items() if k != "SECURE_SAGEMAKER_AUDIT_ACCOUNTS"}
    env["SECURE_SAGEMAKER_AUDIT_SERVICES"] = "kms"
    done = [
        run_task(
            {"action": "shard", "shard": k, "shards": 2, "run": "org"},
            empty_lists_session(aws),
            env,
        )
        for k in (1, 2)
    ]
    assert sum(d["accounts"] for d in done) == len(listed) >= 1
    merged = run_task({"action": "merge", "run": "org", "shards": 2}, aws.session(), env)
    assert merged["accounts"] == len(listed)
    assert merged["listed"] == merged["assessed"]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "not a JSON object"),
        ({"action": "drop-tables"}, "neither shard nor merge"),
        ({"action": "shard", "shard": 4, "shards": 3, "run": "r"}, "shard is not"),
        ({"action": "shard", "shard": 0, "shards": 3, "run": "r"}, "shard is not"),
        ({"action": "shard", "shard": True, "shards": 3, "run": "r"}, "shard is not"),
        ({"action": "merge", "shards": "3", "run": "r"}, "shards is not"),
        ({"action": "merge", "shards": 3, "run": "../../etc/passwd"}, "run is not"),
        ({"action": "merge", "shards": 3, "run": "ok"}, "SECURE_SAGEMAKER_AUDIT_BUCKET"),
    ],
)
def test_a_malformed_event_is_refused_without_its_values(event: Any, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message) as err:
        run_task(event, None, {})
    assert "passwd" not in str(err.value) and "drop-tables" not in str(err.value)
