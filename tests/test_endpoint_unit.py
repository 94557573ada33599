"""Fast tests: the undo stack, DataCapture, and the SM8xx rules on their examples."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

import secure_sagemaker as ss
from secure_sagemaker._aws.rollback import UndoStack, ignore_missing
from secure_sagemaker.controls.sm8_exposure import ACCESS_LOG_FORMAT, access_log_format
from secure_sagemaker.endpoint import DataCapture
from secure_sagemaker.endpoint._exposure import web_acl_request
from tests._examples import POLICY
from tests._examples_exposure import LOG_GROUP, LOG_GROUP_ARN, _patch

# ----------------------------------------------------------------- undo stack


def test_undos_run_newest_first_and_the_original_error_is_raised() -> None:
    ran: list[str] = []
    with pytest.raises(KeyError, match="boom"), UndoStack("op") as undo:
        undo.push("a", lambda: ran.append("a"))
        undo.push("b", lambda: ran.append("b"))
        raise KeyError("boom")
    assert ran == ["b", "a"]


def test_success_keeps_everything() -> None:
    ran: list[str] = []
    with UndoStack("op") as undo:
        undo.push("a", lambda: ran.append("a"))
    assert ran == [] and len(undo) == 0


def test_a_failing_undo_becomes_a_named_leftover_and_the_rest_still_run() -> None:
    ran: list[str] = []

    def broken() -> None:
        raise PermissionError("denied")

    with pytest.raises(ss.RollbackError) as info, UndoStack("deploy x") as undo:
        undo.push("model m", lambda: ran.append("model"))
        undo.push("config c", broken)
        undo.push("endpoint e", lambda: ran.append("endpoint"))
        raise ValueError("step failed")
    assert info.value.leftovers == ("config c",)
    assert ran == ["endpoint", "model"]
    assert isinstance(info.value.__cause__, ValueError)
    assert "config c" in str(info.value) and "deploy x" in str(info.value)


def test_transient_undo_errors_are_retried() -> None:
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "DeleteModel")

    undo = UndoStack("op")
    undo.push("model m", flaky)
    assert undo.rollback() == [] and len(calls) == 2


def test_ignore_missing_treats_not_found_as_done_and_reraises_others() -> None:
    def gone() -> None:
        raise ClientError({"Error": {"Code": "NotFoundException"}}, "DeleteRestApi")

    def denied() -> None:
        raise ClientError({"Error": {"Code": "AccessDenied"}}, "DeleteRestApi")

    ignore_missing(gone)()
    with pytest.raises(ClientError):
        ignore_missing(denied)()


# ----------------------------------------------------------------- data capture


def test_data_capture_defaults_to_everything_in_the_artifact_bucket() -> None:
    assert DataCapture().request("ep", "bucket") == {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": "s3://bucket/data-capture/ep/",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    only = DataCapture(capture_request=False, kms_key_id="k", destination="s3://b/p/")
    assert only.request("ep", "bucket")["CaptureOptions"] == [{"CaptureMode": "Output"}]
    assert only.request("ep", "bucket")["KmsKeyId"] == "k"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sampling_percentage": 101},
        {"sampling_percentage": True},
        {"capture_request": False, "capture_response": False},
    ],
)
def test_data_capture_rejects_nonsense(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        DataCapture(**kwargs)


# ----------------------------------------------------------------- SM8xx rules


def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def test_secure_requests_pass_every_rule_and_the_wrapper_sends_them() -> None:
    found = ss.evaluate("CreateWebACL", web_acl_request("api", 100), POLICY)
    assert [f.status for f in found if f.rule_id.startswith("SM8")] == ["pass"]


WITHOUT_IP = json.dumps(
    {
        k: v
        for k, v in json.loads(access_log_format({"ua": "identity.userAgent"})).items()
        if k != "ip"
    }
)


@pytest.mark.parametrize(
    ("ops", "field", "reason"),
    [
        (
            [("replace", "/accessLogSettings/destinationArn", f"{LOG_GROUP_ARN}:*")],
            "patchOperations[0].value",
            "log group ARN",
        ),
        (
            [("replace", "/accessLogSettings/format", "$context.requestId")],
            "patchOperations[0].value",
            "JSON object",
        ),
        ([("replace", "/accessLogSettings/format", WITHOUT_IP)], "patchOperations[0].value", "ip"),
        ([("move", "/accessLogSettings/format", "")], "patchOperations[0].op", "replace"),
        (
            [("replace", "/tracingEnabled", "true"), ("remove", "/accessLogSettings/format", "")],
            "patchOperations[1]",
            "removes",
        ),
    ],
)
def test_access_log_patches_are_judged(ops: Any, field: str, reason: str) -> None:
    (finding,) = [
        f for f in ss.evaluate("UpdateStage", _patch(*ops), POLICY) if f.rule_id == "SM801"
    ]
    assert finding.status == "fail" and finding.field == field and reason in finding.message


def test_access_log_format_names_every_required_field() -> None:
    fields = json.loads(ACCESS_LOG_FORMAT)
    assert set(fields) >= {
        "requestId",
        "ip",
        "caller",
        "user",
        "requestTime",
        "httpMethod",
        "resourcePath",
        "status",
        "protocol",
        "responseLength",
    }
    assert fields["ip"] == "$context.identity.sourceIp"


def test_method_authorization_covers_update_and_exempts_preflight() -> None:
    def sm802(op: str, params: dict[str, Any]) -> list[str]:
        return [f.status for f in ss.evaluate(op, params, POLICY) if f.rule_id == "SM802"]

    base = {"restApiId": "a", "resourceId": "r"}
    assert sm802("PutMethod", {**base, "httpMethod": "OPTIONS", "authorizationType": "NONE"}) == []
    patch = {"op": "replace", "path": "/authorizationType", "value": "NONE"}
    assert sm802("UpdateMethod", {**base, "httpMethod": "POST", "patchOperations": [patch]}) == [
        "fail"
    ]


@pytest.mark.parametrize(
    ("name", "judged"),
    [(LOG_GROUP, True), ("API-Gateway-Execution-Logs_abc/v1", True), ("/app/web", False)],
)
def test_log_group_rule_judges_only_api_and_sagemaker_groups(name: str, judged: bool) -> None:
    found = [
        f
        for f in ss.evaluate("CreateLogGroup", {"logGroupName": name}, POLICY)
        if f.rule_id == "SM803"
    ]
    assert [f.status for f in found] == (["fail"] if judged else [])


def test_log_group_key_is_filled_from_the_policy() -> None:
    params, filled = ss.secure_request("CreateLogGroup", {"logGroupName": LOG_GROUP}, POLICY)
    assert ("SM803", "kmsKeyId") in filled and params["kmsKeyId"] == POLICY.kms_key_id


@pytest.mark.parametrize(
    "rule",
    [
        {
            "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "IP"}},
            "Action": {"Count": {}},
        },
        {
            "Statement": {"RateBasedStatement": {"Limit": 100, "AggregateKeyType": "CONSTANT"}},
            "Action": {"Block": {}},
        },
    ],
    ids=["counts-only", "not-per-ip"],
)
def test_rate_rules_that_do_not_limit_a_client_fail(rule: dict[str, Any]) -> None:
    params = {"Name": "a", "Scope": "REGIONAL", "Rules": [rule]}
    (finding,) = [f for f in ss.evaluate("CreateWebACL", params, POLICY) if f.rule_id == "SM804"]
    assert finding.status == "fail"


def test_importing_the_endpoint_module_pulls_in_no_heavy_dependency() -> None:
    code = (
        "import sys, secure_sagemaker.endpoint; "
        "print([m for m in ('sagemaker', 'flask', 'moto') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
