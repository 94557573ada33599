"""Audit internals without a server: error causes, the Describe -> request mapping,
references, CloudTrail selectors, retries, and the CLI's usage errors."""

from __future__ import annotations

import argparse
from typing import Any

import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker._aws.retry import is_transient
from secure_sagemaker.audit import _fetch as fetch
from secure_sagemaker.audit import audit
from secure_sagemaker.audit._kinds import KINDS, NOT_AUDITED, references, to_request
from secure_sagemaker.cli.audit import add_audit_arguments, run_audit_command
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import AuditError


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
    assert err.startswith("error: unknown service") and err.count("\n") == 1
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
