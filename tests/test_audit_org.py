"""Auditing an organisation: many accounts through assumed roles, in the emulator.

moto keys each request's account from its credentials, so assuming
``arn:aws:iam::<account>:role/Auditor`` reaches that account's resources.  Two
things the emulator does not do are played by a ``before-send`` handler on the
caller's session (which must reach every account's clients): STS refusing one
account's role, and AWS rejecting a session token after its expiry.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit._sched import Loop
from secure_sagemaker.audit._shard import in_shard, parse_shard
from secure_sagemaker.audit._stream import JsonLinesWriter, merge, read_report
from secure_sagemaker.cli.audit import add_audit_arguments, run_audit_command
from secure_sagemaker.cli.report import run_merge
from secure_sagemaker.exceptions import AuditError
from secure_sagemaker.testing import EmbeddedAWS
from tests._audit_account import empty_lists_session

pytestmark = pytest.mark.e2e

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444", "555555555555")
TEMPLATE = "arn:aws:iam::{account}:role/Auditor"
SERVICES = ["sagemaker", "kms", "account"]


@pytest.fixture(scope="module")
def org(aws: EmbeddedAWS) -> EmbeddedAWS:
    """Each account: a KMS key without rotation (SM430) and a SageMaker model."""
    aws.reset()
    sts = aws.session().client("sts")
    for i, account in enumerate(ACCOUNTS):
        creds = sts.assume_role(RoleArn=TEMPLATE.format(account=account), RoleSessionName="seed")
        c = creds["Credentials"]
        session = aws.session(
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        session.client("kms").create_key(Description=f"key {i}")
        session.client("sagemaker").create_model(
            ModelName=f"model-{i}",
            ExecutionRoleArn=f"arn:aws:iam::{account}:role/sagemaker",
            PrimaryContainer={"Image": f"{account}.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        )
    return aws


def _run(aws: EmbeddedAWS, session: Any = None, **kw: Any) -> AuditReport:
    kw.setdefault("accounts", ACCOUNTS)
    kw.setdefault("services", SERVICES)
    return audit(
        session or empty_lists_session(aws),
        role_arn_template=TEMPLATE,
        regions=["us-east-1"],
        **kw,
    )


def _verdicts(report: AuditReport) -> Counter[tuple[str, ...]]:
    return Counter(
        (f.account, f.region, f.resource, f.rule_id, f.status, f.field) for f in report.findings
    )


@pytest.fixture(scope="module")
def whole(org: EmbeddedAWS) -> AuditReport:
    return _run(org)


def test_every_account_is_audited_with_its_own_resources(whole: AuditReport) -> None:
    assert whole.listed == whole.assessed > 0
    assert whole.accounts == ACCOUNTS
    failing = {(f.account, f.rule_id) for f in whole.failures("medium")}
    assert {(a, "SM430") for a in ACCOUNTS} <= failing
    models = {f.account for f in whole.findings if f.resource_type == "AWS::SageMaker::Model"}
    assert models == set(ACCOUNTS)
    assert whole.not_assessed() == {}


def test_shards_merged_equal_the_unsharded_report(
    org: EmbeddedAWS, whole: AuditReport, tmp_path: Path
) -> None:
    paths = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard-{k}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            writer = JsonLinesWriter(fh)
            part = _run(org, sink=writer, shard=f"{k}/3")
            writer.close(part)
        assert part.findings == () and part.listed == part.assessed
        assert set(part.accounts) == {a for a in ACCOUNTS if in_shard(a, (k, 3))}
        paths.append(path)
    assert sum(1 for k in (1, 2, 3) if any(in_shard(a, (k, 3)) for a in ACCOUNTS)) >= 2
    merged = merge(read_report(p) for p in paths)
    assert _verdicts(merged) == _verdicts(whole)
    assert merged.counts() == whole.counts()
    assert (merged.listed, merged.assessed) == (whole.listed, whole.assessed)
    assert sorted(merged.accounts) == sorted(whole.accounts)
    # the command line joins the same files, in every format
    out = tmp_path / "merged.json"
    args = argparse.Namespace(
        files=[str(p) for p in paths],
        format="json",
        output=str(out),
        fail_on="critical",
        allow_errors=False,
    )
    assert run_merge(args) == 0
    data = json.loads(out.read_text())
    assert data["counts"] == whole.counts() and data["listed"] == whole.listed
    for fmt in ("sarif", "markdown", "text", "jsonl"):
        args.format, args.output = fmt, str(tmp_path / f"merged.{fmt}")
        assert run_merge(args) == 0
    sarif = json.loads((tmp_path / "merged.sarif").read_text())
    assert sarif["runs"][0]["properties"]["counts"] == whole.counts()


def test_shards_are_a_partition_and_bad_ones_are_refused() -> None:
    for account in ACCOUNTS:
        assert sum(in_shard(account, (k, 4)) for k in (1, 2, 3, 4)) == 1
    for bad in ("0/3", "4/3", "3", "a/b"):
        with pytest.raises(AuditError, match="K/N"):
            parse_shard(bad)


class _StsPlayer:
    """Plays what moto does not: STS refusing ``refused``'s role, and AWS rejecting
    a session token once it has expired (tokens and expiry seen in AssumeRole
    answers), here issued for ``lifetime`` seconds.  Also slows each request down a
    little, so a run outlives a token."""

    def __init__(self, refused: str = "", latency: float = 0.0, lifetime: float = 0.0) -> None:
        self.refused = refused
        self.latency = latency
        self.lifetime = timedelta(seconds=lifetime)
        self.expiry: dict[str, datetime] = {}
        self.assumed: Counter[str] = Counter()
        self.expired_sent = 0
        self.lock = threading.Lock()

    def install(self, session: Any) -> Any:
        session.events.register("before-send", self.before_send)
        session.events.register("after-call.sts.AssumeRole", self.after_assume)
        return session

    def after_assume(self, parsed: dict[str, Any], **kw: Any) -> None:
        creds = parsed.get("Credentials")
        if creds:
            if self.lifetime:  # tokens that last seconds (STS's shortest is 15 minutes)
                creds["Expiration"] = datetime.now(timezone.utc) + self.lifetime
            with self.lock:
                self.expiry[creds["SessionToken"]] = creds["Expiration"]

    def before_send(self, request: Any, **kw: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if "Action=AssumeRole" in body:
            account = next((a for a in ACCOUNTS if a in body), "")
            with self.lock:
                self.assumed[account] += 1
            if account and account == self.refused:
                error = (
                    b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                    b"<Message>not authorized to perform sts:AssumeRole</Message></Error>"
                    b"</ErrorResponse>"
                )
                return AWSResponse(request.url, 403, {}, _Raw(error))
            return None
        if self.latency:
            time.sleep(self.latency)
        token = request.headers.get("X-Amz-Security-Token")
        if isinstance(token, bytes):
            token = token.decode()
        ends = self.expiry.get(token or "")
        if ends is not None and datetime.now(timezone.utc) >= ends:
            with self.lock:
                self.expired_sent += 1
            error = (
                b"<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token "
                b"included in the request is expired</Message></Error></ErrorResponse>"
            )
            return AWSResponse(request.url, 400, {}, _Raw(error))
        return None


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kw: Any) -> Any:
        yield self._body


def test_a_role_that_cannot_be_assumed_is_one_error_and_the_run_continues(
    org: EmbeddedAWS, whole: AuditReport
) -> None:
    refused = ACCOUNTS[1]
    player = _StsPlayer(refused=refused)
    report = _run(org, player.install(empty_lists_session(org)))
    assert report.listed == report.assessed
    errors = [f for f in report.findings if f.status == "error"]
    assert {f.resource for f in errors} == {f"arn:aws:iam::{refused}:root"}
    assert report.not_assessed() == {"role not assumed: access denied (AccessDenied)": len(errors)}
    others = [f for f in whole.findings if f.account != refused]
    assert _verdicts(report) - Counter(
        (f.account, f.region, f.resource, f.rule_id, f.status, f.field) for f in errors
    ) == Counter((f.account, f.region, f.resource, f.rule_id, f.status, f.field) for f in others)
    assert player.assumed[refused] == 1  # tried once, when its turn came


def test_credentials_that_expire_midway_are_refreshed(org: EmbeddedAWS) -> None:
    player = _StsPlayer(latency=0.08, lifetime=2)
    accounts = ACCOUNTS[:2]
    start = time.monotonic()
    report = _run(
        org,
        player.install(empty_lists_session(org)),
        accounts=accounts,
        max_workers=1,
        accounts_in_flight=1,
    )
    took = time.monotonic() - start
    assert took > 2 * 2  # each account's work outlived its first token
    assert report.listed == report.assessed > 0
    assert report.not_assessed() == {}  # no ExpiredToken, no error at all
    assert player.expired_sent == 0
    assert all(player.assumed[a] >= 2 for a in accounts), player.assumed  # refreshed


def _cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    return parser.parse_args(argv)


def test_two_processes_equal_one(org: EmbeddedAWS, tmp_path: Path) -> None:
    # the processes make their own sessions: services moto answers in full
    whole = _run(org, services=["kms", "account"])
    assert whole.not_assessed() == {}
    base = (
        "--region",
        "us-east-1",
        "--services",
        "kms,account",
        "--accounts",
        ",".join(ACCOUNTS),
        "--role-arn-template",
        TEMPLATE,
        "--fail-on",
        "critical",
    )
    reports = {}
    for n in ("1", "2"):
        out = tmp_path / f"p{n}.jsonl"
        argv = (*base, "--processes", n, "--format", "jsonl", "--output", str(out))
        assert run_audit_command(_cli(*argv)) == 0
        reports[n] = read_report(out)
    assert _verdicts(reports["1"]) == _verdicts(reports["2"]) == _verdicts(whole)
    assert reports["2"].counts() == whole.counts()
    assert reports["2"].listed == reports["2"].assessed == whole.listed
    # JSON and SARIF written as the findings come are whole documents
    for fmt in ("json", "sarif"):
        out = tmp_path / f"p2.{fmt}"
        argv = (*base, "--processes", "2", "--format", fmt, "--output", str(out))
        assert run_audit_command(_cli(*argv)) == 0
        data = json.loads(out.read_text())
        counts = data["counts"] if fmt == "json" else data["runs"][0]["properties"]["counts"]
        assert counts == whole.counts()
    results = json.loads((tmp_path / "p2.sarif").read_text())["runs"][0]
    assert len(results["results"]) == sum(1 for f in whole.findings if f.status != "pass")
    rules = [r["id"] for r in results["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results["results"])


def test_the_loop_keeps_to_its_limits_and_runs_everything() -> None:
    from concurrent.futures import ThreadPoolExecutor

    running: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    lock = threading.Lock()
    done: list[str] = []

    def task(account: str) -> str:
        with lock:
            running[account] += 1
            running["*"] += 1
            peak[account] = max(peak[account], running[account])
            peak["*"] = max(peak["*"], running["*"])
        time.sleep(0.002)
        with lock:
            running[account] -= 1
            running["*"] -= 1
        return account

    with ThreadPoolExecutor(max_workers=8) as pool:
        loop = Loop(pool, workers=6, per_account=2, per_scope=1)

        added: list[str] = []

        def then(result: str) -> None:
            done.append(result)
            if len(added) < 20:  # completions add work, as list tasks do
                added.append(result)
                loop.add((result, "r2"), lambda: task(result), done.append)

        for i in range(60):
            account = f"a{i % 4}"
            loop.add((account, f"r{i % 2}"), lambda a=account: task(a), then)
        loop.run()
    assert len(done) == 80 and loop.queued == 0
    assert max(peak[f"a{i}"] for i in range(4)) == 2
    assert peak["*"] <= 6


def test_one_client_per_service_serves_every_account_with_its_own_credentials(
    org: EmbeddedAWS,
) -> None:
    """Each service has one client for the whole run (one request signer), each
    request on the wire is signed with the credentials of the account it audits,
    and no account calls an operation twice."""
    signers: dict[str, set[Any]] = {}
    sent: Counter[tuple[str, str, str]] = Counter()  # (access key, service, operation)

    def count(model: Any, request_signer: Any, **kw: Any) -> None:
        signers.setdefault(model.service_model.service_name, set()).add(request_signer)

    def wire(request: Any, event_name: str, **kw: Any) -> None:
        key = re.search(r"Credential=([^/]+)/", request.headers["Authorization"].decode())
        assert key is not None
        _, service, operation = event_name.split(".")
        sent[(key.group(1), service, operation)] += 1

    session = empty_lists_session(org)
    session.events.register_first("before-call", count)  # before the stubs answer
    session.events.register("before-send", wire)
    report = _run(org, session)
    assert report.listed == report.assessed > 0
    assert {service: len(made) for service, made in signers.items()} == dict.fromkeys(signers, 1)
    assert {"sagemaker", "kms", "cloudtrail", "s3control", "sts"} <= set(signers)
    assert [n for (_, service, _), n in sent.items() if service == "sts"] == [len(ACCOUNTS)]
    # the emulator tells whose each access key is (it does not check signatures)
    whose = {
        key: org.session(aws_access_key_id=key, aws_secret_access_key="-")
        .client("sts")
        .get_caller_identity()["Account"]
        for key, service, _ in sent
        if service != "sts"
    }
    by_account: Counter[tuple[str, str, str]] = Counter()
    for (key, service, operation), n in sent.items():
        if service != "sts":
            by_account[(whose[key], service, operation)] += n
    assert {account for account, _, _ in by_account} == set(ACCOUNTS)
    assert {k: n for k, n in by_account.items() if n > 1} == {}
    for account in ACCOUNTS:  # the same calls for every account
        assert {(s, o) for a, s, o in by_account if a == account} == {
            (s, o) for a, s, o in by_account if a == ACCOUNTS[0]
        }


def test_a_request_outside_any_account_is_refused_before_it_is_sent(org: EmbeddedAWS) -> None:
    """The shared clients sign with the running task's account; with none bound,
    botocore refuses the call (no credentials) and nothing reaches the wire."""
    import botocore.exceptions
    import botocore.hooks

    from secure_sagemaker.audit._sessions import Accounts, as_account

    sent: list[str] = []
    base = empty_lists_session(org)
    base.events.register("before-send", lambda event_name, **kw: sent.append(event_name))
    accounts = Accounts(base, region="us-east-1")
    client = accounts.session().create_client("sagemaker", region_name="us-east-1")
    with pytest.raises(botocore.exceptions.NoCredentialsError):
        client.list_models()
    assert sent == []
    one, two = (accounts.credentials(TEMPLATE.format(account=a)) for a in ACCOUNTS[:2])
    assert as_account(one, client.list_models)()["Models"][0]["ModelName"] == "model-0"
    assert as_account(two, client.list_models)()["Models"][0]["ModelName"] == "model-1"
    assert as_account(one, client.list_spaces)()["Spaces"] == []  # the caller's hooks reach it
    assert isinstance(client.meta.events._emitter, botocore.hooks.HierarchicalEmitter)  # 1 alias
    shown = as_account(one, lambda: repr(accounts.session().get_credentials()))()
    assert one.access_key not in shown and one.secret_key not in shown
