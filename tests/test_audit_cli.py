"""``secure-sagemaker audit`` against the embedded emulator: exit codes and outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from secure_sagemaker.cli.audit import add_audit_arguments, run_audit_command
from secure_sagemaker.testing import EmbeddedAWS

pytestmark = pytest.mark.e2e


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
def account(fresh_aws: EmbeddedAWS) -> EmbeddedAWS:
    kms = fresh_aws.session().client("kms")
    kms.create_key(Description="no rotation")  # SM430, medium
    return fresh_aws


def test_exit_code_follows_fail_on(
    account: EmbeddedAWS, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    base = ("--services", "kms", "--region", "us-east-1", "--format", "json", "--output", str(out))
    assert run_audit_command(_args(*base, "--fail-on", "high")) == 0
    data = json.loads(out.read_text())
    assert data["listed"] == data["assessed"] == 1
    assert [f["rule_id"] for f in data["findings"] if f["status"] == "fail"] == ["SM430"]
    assert run_audit_command(_args(*base, "--fail-on", "medium")) == 1
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a TTY


def test_sarif_and_markdown_to_stdout(
    account: EmbeddedAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_audit_command(_args("--services", "kms", "--format", "sarif")) == 0
    log = json.loads(capsys.readouterr().out)
    assert log["runs"][0]["results"][0]["ruleId"] == "SM430"
    assert run_audit_command(_args("--services", "kms", "--format", "markdown")) == 0
    assert "[SM430](docs/controls.md#sm430)" in capsys.readouterr().out


def test_many_accounts_through_an_assumed_role(fresh_aws: EmbeddedAWS) -> None:
    from secure_sagemaker.audit import audit

    report = audit(
        fresh_aws.session(),
        services=["account", "kms"],
        accounts="111111111111,222222222222",
        role_arn_template="arn:aws:iam::{account}:role/Auditor",
        regions=["us-east-1", "eu-west-1"],
    )
    assert report.accounts == ("111111111111", "222222222222")
    assert report.listed == report.assessed
    views = {(f.account, f.region) for f in report.findings if f.rule_id == "SM680"}
    assert views == {(a, r) for a in report.accounts for r in ("us-east-1", "eu-west-1")}
    public_access = [f for f in report.findings if f.rule_id == "SM409"]
    assert sorted(f.account for f in public_access) == list(report.accounts)  # once each
