"""End to end: the event-driven detector (``secure_sagemaker.watch``) on the embedded
emulator, for SageMaker resources created WITHOUT the guard (as the console, the
CLI or Terraform would): CloudTrail event -> describe -> the audit's verdicts.

moto lacks the CloudTrail -> EventBridge path: the events are the recorded shapes in
tests/watch_events/, pointed at resources the test creates on the emulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from botocore.awsrequest import AWSResponse

from secure_sagemaker import watch
from secure_sagemaker.testing import EmbeddedAWS
from secure_sagemaker.watch import DescribeError, Settings, Watcher, WatchError
from tests import _examples as ex
from tests.watch_events import ACCOUNT, SELF_ROLE, api_call, by_detector, event

pytestmark = pytest.mark.e2e

SM = "sagemaker.amazonaws.com"
ARN = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"


@pytest.fixture
def sm(fresh_aws: EmbeddedAWS) -> Any:
    return fresh_aws.session().client("sagemaker")


def watcher(aws: EmbeddedAWS, policy: Any = ex.POLICY, **settings: Any) -> Watcher:
    return Watcher(policy, settings=Settings(self_arn=SELF_ROLE, **settings), session=aws.session())


def lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        json.loads(r.getMessage()) for r in caplog.records if r.name == "secure_sagemaker.watch"
    ]


def notebook_event(name: str) -> dict[str, Any]:
    ev = event("sagemaker_CreateNotebookInstance")
    ev["detail"]["requestParameters"]["notebookInstanceName"] = name
    ev["detail"]["responseElements"] = {"notebookInstanceArn": f"{ARN}:notebook-instance/{name}"}
    return ev


def loose_notebook(sm: Any, name: str = "watch-notebook") -> None:
    """What the console creates with its defaults: no VPC, internet, root, no CMK."""
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ex.ROLE
    )


def status(sm: Any, name: str = "watch-notebook") -> str:
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"])


# --------------------------------------------------------------------------- notebooks


def test_an_insecure_notebook_is_reported_and_left_alone_without_remediation(
    fresh_aws: EmbeddedAWS, sm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loose_notebook(sm)
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws).handle(notebook_event("watch-notebook"))
    assert out["status"] == "judged"
    assert {"SM101", "SM103", "SM104", "SM105"} <= set(out["failing"])
    assert out["resource"] == f"{ARN}:notebook-instance/watch-notebook"
    assert out["remediated"] == [] and status(sm) == "InService"
    [line] = lines(caplog)
    assert line["event"] == "judged" and line["operation"] == "CreateNotebookInstance"
    assert {f["rule"] for f in line["failing"]} == set(out["failing"])
    assert "ml.t3.medium" not in json.dumps(line) and ex.ROLE not in json.dumps(line)


def test_remediation_stops_the_insecure_notebook(
    fresh_aws: EmbeddedAWS, sm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loose_notebook(sm)
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws, remediate=("SM103", "SM104")).handle(
            notebook_event("watch-notebook")
        )
    assert out["remediated"] == [
        {"action": "stop-notebook-instance", "resource": f"{ARN}:notebook-instance/watch-notebook"}
    ]
    assert status(sm) == "Stopped"
    done = [line for line in lines(caplog) if line["event"] == "remediated"]
    assert len(done) == 1 and done[0]["rules"] == ["SM103", "SM104"]


def test_remediation_is_refused_for_a_rule_the_policy_waives(
    fresh_aws: EmbeddedAWS, sm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loose_notebook(sm)
    waiving = attrs.evolve(ex.POLICY, waivers={"SM103": "lab notebooks, owner ml, 2027-06"})
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws, waiving, remediate=("SM103",)).handle(
            notebook_event("watch-notebook")
        )
    assert "SM103" not in out["failing"] and out["remediated"] == []
    assert status(sm) == "InService"
    [refused] = [line for line in lines(caplog) if line["event"] == "remediation-refused"]
    assert refused["reason"] == "waived by the policy" and refused["rules"] == ["SM103"]


def test_a_secure_notebook_has_no_failing_finding(fresh_aws: EmbeddedAWS, sm: Any) -> None:
    sm.create_notebook_instance(**ex.notebook(NotebookInstanceName="good-notebook"))
    out = watcher(fresh_aws, remediate=("SM103",)).handle(notebook_event("good-notebook"))
    assert out["status"] == "judged" and out["failing"] == []
    assert out["counts"]["pass"] >= 8 and out["remediated"] == []
    assert status(sm, "good-notebook") == "InService"


def test_an_update_event_is_judged_like_the_creation(fresh_aws: EmbeddedAWS, sm: Any) -> None:
    loose_notebook(sm)
    ev = api_call(SM, "UpdateNotebookInstance", {"notebookInstanceName": "watch-notebook"}, None)
    out = watcher(fresh_aws).handle(ev)
    assert "SM104" in out["failing"]


# --------------------------------------------------------------------------- other kinds


def _created(sm: Any, kind: str, secure: bool) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Create one resource (secure or not) and return (eventName, request, response)."""
    if kind == "training-job":
        params = ex.training(TrainingJobName="watch-train")
        if not secure:
            params.update(EnableNetworkIsolation=False, EnableInterContainerTrafficEncryption=False)
            del params["VpcConfig"]
        arn = sm.create_training_job(**params)["TrainingJobArn"]
        return "CreateTrainingJob", {"trainingJobName": "watch-train"}, {"trainingJobArn": arn}
    if kind == "model":
        params = ex.model(ModelName="watch-model")
        if not secure:
            params.update(EnableNetworkIsolation=False)
            del params["VpcConfig"]
        arn = sm.create_model(**params)["ModelArn"]
        return "CreateModel", {"modelName": "watch-model"}, {"modelArn": arn}
    if kind == "endpoint-config":
        sm.create_model(**ex.model())
        params = ex.endpoint_config(EndpointConfigName="watch-epc")
        if not secure:
            del params["KmsKeyId"], params["DataCaptureConfig"]
        arn = sm.create_endpoint_config(**params)["EndpointConfigArn"]
        return (
            "CreateEndpointConfig",
            {"endpointConfigName": "watch-epc"},
            {"endpointConfigArn": arn},
        )
    params = ex.domain(DomainName="watch-domain")
    if not secure:
        params.update(AppNetworkAccessType="PublicInternetOnly")
        del params["KmsKeyId"]
    arn = sm.create_domain(**params)["DomainArn"]
    return "CreateDomain", {"domainName": "watch-domain"}, {"domainArn": arn, "url": "x"}


EXPECTED = {
    "training-job": {"SM201", "SM202", "SM203"},
    "model": {"SM301", "SM302"},
    "endpoint-config": {"SM311", "SM313"},
    "domain": {"SM111"},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_kind_insecure_fails_and_secure_passes(
    fresh_aws: EmbeddedAWS, sm: Any, kind: str
) -> None:
    name, request, response = _created(sm, kind, secure=False)
    out = watcher(fresh_aws).handle(api_call(SM, name, request, response))
    assert out["status"] == "judged"
    assert set(out["failing"]) & EXPECTED[kind], out["failing"]
    assert out["resource"] == response[next(iter(response))]
    fresh_aws.reset()
    name, request, response = _created(sm, kind, secure=True)
    out = watcher(fresh_aws).handle(api_call(SM, name, request, response))
    assert out["status"] == "judged" and out["counts"]["pass"] > 0
    assert out["failing"] == [], out["failing"]


# --------------------------------------------------------------------------- ignored


IGNORED = {
    "not an object": ("[]", "malformed event: not a JSON object"),
    "no detail": ({"detail-type": "AWS API Call via CloudTrail"}, "malformed event: no CloudTrail"),
    "other detail type": ({"detail-type": "EC2 Instance State-change Notification",
                           "detail": {}}, "not a CloudTrail API call event"),
    "no event name": (api_call(SM, None), "malformed event: no eventSource/eventName"),  # type: ignore[arg-type]
    "unwatched service": (api_call("ec2.amazonaws.com", "RunInstances"), "event source not watched"),
    "read-only": (api_call(SM, "DescribeNotebookInstance", readOnly=True), "read-only event"),
    "failed call": (
        event("sagemaker_CreateNotebookInstance", errorCode="AccessDenied",
              errorMessage="User is not authorized"),
        "the call failed (errorCode set)",
    ),
    "not judged": (api_call(SM, "DeleteNotebookInstance", {"notebookInstanceName": "x"}),
                   "operation not judged by the catalog"),
    "nothing to describe": (api_call(SM, "CreatePresignedNotebookInstanceUrl",
                                     {"notebookInstanceName": "x"}),
                            "judged operation with no resource to describe"),
    "no resource named": (api_call(SM, "CreateTrainingJob", {}, None),
                          "the record names no training-job"),
    "no account": (event("sagemaker_CreateNotebookInstance", recipientAccountId=None,
                         userIdentity="odd"), "malformed event: no account or region"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(IGNORED))
def test_malformed_and_unrelated_events_are_ignored_with_one_log_line(
    fresh_aws: EmbeddedAWS, sm: Any, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    ev, reason = IGNORED[case]
    loose_notebook(sm)
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws, remediate=("SM103",)).handle(
            json.loads(ev) if isinstance(ev, str) else ev
        )
    assert out["status"] == "ignored" and out["reason"].startswith(reason)
    [line] = lines(caplog)
    assert line["event"] == "ignored" and line["reason"] == out["reason"]
    assert "User is not authorized" not in json.dumps(line)
    assert status(sm) == "InService"


def test_the_detectors_own_calls_are_ignored(
    fresh_aws: EmbeddedAWS, sm: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loose_notebook(sm)
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws, remediate=("SM103",)).handle(
            by_detector(notebook_event("watch-notebook"))
        )
    assert out == {"status": "ignored", "reason": "the detector's own call"}
    assert status(sm) == "InService"
    assert [line["event"] for line in lines(caplog)] == ["ignored"]


def test_a_resource_deleted_before_it_was_judged_is_gone(
    fresh_aws: EmbeddedAWS, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "secure_sagemaker.watch"):
        out = watcher(fresh_aws).handle(notebook_event("deleted-meanwhile"))
    assert out["status"] == "gone"
    assert [line["event"] for line in lines(caplog)] == ["gone"]


# --------------------------------------------------------------------------- errors


@pytest.fixture
def denied(fresh_aws: EmbeddedAWS) -> Iterator[Any]:
    """A session whose DescribeNotebookInstance AWS refuses (AccessDenied)."""
    session = fresh_aws.session()

    def refuse(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = {"Error": {"Code": "AccessDeniedException", "Message": "no"}}
        return AWSResponse("https://stub.invalid", 400, {}, None), body

    session.events.register("before-call.sagemaker.DescribeNotebookInstance", refuse)
    yield session


def test_an_aws_error_while_describing_raises_a_clear_error_after_logging(
    fresh_aws: EmbeddedAWS, sm: Any, denied: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loose_notebook(sm)
    w = Watcher(ex.POLICY, settings=Settings(remediate=("SM103",)), session=denied)
    with (
        caplog.at_level(logging.INFO, "secure_sagemaker.watch"),
        pytest.raises(DescribeError) as err,
    ):
        w.handle(notebook_event("watch-notebook"))
    assert isinstance(err.value, WatchError) and isinstance(err.value, RuntimeError)
    assert "access denied (AccessDeniedException)" in str(err.value)
    [line] = lines(caplog)
    assert line["event"] == "error" and line["stage"] == "describe"
    assert status(sm) == "InService"  # nothing remediated on a partial verdict


def test_the_lambda_handler_reads_its_configuration_once(
    fresh_aws: EmbeddedAWS, sm: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "secure-sagemaker.toml"
    policy.write_text(f'subnets = ["{ex.SUBNET}"]\nsecurity-group-ids = ["{ex.SG}"]\n')
    monkeypatch.setenv("SECURE_SAGEMAKER_POLICY", str(policy))
    monkeypatch.setenv("SECURE_SAGEMAKER_WATCH_REMEDIATE", "sm103")
    monkeypatch.setenv("SECURE_SAGEMAKER_WATCH_SELF", SELF_ROLE)
    loose_notebook(sm)
    watch.reset()
    try:
        out = watch.handler(notebook_event("watch-notebook"), None)
        assert "SM103" in out["failing"] and status(sm) == "Stopped"
        monkeypatch.setenv("SECURE_SAGEMAKER_WATCH_REMEDIATE", "")  # warm: not read again
        assert watch.handler(by_detector(notebook_event("x")), None)["status"] == "ignored"
        monkeypatch.setenv("SECURE_SAGEMAKER_WATCH_SINKS", "pager")
        watch.reset()
        with pytest.raises(ValueError, match="unknown sink"):
            watch.handler(notebook_event("watch-notebook"), None)
    finally:
        watch.reset()


def test_an_unmonitored_endpoint_without_capture_is_deleted_when_opted_in(
    fresh_aws: EmbeddedAWS, sm: Any
) -> None:
    sm.create_model(**ex.model())
    config = ex.endpoint_config(EndpointConfigName="loose-epc")
    del config["DataCaptureConfig"]
    sm.create_endpoint_config(**config)
    arn = sm.create_endpoint(EndpointName="watch-ep", EndpointConfigName="loose-epc")["EndpointArn"]
    ev = api_call(
        SM,
        "CreateEndpoint",
        {"endpointName": "watch-ep", "endpointConfigName": "loose-epc"},
        {"endpointArn": arn},
    )
    out = watcher(fresh_aws).handle(ev)
    assert {"SM340", "SM341"} <= set(out["failing"]) and out["resource"] == arn
    out = watcher(fresh_aws, remediate=("SM341",)).handle(ev)
    assert out["remediated"] == [{"action": "delete-endpoint", "resource": arn}]
    assert sm.list_endpoints()["Endpoints"] == []
    assert watcher(fresh_aws).handle(ev)["status"] == "gone"
