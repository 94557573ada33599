"""``secure-sagemaker watch template``: the detector's CloudFormation template is
valid (cfn-lint, offline), its role passes the project's own IAM lint, its rules
match exactly the CloudTrail events the detector judges (checked by the emulator's
EventBridge), and nothing in it names an account."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.api import ManualArgs, lint

import secure_sagemaker as ss
from secure_sagemaker.cli import main
from secure_sagemaker.controls import REGISTRY
from secure_sagemaker.deploy import detector_template
from secure_sagemaker.deploy._cfn import lint_role_documents, literal, unsub
from secure_sagemaker.deploy._events import PATTERN_LIMIT
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.iam import lint_policy
from secure_sagemaker.watch._events import watched_events

ARNS = {
    "${DeadLetterQueue.Arn}": "arn:aws:sqs:us-east-1:111122223333:dlq",
    "${EncryptionKey.Arn}": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab",
    "${AlertTopic}": "arn:aws:sns:us-east-1:111122223333:alerts",
    "${FunctionName}": "secure-sagemaker-watch",
}
VARIANTS = {
    "default": {},
    "everything": {"sinks": ["securityhub", "sns"], "remediate": ["SM103", "SM340", "SM403"]},
    "org": {"org": True, "sinks": ["securityhub"], "remediate": ["SM408"]},
}


def _policy(template: dict[str, Any]) -> dict[str, Any]:
    doc = template["Resources"]["DetectorPermissions"]["Properties"]["PolicyDocument"]
    return dict(literal(unsub(doc), ARNS))


def _actions(template: dict[str, Any]) -> set[str]:
    return {a for st in _policy(template)["Statement"] for a in st["Action"]}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cfn_lint_finds_no_error(variant: str) -> None:
    text = json.dumps(detector_template(**VARIANTS[variant]))
    matches = lint(text, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
    # warnings allowed: only IAM actions newer than cfn-lint's own action list
    assert {m.rule.id for m in matches} <= {"W3037"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_role_passes_the_iam_lint(variant: str) -> None:
    template = detector_template(**VARIANTS[variant])
    policy = _policy(template)
    assert [f.rule_id for f in lint_policy(policy) if f.status != "pass"] == []
    assert lint_role_documents(policy, "lambda.amazonaws.com") == []
    role = template["Resources"]["DetectorRole"]["Properties"]
    assert role["PermissionsBoundary"] == {"Ref": "DetectorPermissions"}  # SM608
    trust = unsub(role["AssumeRolePolicyDocument"])["Statement"][0]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}}


def test_the_lint_would_catch_a_broad_role() -> None:
    policy = _policy(detector_template())
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert lint_role_documents(policy, "lambda.amazonaws.com") != []


def test_role_is_read_only_unless_remediation_is_asked() -> None:
    reads = ("Describe", "Get", "List", "GET")
    plain = _actions(detector_template())
    writes = {a for a in plain if not a.split(":")[1].startswith(reads)}
    assert writes == {"sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey"} | {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert "secretsmanager:GetSecretValue" not in plain
    assert "sagemaker:DescribeNotebookInstance" in plain
    fixed = _actions(detector_template(remediate=["SM103", "sm403"]))
    assert fixed - plain == {"sagemaker:StopNotebookInstance", "s3:PutBucketVersioning"}
    hub = _actions(detector_template(sinks=["securityhub"]))
    assert hub - plain == {"securityhub:BatchImportFindings"}
    sns = _actions(detector_template(sinks=["sns"]))
    assert sns - plain == {"sns:Publish"}


def _rules(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Events::Rule" and "Condition" not in r
    }


def test_rules_list_the_judged_events_per_source() -> None:
    rules = _rules(detector_template(buckets=["*"]))
    by_source = {
        r["EventPattern"]["detail"]["eventSource"][0]: r["EventPattern"] for r in rules.values()
    }
    watched = {s: sorted(n) for s, n in watched_events().items() if n}
    assert {s: p["detail"]["eventName"] for s, p in by_source.items()} == watched
    for source, pattern in by_source.items():
        assert pattern["source"] == [f"aws.{source.split('.')[0]}"]
        assert pattern["detail-type"] == ["AWS API Call via CloudTrail"]
        assert len(json.dumps(pattern, separators=(",", ":"))) <= PATTERN_LIMIT
    names = set(by_source["sagemaker.amazonaws.com"]["detail"]["eventName"])
    judged_creates = {op for op in REGISTRY.judged["sagemaker"] if op.startswith("Create")}
    assert {"CreateNotebookInstance", "CreateTrainingJob", "CreateDomain"} <= names
    assert len(names & judged_creates) > 30


def test_targets_have_dead_letter_queue_and_retries() -> None:
    template = detector_template()
    for rule in _rules(template).values():
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["Detector", "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    queue = template["Resources"]["DeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}
    key = template["Resources"]["EncryptionKey"]["Properties"]
    assert key["EnableKeyRotation"] is True


def test_lambda_follows_the_contract() -> None:
    template = detector_template(sinks=["sns", "securityhub"], remediate=["SM408"])
    fn = template["Resources"]["Detector"]["Properties"]
    assert fn["Runtime"] == "python3.11"
    assert fn["Handler"] == "secure_sagemaker.watch.handler"
    assert fn["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    assert fn["ReservedConcurrentExecutions"] == {"Ref": "ReservedConcurrency"}
    assert fn["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
    assert fn["Timeout"] >= 60
    assert fn["Environment"]["Variables"] == {
        "SECURE_SAGEMAKER_POLICY": "/var/task/secure-sagemaker.toml",
        "SECURE_SAGEMAKER_WATCH_SINKS": "log,securityhub,sns",
        "SECURE_SAGEMAKER_WATCH_REMEDIATE": "SM408",
        "SECURE_SAGEMAKER_WATCH_SELF": {"Fn::GetAtt": ["DetectorRole", "Arn"]},
        "SECURE_SAGEMAKER_WATCH_SNS_TOPIC": {"Ref": "AlertTopic"},
    }
    topic = template["Resources"]["AlertTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "EncryptionKey"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_no_account_literal(variant: str) -> None:
    text = json.dumps(detector_template(**VARIANTS[variant]))
    assert re.findall(r"\d{12}", text) == []
    assert "us-east-1" not in text and "arn:aws:" not in text


def test_org_variant_forwards_to_a_central_bus_on_request() -> None:
    template = detector_template(org=True)
    assert template["Parameters"]["CentralEventBusArn"]["Default"] == ""
    forwards = {n: r for n, r in template["Resources"].items() if r.get("Condition") == "Forward"}
    assert "ForwardRole" in forwards
    rules = [r for r in forwards.values() if r["Type"] == "AWS::Events::Rule"]
    assert len(rules) == len(_rules(template)) > 0
    assert all(r["Properties"]["Targets"][0]["Arn"] == {"Ref": "CentralEventBusArn"} for r in rules)
    assert "CentralEventBusArn" not in detector_template()["Parameters"]


def _entry(name: str, bucket: str = "") -> dict[str, Any]:
    detail: dict[str, Any] = {
        "eventSource": "s3.amazonaws.com" if bucket else "sagemaker.amazonaws.com",
        "eventName": name,
    }
    if bucket:
        detail["requestParameters"] = {"bucketName": bucket}
    return {
        "Source": "aws.s3" if bucket else "aws.sagemaker",
        "DetailType": "AWS API Call via CloudTrail",
        "Detail": json.dumps(detail),
    }


@pytest.mark.usefixtures("fresh_aws")
def test_patterns_match_judged_events_only() -> None:
    """The template's patterns as rules in the emulator's EventBridge, an SQS queue
    as their target: only the judged events arrive."""
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="delivered")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    rules = _rules(detector_template(buckets=["sagemaker-*", "ml-artifacts"]))
    for name, rule in rules.items():
        events.put_rule(Name=name, EventPattern=json.dumps(rule["EventPattern"]))
        events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}])

    def matched(entry: dict[str, Any]) -> bool:
        events.put_events(Entries=[entry])
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return bool(got)

    assert matched(_entry("CreateNotebookInstance"))
    assert matched(_entry("UpdateDomain"))
    assert not matched(_entry("DescribeNotebookInstance"))
    assert not matched(_entry("DeleteNotebookInstance"))
    assert matched(_entry("PutBucketPolicy", "sagemaker-us-east-1-123456789012"))
    assert matched(_entry("PutBucketVersioning", "ml-artifacts"))
    assert not matched(_entry("PutBucketPolicy", "someone-elses-bucket"))
    assert not matched(_entry("GetBucketPolicy", "ml-artifacts"))


def test_bucket_patterns_scope_the_role() -> None:
    policy = _policy(detector_template(buckets=["ml-artifacts", "team-*"]))
    reads = next(s for s in policy["Statement"] if s["Sid"] == "ReadBucketSettings")
    assert reads["Resource"] == ["arn:aws:s3:::ml-artifacts", "arn:aws:s3:::team-*"]
    with pytest.raises(InvalidArgumentError, match="bucket patterns"):
        detector_template(buckets=["Bad Bucket"])


def test_cli_writes_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "detector.json"
    argv = ["watch", "template", "--sinks", "securityhub", "--remediate", "SM103", "-o", str(out)]
    assert main(argv) == 0
    written = json.loads(out.read_text())
    assert written == detector_template(sinks=["securityhub"], remediate=["SM103"])
    assert main(["watch", "template", "--org"]) == 0
    assert "CentralEventBusArn" in json.loads(capsys.readouterr().out)["Parameters"]
    assert main(["watch", "template", "--remediate", "SM999"]) == 2
    err = capsys.readouterr().err
    assert "no remediation for that rule" in err and "SM999" not in err
    assert main(["watch", "template", "--sinks", "pager"]) == 2
    assert "unknown sink" in capsys.readouterr().err


def test_key_policy_passes_the_key_rules() -> None:
    template = detector_template(sinks=["sns"])
    policy = literal(unsub(template["Resources"]["EncryptionKey"]["Properties"]["KeyPolicy"]))
    params = {"KeyId": "1234abcd-12ab", "PolicyName": "default", "Policy": json.dumps(policy)}
    found = ss.evaluate("PutKeyPolicy", params, service="kms")
    assert found and all(f.status == "pass" for f in found)
    services = policy["Statement"][1]["Principal"]["Service"]
    assert services == ["events.amazonaws.com", "sns.amazonaws.com"]
    public = {**policy, "Statement": [{**policy["Statement"][1], "Condition": {}}]}
    public["Statement"][0]["Principal"] = "*"
    params["Policy"] = json.dumps(public)
    assert any(f.failed for f in ss.evaluate("PutKeyPolicy", params, service="kms"))
