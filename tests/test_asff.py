"""ASFF: findings as Security Hub findings and their import in batches.

The shape is checked by botocore's own validator against the Security Hub model
(required fields, types, no unknown keys); batching and retries by a Stubber
(which asserts the exact calls), and the round trip by the emulator.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import attrs
import boto3
import pytest
from botocore.stub import Stubber
from botocore.validate import ParamValidator

import secure_sagemaker as ss
from secure_sagemaker.audit._asff import BATCH, ImportResult, import_findings, merge, to_asff
from secure_sagemaker.rules import Finding, Severity

ACCOUNT, REGION = "123456789012", "eu-west-1"
SECRET = "SuperSecretValue123"
NOTEBOOK = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/nb"
WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _client() -> Any:
    return boto3.client(
        "securityhub", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


def _findings() -> list[Finding]:
    params = {
        "NotebookInstanceName": "nb",
        "InstanceType": "ml.t3.medium",
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "DirectInternetAccess": "Enabled",
        "KmsKeyId": SECRET,
        "DefaultCodeRepository": f"https://user:{SECRET}@example.com/repo.git",
    }
    found = ss.evaluate("CreateNotebookInstance", params, region=REGION)
    return [
        attrs.evolve(
            f,
            resource=NOTEBOOK,
            resource_type="AWS::SageMaker::NotebookInstance",
            account=ACCOUNT,
            region=REGION,
        )
        for f in found
    ]


def _validate(asff: list[dict[str, Any]]) -> None:
    shape = _client().meta.service_model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": asff}, shape)
    assert not report.has_errors(), report.generate_report()


def test_shape_is_valid_asff_with_required_fields() -> None:
    found = _findings()
    asff = [to_asff(f, account=ACCOUNT, region=REGION, now=WHEN) for f in found]
    _validate(asff)
    shape = _client().meta.service_model.shape_for("AwsSecurityFinding")
    for item in asff:
        assert set(shape.required_members) <= set(item)
        assert item["SchemaVersion"] == "2018-10-08"
        assert item["ProductArn"] == (
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
        )
        assert item["CreatedAt"] == "2026-01-02T03:04:05.000Z"
        assert item["Resources"] == [
            {
                "Type": "AwsSageMakerNotebookInstance",
                "Id": NOTEBOOK,
                "Partition": "aws",
                "Region": REGION,
            }
        ]
        assert item["Types"][0].startswith("Software and Configuration Checks/")
        assert item["RecordState"] == "ACTIVE"


def test_status_maps_to_severity_compliance_and_workflow() -> None:
    by = {(f.rule_id, f.status): f for f in _findings()}
    failed = to_asff(by["SM103", "fail"], account=ACCOUNT, region=REGION)
    assert failed["Severity"]["Label"] == by["SM103", "fail"].severity.name
    assert failed["Compliance"] == {"Status": "FAILED"}
    assert failed["Workflow"] == {"Status": "NEW"}
    assert failed["GeneratorId"] == "secure-sagemaker/SM103"
    assert failed["Title"].startswith("SM103 Notebook instance has no direct internet access")
    passed = attrs.evolve(by["SM103", "fail"], status="pass")
    out = to_asff(passed, account=ACCOUNT, region=REGION)
    assert out["Severity"] == {"Label": "INFORMATIONAL"}
    assert out["Compliance"] == {"Status": "PASSED"}
    assert out["Workflow"] == {"Status": "RESOLVED"}
    assert out["Id"] == failed["Id"]  # a later pass resolves the earlier failure
    waived = to_asff(attrs.evolve(passed, status="waived"), account=ACCOUNT, region=REGION)
    assert waived["Compliance"] == {"Status": "WARNING"}
    error = to_asff(attrs.evolve(passed, status="error"), account=ACCOUNT, region=REGION)
    assert error["Compliance"] == {"Status": "NOT_AVAILABLE"}


def test_id_is_stable_and_distinct_per_rule_resource_account_region() -> None:
    f = _findings()[0]
    one = to_asff(f, account=ACCOUNT, region=REGION, now=WHEN)["Id"]
    assert to_asff(f, account=ACCOUNT, region=REGION)["Id"] == one  # time does not matter
    assert to_asff(attrs.evolve(f, field="Other"), account=ACCOUNT, region=REGION)["Id"] == one
    others = {
        to_asff(attrs.evolve(f, **change), account=ACCOUNT, region=REGION)["Id"]
        for change in (
            {"rule_id": "SM999"},
            {"resource": NOTEBOOK + "2"},
            {"account": "210987654321"},
            {"region": "us-east-1"},
        )
    }
    assert one not in others and len(others) == 4
    long = attrs.evolve(f, resource="arn:" + "x" * 700)
    long_id = to_asff(long, account=ACCOUNT, region=REGION)["Id"]
    assert len(long_id) <= 512
    assert long_id == to_asff(long, account=ACCOUNT, region=REGION)["Id"]


def test_no_value_reaches_the_finding() -> None:
    found = _findings()
    assert {f.status for f in found} >= {"fail"}
    for f in found:
        assert SECRET not in str(to_asff(f, account=ACCOUNT, region=REGION))


def test_account_level_and_other_partition() -> None:
    f = Finding("SM900", Severity.MEDIUM, "fail", "", "Account check: off", "Turn it on.")
    out = to_asff(
        attrs.evolve(f, resource_type="AWS::::Account"), account=ACCOUNT, region="cn-north-1"
    )
    _validate([out])
    assert out["Resources"][0]["Type"] == "AwsAccount"
    assert out["Resources"][0]["Id"] == f"AWS::::Account:{ACCOUNT}"
    assert out["Resources"][0]["Partition"] == "aws-cn"
    assert out["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert to_asff(f, account=ACCOUNT, region=REGION)["Resources"][0]["Type"] == "Other"


@pytest.mark.parametrize(
    ("cfn", "asff"),
    [
        ("AWS::KMS::Key", "AwsKmsKey"),
        ("AWS::IAM::Role", "AwsIamRole"),
        ("AWS::EC2::SecurityGroup", "AwsEc2SecurityGroup"),
        ("AWS::S3::Bucket", "AwsS3Bucket"),
        ("AWS::SecretsManager::Secret", "AwsSecretsManagerSecret"),
        ("AWS::SageMaker::EndpointConfig", "AwsSageMakerEndpointConfig"),
        ("AWS::::Account", "AwsAccount"),
        ("", "Other"),
    ],
)
def test_resource_types_use_the_asff_spelling(cfn: str, asff: str) -> None:
    f = attrs.evolve(_findings()[0], resource_type=cfn)
    assert to_asff(f, account=ACCOUNT, region=REGION)["Resources"][0]["Type"] == asff


def test_merge_keeps_the_worst_per_id() -> None:
    f = _findings()[0]
    kept = merge([attrs.evolve(f, status="pass"), f, attrs.evolve(f, status="waived")])
    assert kept == [f]


def _asff(n: int) -> list[dict[str, Any]]:
    f = _findings()[0]
    return [
        to_asff(attrs.evolve(f, resource=f"{NOTEBOOK}-{i}"), account=ACCOUNT, region=REGION)
        for i in range(n)
    ]


def test_batches_of_100_in_three_calls() -> None:
    items = _asff(250)
    client = _client()
    with Stubber(client) as stub:
        for start, end in ((0, 100), (100, 200), (200, 250)):
            stub.add_response(
                "batch_import_findings",
                {"FailedCount": 0, "SuccessCount": end - start, "FailedFindings": []},
                {"Findings": items[start:end]},
            )
        result = import_findings(client, items)
        stub.assert_no_pending_responses()
    assert BATCH == 100
    assert result == ImportResult(250, 0, ())
    assert result.ok


def test_failed_findings_are_retried_once() -> None:
    items = _asff(3)
    fail = {"Id": items[1]["Id"], "ErrorCode": "Throttled", "ErrorMessage": "slow down"}
    client = _client()
    with Stubber(client) as stub:
        stub.add_response(
            "batch_import_findings",
            {"FailedCount": 1, "SuccessCount": 2, "FailedFindings": [fail]},
            {"Findings": items},
        )
        stub.add_response(  # the retry carries only the failed one, and fails again
            "batch_import_findings",
            {"FailedCount": 1, "SuccessCount": 0, "FailedFindings": [fail]},
            {"Findings": [items[1]]},
        )
        result = import_findings(client, items)
        stub.assert_no_pending_responses()
    assert result == ImportResult(2, 1, ("Throttled",))
    assert not result.ok


def test_a_failed_call_is_retried_then_counted() -> None:
    items = _asff(2)
    client = _client()
    with Stubber(client) as stub:
        stub.add_client_error(
            "batch_import_findings", "AccessDeniedException", http_status_code=403
        )
        stub.add_response(
            "batch_import_findings",
            {"FailedCount": 0, "SuccessCount": 2, "FailedFindings": []},
            {"Findings": items},
        )
        assert import_findings(client, items) == ImportResult(2, 0, ())
    with Stubber(client) as stub:
        stub.add_client_error(
            "batch_import_findings", "AccessDeniedException", http_status_code=403
        )
        stub.add_client_error(
            "batch_import_findings", "AccessDeniedException", http_status_code=403
        )
        assert import_findings(client, items) == ImportResult(0, 2, ("AccessDeniedException",))


def test_nothing_to_import_makes_no_call() -> None:
    client = _client()
    with Stubber(client):  # any call would raise: no response is queued
        assert import_findings(client, []) == ImportResult(0, 0, ())


@pytest.mark.usefixtures("fresh_aws")
def test_round_trip_through_the_emulator_updates_by_id() -> None:
    client = boto3.client("securityhub", region_name=REGION)
    found = merge(_findings())
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    asff = [to_asff(f, account=account, region=REGION) for f in found]
    assert import_findings(client, asff) == ImportResult(len(asff), 0, ())
    assert import_findings(client, asff).success == len(asff)  # the same Ids: updated
    stored = client.get_findings(MaxResults=100)["Findings"]
    assert sorted(f["Id"] for f in stored) == sorted(a["Id"] for a in asff)
    assert {f["Compliance"]["Status"] for f in stored} >= {"FAILED"}
