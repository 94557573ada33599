"""Audit internals without a server: error causes, the Describe -> request mapping,
references, CloudTrail selectors, retries, region checks, the fail-closed exit codes
and the CLI's usage errors."""

from __future__ import annotations

import argparse
import json
import threading
from typing import Any

import boto3
import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker._aws.retry import is_transient
from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit._engine import Clients, Scope, errors
from secure_sagemaker.audit._kinds import KINDS, NOT_AUDITED, references, to_request
from secure_sagemaker.audit._regions import check_region, partition_of
from secure_sagemaker.audit._render import not_assessed_summary, render
from secure_sagemaker.cli.audit import add_audit_arguments, audit_exit_code, run_audit_command
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import AuditError, InvalidArgumentError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import Finding
from secure_sagemaker.testing import capture_requests


def client_error(code: str, status: int = 400) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {
            "Error": {"Code": code, "Message": "arn:aws:secret-value"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeModel",
    )


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (client_error("AccessDeniedException"), "access denied (AccessDeniedException)"),
        (client_error("ThrottlingException"), "throttled after retries (ThrottlingException)"),
        (client_error("ResourceNotFound"), "not found anymore (ResourceNotFound)"),
        (client_error("NoSuchEntity", 404), "not found anymore (NoSuchEntity)"),
        (client_error("InternalFailure", 500), "service error after retries (InternalFailure)"),
        # an error body botocore cannot parse leaves the HTTP status as the code
        (client_error("403", 403), "access denied (403)"),
        (client_error("ExpiredToken", 403), "credentials rejected (ExpiredToken)"),
        (client_error("InvalidClientTokenId", 403), "credentials rejected (InvalidClientTokenId)"),
        (botocore.exceptions.NoCredentialsError(), "no AWS credentials"),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://x"),
            "could not reach the service (EndpointConnectionError)",
        ),
    ],
)
def test_error_causes_name_the_code_never_the_message(error: Exception, cause: str) -> None:
    assert fetch.reason(error) == cause
    assert "secret-value" not in fetch.reason(error)


def test_transient_errors_are_throttling_5xx_and_dropped_connections() -> None:
    assert is_transient(client_error("ThrottlingException"))
    assert is_transient(client_error("Whatever", 503))
    assert is_transient(botocore.exceptions.EndpointConnectionError(endpoint_url="https://x"))
    assert not is_transient(client_error("AccessDeniedException"))
    assert not is_transient(ValueError())


def test_notebook_describe_output_is_renamed_to_the_request_shape() -> None:
    kind = next(k for k in KINDS if k.name == "notebook-instance")
    described = {
        "NotebookInstanceName": "nb",
        "SecurityGroups": ["sg-0123456789abcdef0"],
        "NotebookInstanceLifecycleConfigName": "lcc",
        "ResponseMetadata": {},
    }
    assert to_request(kind, described) == {
        "NotebookInstanceName": "nb",
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "LifecycleConfigName": "lcc",
    }
    findings = ss.evaluate(kind.operation, to_request(kind, described))
    assert any(f.rule_id == "SM102" and f.status == "pass" for f in findings)


def test_every_kind_is_judged_by_some_rule_and_exclusions_are_real_rules() -> None:
    ops = CATALOG.judged_operations()
    for kind in KINDS:
        assert kind.operation.startswith("@") or kind.operation in ops, kind.name
    for rule_id in NOT_AUDITED:
        CATALOG.rule(rule_id)


def test_references_find_buckets_roles_network_and_keys() -> None:
    refs = references(
        {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "OutputDataConfig": {"S3OutputPath": "s3://bucket-a/out/", "KmsKeyId": "alias/k"},
            "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
            "DataCaptureConfig": {"DestinationS3Uri": "s3://bucket-b"},
            "VpcId": "vpc-1",
        }
    )
    assert refs.buckets == {"bucket-a", "bucket-b"}
    assert refs.roles == {"arn:aws:iam::123456789012:role/r"}
    assert (refs.subnets, refs.security_groups, refs.vpcs) == ({"subnet-1"}, {"sg-1"}, {"vpc-1"})
    assert refs.kms_keys == {"alias/k"}


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}, "All"),
        ({"EventSelectors": [{"ReadWriteType": "WriteOnly"}]}, "WriteOnly"),
        ({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": False}]}, None),
        (
            {
                "AdvancedEventSelectors": [
                    {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
                ]
            },
            "All",
        ),
        (
            {
                "AdvancedEventSelectors": [
                    {
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Management"]},
                            {"Field": "readOnly", "Equals": ["true"]},
                        ]
                    }
                ]
            },
            "ReadOnly",
        ),
    ],
)
def test_cloudtrail_management_events(selectors: dict[str, Any], expected: str | None) -> None:
    assert fetch._management_events(selectors) == expected


def test_audit_refuses_bad_arguments_before_any_call() -> None:
    with pytest.raises(AuditError, match="unknown service"):
        audit(object(), services=["lambda"])
    with pytest.raises(AuditError, match="max_workers"):
        audit(object(), max_workers=0)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_audit_arguments(parser)
    return parser.parse_args(argv)


def test_cli_usage_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_audit_command(_args("--services", "lambda", "--region", "us-east-1")) == 2
    err = capsys.readouterr().err
    assert err.startswith("secure-sagemaker: error: unknown service(s) lambda; choose from")
    assert err.count("\n") == 1 and "fix:" not in err  # the message is its own fix
    assert run_audit_command(_args("--policy", "/nonexistent/policy.toml")) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_progress_line_only_on_a_tty() -> None:
    import io

    from secure_sagemaker.cli.audit import _Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        progress = _Progress(stream)
        progress(4, 2)
        progress.close()
    assert tty.getvalue() == "\raudit [###############---------------] listed 4  assessed 2\n"
    assert pipe.getvalue() == ""


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        (["us-east1"], "unknown region 'us-east1'; did you mean us-east-1?"),
        ("eu-west-1,euwest2", "unknown region 'euwest2'; did you mean eu-west-2?"),
        (["US-EAST-1"], "unknown region 'US-EAST-1'; did you mean us-east-1?"),
        (["ap-southeast2"], "unknown region 'ap-southeast2'; did you mean ap-southeast-2?"),
        (["nowhere"], "unknown region 'nowhere'; expected a name such as us-east-1"),
        (["us-east-1", "cn-north-1"], "regions span the partitions aws, aws-cn"),
    ],
)
def test_audit_refuses_an_unknown_region_before_any_call(regions: Any, message: str) -> None:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake"
    )
    with capture_requests(session) as seen, pytest.raises(InvalidArgumentError) as err:
        audit(session, regions=regions)
    assert str(err.value).startswith(message)
    assert isinstance(err.value, ValueError)
    assert seen.calls == [] and seen.sent == 0


def test_the_sessions_own_region_is_checked_too() -> None:
    session = boto3.Session(
        region_name="eu-west1", aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake"
    )
    with capture_requests(session) as seen, pytest.raises(InvalidArgumentError) as err:
        audit(session)
    assert "unknown region 'eu-west1' (the session's default region" in str(err.value)
    assert str(err.value).endswith("did you mean eu-west-1?")
    assert seen.sent == 0


def test_regions_follow_botocore_partitions_and_their_patterns() -> None:
    assert partition_of("us-east-1") == "aws"
    assert partition_of("cn-northwest-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    # not in this botocore's list yet, but shaped like the partition's regions
    assert check_region("eu-south-9") == "eu-south-9"
    assert partition_of("eu-south-9") == "aws"
    for wrong in ("us-east1", "aws-global", "us-east-1-fips", "us-east-1\n", ""):
        assert partition_of(wrong) is None
        with pytest.raises(InvalidArgumentError, match="unknown region"):
            check_region(wrong)


def test_cli_mistyped_region_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # a call would fail
    assert run_audit_command(_args("--region", "us-east1")) == 2
    out, err = capsys.readouterr()
    assert err == "secure-sagemaker: error: unknown region 'us-east1' (--region); did you mean us-east-1?\n"
    assert out == ""


# --------------------------------------------------------------------------- fail closed

_SCOPE = Scope(
    "123456789012",
    "us-east-1",
    Clients(None, "us-east-1", threading.Lock()),
    SecurityPolicy(),
    None,
)
_NB = "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"
_KEY = "arn:aws:kms:us-east-1:123456789012:key/k"


def _verdict(rule_id: str, status: str) -> Finding:
    rule = CATALOG.rule(rule_id)
    return Finding(rule_id, rule.severity, status, "F", rule.title, rule.remediation, _NB)  # type: ignore[arg-type]


def _denied(resource: str, *rule_ids: str, why: str = "access denied (403)") -> list[Finding]:
    rules = [CATALOG.rule(i) for i in rule_ids]
    return errors(rules, why, _SCOPE, resource, "AWS::X::Y")


_CRITICAL_FAIL = _verdict("SM510", "fail")
_PASS = _verdict("SM104", "pass")
_ERRORS = (
    *_denied(_NB, "SM101", "SM102"),
    *_denied(_KEY, "SM430", why="listing failed, could not reach the service (X)"),
)


@pytest.mark.parametrize(
    ("findings", "inventories", "fail_on", "allow", "code"),
    [
        ((), 0, "high", False, 0),  # nothing to audit is not a failure to audit
        ((_PASS,), 1, "high", False, 0),
        ((_PASS, _CRITICAL_FAIL), 1, "high", False, 1),
        ((_PASS, *_ERRORS), 1, "high", False, 1),  # fail closed
        ((_PASS, *_ERRORS), 1, "high", True, 0),
        ((_PASS, _CRITICAL_FAIL, *_ERRORS), 1, "high", True, 1),
        (_ERRORS, 1, "high", False, 1),  # an inventory was answered: partial, not nothing
        (_ERRORS, 0, "high", False, 2),  # every call failed
        (_ERRORS, 0, "high", True, 2),  # --allow-errors never accepts an empty audit
    ],
)
def test_exit_code_fails_closed(
    findings: tuple[Finding, ...], inventories: int, fail_on: str, allow: bool, code: int
) -> None:
    report = AuditReport(findings, listed=2, assessed=2, inventories=inventories)
    assert audit_exit_code(report, fail_on, allow_errors=allow) == code


def test_a_lost_resource_is_not_assessed() -> None:
    report = AuditReport((_PASS,), listed=3, assessed=2, inventories=1)
    assert not_assessed_summary(report) == "1 listed resource(s) lost"
    assert audit_exit_code(report, "high") == 1
    assert audit_exit_code(report, "high", allow_errors=True) == 0


def test_not_assessed_is_counted_by_cause_on_every_format() -> None:
    report = AuditReport((_PASS, *_ERRORS), listed=2, assessed=2, inventories=1)
    assert report.not_assessed() == {
        "access denied (403)": 2,
        "could not reach the service (X)": 1,
    }
    assert not report.nothing_assessed
    summary = (
        "3 not assessed on 2 resource(s): 2 access denied (403), 1 could not reach the service (X)"
    )
    assert not_assessed_summary(report) == summary
    text = render(report, "text")
    assert text.endswith(
        f"nothing at or above high fails among what could be assessed\n{summary}\n"
    )
    assert f"**Incomplete**: {summary}." in render(report, "markdown")
    assert render(report, "markdown").startswith("### :warning:")
    data = json.loads(render(report, "json"))
    assert data["not_assessed"] == report.not_assessed() and not data["nothing_assessed"]
    empty = AuditReport(_ERRORS, listed=2, assessed=2)
    assert empty.nothing_assessed
    assert render(empty, "text").endswith(f"nothing could be assessed\n{summary}\n")
    sarif = json.loads(render(empty, "sarif"))["runs"][0]
    assert sarif["invocations"][0]["executionSuccessful"] is False
    assert sarif["properties"]["notAssessed"] == empty.not_assessed()


def test_a_resource_without_applicable_rules_still_gets_an_error() -> None:
    found = errors([], "access denied (403)", _SCOPE, _NB, "AWS::X::Y")
    assert [(f.rule_id, f.status) for f in found] == [("AUDIT", "error")]
    assert AuditReport(tuple(found), 1, 1).not_assessed() == {"access denied (403)": 1}
