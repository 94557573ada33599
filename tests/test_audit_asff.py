"""``secure-sagemaker audit --format asff`` and ``--to-security-hub`` against the
embedded emulator: the report lands in Security Hub as ASFF findings."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import boto3
import pytest
from botocore.validate import ParamValidator

from secure_sagemaker.audit._render import FORMATS
from secure_sagemaker.cli.audit import add_audit_arguments, run_audit_command
from secure_sagemaker.testing import EmbeddedAWS

pytestmark = pytest.mark.e2e

REGION = "us-east-1"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture
def account(fresh_aws: EmbeddedAWS) -> str:
    session = fresh_aws.session()
    session.client("kms").create_key(Description="no rotation")  # SM430 fails
    rotated = session.client("kms").create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    session.client("kms").enable_key_rotation(KeyId=rotated)
    return str(session.client("sts").get_caller_identity()["Account"])


def test_format_asff_is_valid_batch_import_input(account: str, tmp_path: Path) -> None:
    assert "asff" in FORMATS
    out = tmp_path / "findings.json"
    argv = ("--services", "kms", "--region", REGION, "--format", "asff", "--output", str(out))
    assert run_audit_command(_args(*argv)) == 0
    found = json.loads(out.read_text())
    model = boto3.client("securityhub", region_name=REGION).meta.service_model
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": found}, shape)
    assert not report.has_errors(), report.generate_report()
    failed = [f for f in found if f["Compliance"]["Status"] == "FAILED"]
    assert [f["GeneratorId"] for f in failed] == ["secure-sagemaker/SM430"]
    assert failed[0]["Resources"][0]["Type"] == "AwsKmsKey"
    assert failed[0]["AwsAccountId"] == account
    assert any(f["Compliance"]["Status"] == "PASSED" for f in found)  # passes resolve
    assert len({f["Id"] for f in found}) == len(found)


def test_to_security_hub_imports_the_run(
    account: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    argv = ("--services", "kms", "--region", REGION, "--format", "json", "--output", str(out))
    assert run_audit_command(_args(*argv, "--to-security-hub")) == 0
    err = capsys.readouterr().err.strip().splitlines()
    stored = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    assert err == [f"security hub: imported {len(stored)} finding(s) into {REGION}"]
    report = json.loads(out.read_text())
    judged = {(f["rule_id"], f["resource"]) for f in report["findings"]}
    assert len(stored) == len(judged) > 1
    failing = [f for f in stored if f["Compliance"]["Status"] == "FAILED"]
    assert [f["GeneratorId"] for f in failing] == ["secure-sagemaker/SM430"]
    assert {f["AwsAccountId"] for f in stored} == {account}
    # a second run updates the same findings instead of adding copies
    assert run_audit_command(_args(*argv, "--to-security-hub")) == 0
    again = boto3.client("securityhub", region_name=REGION).get_findings()["Findings"]
    assert sorted(f["Id"] for f in again) == sorted(f["Id"] for f in stored)


def test_without_the_flag_nothing_is_imported(account: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    argv = ("--services", "kms", "--region", REGION, "--format", "json", "--output", str(out))
    assert run_audit_command(_args(*argv)) == 0
    assert boto3.client("securityhub", region_name=REGION).get_findings()["Findings"] == []
