"""The detector's pure parts: CloudTrail record -> target, its settings, the
remediation table and its errors (no AWS)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import InvalidArgumentError, SecureSageMakerError
from secure_sagemaker.rules import Finding, Severity
from secure_sagemaker.watch import DescribeError, Settings, WatchError, watched_events
from secure_sagemaker.watch._events import Ignore, Target, target
from secure_sagemaker.watch._remediate import REMEDIATIONS, plan
from tests import _examples as ex
from tests.watch_events import ACCOUNT, api_call, event

SM = "sagemaker.amazonaws.com"


def test_every_fixture_is_an_eventbridge_cloudtrail_event() -> None:
    for name in ("sagemaker_CreateNotebookInstance", "s3_PutBucketPolicy", "kms_CreateKey",
                 "secretsmanager_CreateSecret"):  # fmt: skip
        ev = event(name)
        assert ev["detail-type"] == "AWS API Call via CloudTrail"
        assert ev["detail"]["recipientAccountId"] == ACCOUNT
        assert isinstance(target(ev["detail"]), Target), name


def test_the_fixtures_name_their_resources_as_cloudtrail_does() -> None:
    got = target(event("sagemaker_CreateNotebookInstance")["detail"])
    assert isinstance(got, Target) and got.kind is not None
    assert got.kind.name == "notebook-instance" and got.operation == "CreateNotebookInstance"
    assert got.item["NotebookInstanceName"] == "watch-notebook"
    assert got.item["NotebookInstanceArn"].endswith(":notebook-instance/watch-notebook")
    assert target(event("s3_PutBucketPolicy")["detail"]) == Target(
        "bucket", "PutBucketPolicy", {"Bucket": "watch-bucket"}
    )
    key = target(event("kms_CreateKey")["detail"])
    assert isinstance(key, Target) and key.what == "key" and key.item["KeyArn"].endswith("/KEYID")
    secret = target(event("secretsmanager_CreateSecret")["detail"])
    assert isinstance(secret, Target) and secret.item["SecretId"].endswith(
        ":secret:watch/db-AbCdEf"
    )


def test_a_domain_is_found_from_the_arn_createdomain_answers() -> None:
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:domain/d-abc123"
    got = target(api_call(SM, "CreateDomain", {"domainName": "s"}, {"domainArn": arn})["detail"])
    assert isinstance(got, Target) and got.item == {"DomainId": "d-abc123", "DomainArn": arn}


def test_the_api_spelling_is_accepted_too() -> None:
    got = target(api_call(SM, "CreateModel", {"ModelName": "m"}, None)["detail"])
    assert isinstance(got, Target) and got.item == {"ModelName": "m"}


def test_public_access_block_is_logged_under_its_bucket_name() -> None:
    ev = api_call("s3.amazonaws.com", "PutBucketPublicAccessBlock", {"bucketName": "b"})
    got = target(ev["detail"])
    assert isinstance(got, Target) and got.operation == "PutPublicAccessBlock"


@pytest.mark.parametrize(
    "detail",
    [None, "text", 42, {}, {"eventSource": SM}, {"eventSource": 1, "eventName": []},
     {"eventSource": SM, "eventName": "CreateModel", "requestParameters": "odd"}],
)  # fmt: skip
def test_target_never_raises_on_malformed_records(detail: object) -> None:
    assert isinstance(target(detail), Ignore)


def test_watched_events_are_judged_operations_with_a_resource_to_describe() -> None:
    events = watched_events()
    assert set(events) == {
        "sagemaker.amazonaws.com",
        "s3.amazonaws.com",
        "kms.amazonaws.com",
        "secretsmanager.amazonaws.com",
    }
    judged = CATALOG.judged_by_service()["sagemaker"]
    sagemaker = events["sagemaker.amazonaws.com"]
    assert {"CreateNotebookInstance", "CreateTrainingJob", "CreateModel", "CreateDomain",
            "CreateEndpointConfig", "UpdateNotebookInstance"} <= set(sagemaker)  # fmt: skip
    assert set(sagemaker) - set(judged) <= {"CreateEndpoint", "UpdateEndpoint"}
    assert "PutBucketPublicAccessBlock" in events["s3.amazonaws.com"]
    assert "PutObject" not in events["s3.amazonaws.com"]
    assert {"CreateKey", "PutKeyPolicy"} <= set(events["kms.amazonaws.com"])
    assert "CreateSecret" in events["secretsmanager.amazonaws.com"]
    json.dumps(events)


def test_settings_come_from_the_environment_and_are_checked() -> None:
    got = Settings.from_env(
        {
            "SECURE_SAGEMAKER_WATCH_SINKS": "securityhub, sns",
            "SECURE_SAGEMAKER_WATCH_SNS_TOPIC": "arn:aws:sns:us-east-1:1:t",
            "SECURE_SAGEMAKER_WATCH_REMEDIATE": "sm103,SM403",
            "SECURE_SAGEMAKER_WATCH_SELF": "arn:aws:iam::1:role/w",
        }
    )
    assert got.sinks == ("log", "securityhub", "sns") and got.remediate == ("SM103", "SM403")
    assert Settings.from_env({}) == Settings()
    with pytest.raises(InvalidArgumentError, match="unknown sink"):
        Settings.from_env({"SECURE_SAGEMAKER_WATCH_SINKS": "pager"})
    with pytest.raises(InvalidArgumentError, match="needs SECURE_SAGEMAKER_WATCH_SNS_TOPIC"):
        Settings.from_env({"SECURE_SAGEMAKER_WATCH_SINKS": "sns"})
    with pytest.raises(InvalidArgumentError, match="no remediation for rule"):
        Settings.from_env({"SECURE_SAGEMAKER_WATCH_REMEDIATE": "SM201"})


def test_every_remediation_names_a_rule_of_its_resource() -> None:
    for rule_id, action in REMEDIATIONS.items():
        rule = CATALOG.rule(rule_id)
        assert rule.id == rule_id
        noun = action.resource_type.rsplit("::", 1)[-1]
        assert any(noun in op or op == f"@{noun}" or op.startswith("PutBucket") or
                   op == "PutPublicAccessBlock" for op in rule.fields), rule_id  # fmt: skip


def _finding(rule: str, status: str, resource: str = "arn:x:notebook-instance/n") -> Finding:
    return Finding(rule, Severity.HIGH, status, "F", "m", "r", resource=resource,  # type: ignore[arg-type]
                   resource_type="AWS::SageMaker::NotebookInstance")  # fmt: skip


def test_the_plan_runs_one_action_per_resource_and_refuses_waived_rules() -> None:
    found = [_finding("SM103", "fail"), _finding("SM104", "fail"), _finding("SM105", "pass")]
    [one] = plan(found, {"SM103", "SM104", "SM105"}, ex.POLICY)
    assert one.action.name == "stop-notebook-instance" and one.rules == ("SM103", "SM104")
    assert not one.refused
    assert plan(found, {"SM105"}, ex.POLICY) == []
    import attrs

    waiving = attrs.evolve(ex.POLICY, waivers={"SM103": "justified"})
    [refused] = plan([_finding("SM103", "fail")], {"SM103"}, waiving)
    assert refused.refused == "waived by the policy"
    [refused] = plan([_finding("SM103", "waived")], {"SM103"}, ex.POLICY)
    assert refused.refused
    other = _finding("SM103", "fail", "arn:x:bucket")
    assert plan([attrs.evolve(other, resource_type="AWS::S3::Bucket")], {"SM103"}, ex.POLICY) == []


def test_errors_name_causes_pickle_and_are_runtime_errors() -> None:
    err = DescribeError("could not judge the resource", ["b (X)", "a (Y)", "a (Y)"])
    assert str(err) == "could not judge the resource: a (Y); b (X)"
    assert isinstance(err, WatchError) and isinstance(err, SecureSageMakerError)
    assert isinstance(err, RuntimeError)
    again = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(again) is DescribeError and str(again) == str(err)


def test_importing_the_package_loads_no_engine_and_no_boto3() -> None:
    code = (
        "import json, sys, secure_sagemaker.watch as w\n"
        "assert callable(w.handler)\nprint(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not {"boto3", "botocore", "secure_sagemaker.controls", "secure_sagemaker.audit"} & loaded
