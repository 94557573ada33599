"""``secure-sagemaker audit`` against the embedded emulator: exit codes and outputs.

The fail-closed cases run as an IAM user with moto enforcing IAM policies (moto's
``/moto-api/reset-auth``): its calls are really denied, the server says why.
"""

from __future__ import annotations

import argparse
import json
import re
import ssl
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from secure_sagemaker.cli.audit import add_audit_arguments, run_audit_command
from secure_sagemaker.testing import EmbeddedAWS, environment

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


def _moto_auth(aws: EmbeddedAWS, count: str) -> None:
    """Enforce IAM after ``count`` more requests (``"inf"``: never)."""
    context = ssl.create_default_context(cafile=aws.ca_bundle)
    request = urllib.request.Request(  # noqa: S310 - the emulator's own URL
        f"{aws.endpoint_url}/moto-api/reset-auth",
        data=count.encode(),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310
        response.read()


@contextmanager
def acting_as(aws: EmbeddedAWS, allowed: Sequence[str]) -> Iterator[None]:
    """Run the block as an IAM user allowed only the ``allowed`` actions."""
    iam = aws.session().client("iam")
    iam.create_user(UserName="auditor")
    if allowed:
        statement = {"Effect": "Allow", "Action": list(allowed), "Resource": "*"}
        document = {"Version": "2012-10-17", "Statement": [statement]}
        iam.put_user_policy(
            UserName="auditor", PolicyName="audit", PolicyDocument=json.dumps(document)
        )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    creds = {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }
    _moto_auth(aws, "0")
    try:
        with environment(creds):
            yield
    finally:
        _moto_auth(aws, "inf")


def test_a_mistyped_region_is_a_usage_error(
    fresh_aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv in (("--region", "us-east1"), ("--region", "eu-west-1,us-east1")):
        assert run_audit_command(_args(*argv)) == 2
        out, err = capsys.readouterr()
        assert err.startswith(
            "secure-sagemaker: error: unknown region 'us-east1' (--region); did you mean us-east-1?"
        )
        assert out == ""


def test_nothing_assessable_exits_2_with_cause_and_fix(
    fresh_aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    with acting_as(fresh_aws, allowed=()):
        codes = [
            run_audit_command(_args("--region", "us-east-1", *extra))
            for extra in ((), ("--allow-errors",))
        ]
    assert codes == [2, 2]  # --allow-errors never accepts an audit of nothing
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1]
    assert re.fullmatch(
        r"secure-sagemaker: error: nothing could be assessed in us-east-1 - (\d+) "
        r"not assessed on \d+ "
        r"resource\(s\): \1 access denied \(403\); fix: give the audit identity read "
        r"access .*SecurityAudit.*",
        lines[0],
    ), lines[0]
    assert "Traceback" not in err
    assert "auditor" not in err and "not authorized" not in err  # codes, never AWS's text
    assert "nothing could be assessed\n" in out  # the report says so too
    assert "nothing at or above high fails" not in out


def test_what_could_not_be_assessed_fails_unless_allowed(
    account: EmbeddedAWS, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    base = ("--services", "kms,account", "--region", "us-east-1")
    with acting_as(account, allowed=["kms:*"]):  # the account-level reads are denied
        strict = run_audit_command(_args(*base, "--format", "json", "--output", str(report)))
        strict_err = capsys.readouterr().err
        allowed = run_audit_command(_args(*base, "--allow-errors"))
        allowed_out, allowed_err = capsys.readouterr()
        medium = run_audit_command(_args(*base, "--allow-errors", "--fail-on", "medium"))
    assert (strict, allowed, medium) == (1, 0, 1)  # SM430 is medium
    data = json.loads(report.read_text())
    denied = data["counts"]["error"]
    assert denied > 0 and data["not_assessed"] == {"access denied (403)": denied}
    assert data["nothing_assessed"] is False
    assert {f["rule_id"] for f in data["findings"] if f["status"] == "fail"} >= {"SM430"}
    summary = f"{denied} not assessed on 1 resource(s): {denied} access denied (403)"
    assert strict_err == (
        f"secure-sagemaker: error: incomplete audit - {summary}; "
        "fix: give the audit identity read access "
        "(the AWS managed policies SecurityAudit and AmazonSageMakerReadOnly cover it) or "
        "choose another --profile (--allow-errors accepts an incomplete audit)\n"
    )
    assert allowed_err == ""
    assert allowed_out.endswith(
        f"nothing at or above high fails among what could be assessed\n{summary}\n"
    )


def test_roles_that_cannot_be_assumed_exit_2_naming_the_role_fix(
    fresh_aws: EmbeddedAWS, capsys: pytest.CaptureFixture[str]
) -> None:
    template = "arn:aws:iam::{account}:role/Auditor"
    argv = ("--region", "us-east-1", "--accounts", "111111111111,222222222222")
    with acting_as(fresh_aws, allowed=()):  # sts:AssumeRole is denied
        code = run_audit_command(_args(*argv, "--role-arn-template", template))
    assert code == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"secure-sagemaker: error: nothing could be assessed in us-east-1 - (\d+) "
        r"not assessed on 2 resource\(s\): "
        r"\1 role not assumed: access denied \(AccessDenied\); fix: check --role-arn-template "
        r"and that each role trusts the calling identity\n",
        err,
    ), err
