"""The guard without a server: HTTP is answered by a before-send hook, so these
tests see exactly what would have been sent."""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import attrs
import boto3
import pytest
from botocore.awsrequest import AWSResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import secure_sagemaker as ss
from secure_sagemaker import guard
from tests._examples import BUCKET, KEY, POLICY, ROLE, SG, SUBNET, notebook, training


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


class Wire:
    """Answers every HTTP request with 200 {} and records what was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.pending = threading.local()

    def attach(self, client: Any) -> Any:
        client.meta.events.register_last("before-parameter-build", self._params)
        client.meta.events.register("before-send", self._send)
        return client

    def _params(self, params: dict[str, Any], model: Any, **kwargs: Any) -> None:
        self.pending.call = (model.name, copy.deepcopy(params))

    def _send(self, request: Any, **kwargs: Any) -> AWSResponse:
        with self.lock:
            self.sent.append(self.pending.call)
        body = b"" if kwargs.get("event_name", "").startswith("before-send.s3.") else b"{}"
        return AWSResponse(request.url, 200, {}, _Raw(body))  # type: ignore[arg-type]


def make_client(service: str = "sagemaker") -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client(service, endpoint_url="https://sagemaker.invalid")


@pytest.fixture(autouse=True)
def _clean_install() -> Iterator[None]:
    yield
    guard.uninstall()


def test_protect_fills_secure_values_before_sending() -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    client.create_training_job(**{k: v for k, v in training().items()
                                  if k not in ("VpcConfig", "EnableNetworkIsolation")})
    (op, sent), = wire.sent
    assert op == "CreateTrainingJob"
    assert sent["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    assert sent["EnableNetworkIsolation"] is True and sent["ResourceConfig"]["VolumeKmsKeyId"] == KEY


def test_a_refused_request_sends_nothing_and_lists_every_failing_rule() -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    with pytest.raises(ss.InsecureRequestError) as info:
        client.create_notebook_instance(**notebook(DirectInternetAccess="Enabled", RootAccess="Enabled",
                                                   KmsKeyId="alias/aws/sagemaker"))
    assert wire.sent == []
    assert {f.rule_id for f in info.value.findings} == {"SM103", "SM104", "SM105"}
    assert info.value.operation == "CreateNotebookInstance"
    assert isinstance(info.value, ValueError)


def test_refusal_text_never_contains_parameter_values() -> None:
    secret = "hunter2-" + "x" * 20
    subnet = "subnet-0aaaaaaaaaaaaaaa1"
    client = ss.protect(make_client(), POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        client.create_training_job(**training(Environment={"DB_PASSWORD": secret},
                                              VpcConfig={"Subnets": [subnet], "SecurityGroupIds": [SG]}))
    text = str(info.value) + repr(info.value.findings)
    for value in (secret, subnet, SG, "sagemaker-execution", "train-1"):
        assert value not in text
    assert "SM510" in text and "Environment.DB_PASSWORD" in text and "SM201" in text


def test_read_operations_pass_untouched_and_unwatched_services_get_no_handler() -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    client.describe_training_job(TrainingJobName="t")
    assert wire.sent == [("DescribeTrainingJob", {"TrainingJobName": "t"})]
    handlers = client.meta.events._emitter._handlers.prefix_search(
        "before-parameter-build.sagemaker.CreateTrainingJob")
    assert sum(getattr(h, "func", None) is guard.guard_request for h in handlers) == 1
    sns = ss.protect(make_client("sns"), POLICY)
    assert not hasattr(sns, "_secure_sagemaker_binding")
    events = {event for event, _ in guard.handler_table()}
    assert "before-parameter-build.sns" not in events
    assert {"before-parameter-build.s3-control", "before-parameter-build.sagemaker-runtime"} <= events


def test_install_guards_clients_created_before_and_after_and_uninstall_removes_it() -> None:
    wire = Wire()
    before = wire.attach(make_client())
    ss.install(POLICY)
    after = wire.attach(make_client())
    for client in (before, after):
        with pytest.raises(ss.InsecureRequestError):
            client.create_model(**{"ModelName": "m", "ExecutionRoleArn": ROLE,
                                   "EnableNetworkIsolation": False})
    assert wire.sent == []
    ss.uninstall()
    before.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)
    wire.attach(make_client()).create_model(ModelName="m", ExecutionRoleArn=ROLE,
                                            EnableNetworkIsolation=False)
    assert len(wire.sent) == 2


def test_installing_twice_is_harmless_and_another_policy_replaces_the_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    wire = Wire()
    client = wire.attach(make_client())
    ss.install(POLICY)
    ss.install(POLICY)
    handlers = client.meta.events._emitter._handlers.prefix_search(
        "before-parameter-build.sagemaker.CreateModel")
    assert sum(getattr(h, "func", None) is guard.guard_request for h in handlers) == 1
    lenient = ss.SecurityPolicy(waivers={"SM301": "isolation breaks this model; owner x; 2027"})
    with caplog.at_level(logging.INFO, logger="secure_sagemaker.guard"):
        ss.install(lenient)
    assert "replacing the installed policy" in caplog.text
    client.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False,
                        VpcConfig={"Subnets": [SUBNET], "SecurityGroupIds": [SG]})
    assert wire.sent[-1][1]["EnableNetworkIsolation"] is False


def test_protect_keeps_its_own_policy_under_install() -> None:
    wire = Wire()
    strict = wire.attach(ss.protect(make_client(), POLICY))
    ss.install(ss.SecurityPolicy(mode="warn"))
    with pytest.raises(ss.InsecureRequestError):
        strict.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)
    ss.uninstall()
    with pytest.raises(ss.InsecureRequestError):
        strict.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)


def test_warn_mode_logs_and_sends(caplog: pytest.LogCaptureFixture) -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), ss.SecurityPolicy(mode="warn")))
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker.guard"):
        client.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium",
                                        RoleArn=ROLE, DirectInternetAccess="Enabled")
    assert len(wire.sent) == 1 and "SM103" in caplog.text and "sent anyway" in caplog.text


def test_fills_are_logged_with_rule_and_field_but_no_value(caplog: pytest.LogCaptureFixture) -> None:
    client = Wire().attach(ss.protect(make_client(), POLICY))
    with caplog.at_level(logging.INFO, logger="secure_sagemaker.guard"):
        client.create_notebook_instance(NotebookInstanceName="nb", InstanceType="ml.t3.medium",
                                        RoleArn=ROLE, DefaultCodeRepository="https://x/y.git",
                                        Tags=[{"Key": "owner", "Value": "me"}])
    assert "filled SubnetId from the policy (SM101)" in caplog.text
    assert SUBNET not in caplog.text and KEY not in caplog.text


def test_low_severity_failures_are_logged_not_refused(caplog: pytest.LogCaptureFixture) -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker.guard"):
        client.create_notebook_instance(**{k: v for k, v in notebook().items()
                                           if k != "DefaultCodeRepository"})
    assert len(wire.sent) == 1 and "SM108" in caplog.text


def test_secure_session_guards_its_clients() -> None:
    session = ss.secure_session(POLICY, aws_access_key_id="a", aws_secret_access_key="b",
                                region_name="us-east-1")
    client = session.client("sagemaker", endpoint_url="https://sagemaker.invalid")
    with pytest.raises(ss.InsecureRequestError):
        client.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)


def test_region_allow_list_is_enforced_from_the_client_region() -> None:
    client = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b",
                                   region_name="eu-west-1").client("sagemaker",
                                                                   endpoint_url="https://x.invalid")
    ss.protect(client, POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        client.create_training_job(**training())
    assert [f.rule_id for f in info.value.findings] == ["SM701"]


def test_s3_writes_to_artifact_buckets_get_sse_kms_others_are_untouched() -> None:
    wire = Wire()
    s3 = wire.attach(ss.protect(make_client("s3"), POLICY))
    s3.put_object(Bucket="ml-artifacts-bucket", Key="m", Body=b"x")
    s3.put_object(Bucket="scratch-bucket", Key="m", Body=b"x")
    (_, artifact), (_, scratch) = wire.sent
    assert artifact["ServerSideEncryption"] == "aws:kms" and artifact["SSEKMSKeyId"] == KEY
    assert "ServerSideEncryption" not in scratch
    with pytest.raises(ss.InsecureRequestError):
        s3.put_object(Bucket="ml-artifacts-bucket", Key="m", Body=b"x", ServerSideEncryption="AES256")


def test_secrets_manager_create_secret_gets_the_customer_key() -> None:
    wire = Wire()
    sm = wire.attach(ss.protect(make_client("secretsmanager"), POLICY))
    sm.create_secret(Name="db", SecretString="value")
    assert wire.sent[0][1]["KmsKeyId"] == KEY


def test_guarded_clients_work_from_many_threads() -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    errors: list[BaseException] = []
    refused = []

    def work(i: int) -> None:
        try:
            if i % 2:
                client.create_model(ModelName=f"m{i}", ExecutionRoleArn=ROLE)
            else:
                try:
                    client.create_model(ModelName=f"m{i}", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)
                except ss.InsecureRequestError:
                    refused.append(i)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(refused) == 16 and len(wire.sent) == 16
    assert all(p["EnableNetworkIsolation"] is True for _, p in wire.sent)


# ------------------------------------------------------------------ property

insecure_or_absent = {
    "VpcConfig": st.sampled_from([None, {"Subnets": ["subnet-0fffffffffffffff0"], "SecurityGroupIds": [SG]}]),
    "EnableNetworkIsolation": st.sampled_from([None, True, False, "true"]),
    "EnableInterContainerTrafficEncryption": st.sampled_from([None, True, False]),
    "Environment": st.sampled_from([None, {"A": "b"}, {"API_TOKEN": "literal-token-value"},
                                    {"K": "AKIAABCDEFGHIJKLMNOP"}]),
    "RemoteDebugConfig": st.sampled_from([None, {"EnableRemoteDebug": True}, {"EnableRemoteDebug": False}]),
}
resource_keys = st.sampled_from([None, KEY, "alias/aws/sagemaker", 7])
instance_types = st.sampled_from(["ml.m5.xlarge", "ml.p4d.24xlarge"])


_PROPERTY_WIRE = Wire()
_PROPERTY_CLIENT = _PROPERTY_WIRE.attach(make_client())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries(insecure_or_absent), resource_keys, resource_keys, instance_types,
       st.sets(st.sampled_from(["SM201", "SM202", "SM510", "SM206"])),
       st.sampled_from(["low", "medium", "high"]))
def test_what_the_guard_lets_through_satisfies_every_non_waived_rule(
    fields: dict[str, Any], volume_key: Any, output_key: Any, instance: str, waived: set[str], block_at: str
) -> None:
    import attrs

    policy = attrs.evolve(POLICY, waivers={w: "generated" for w in waived}, block_at=block_at)
    params = training()
    for k, v in fields.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = v
    params["ResourceConfig"] = {"InstanceType": instance, "InstanceCount": 1, "VolumeSizeInGB": 30}
    if volume_key is not None:
        params["ResourceConfig"]["VolumeKmsKeyId"] = volume_key
    params["OutputDataConfig"] = {"S3OutputPath": f"s3://{BUCKET}/o"}
    if output_key is not None:
        params["OutputDataConfig"]["KmsKeyId"] = output_key
    wire = _PROPERTY_WIRE
    wire.sent.clear()
    client = ss.protect(_PROPERTY_CLIENT, policy)  # protect() again replaces the policy
    try:
        client.create_training_job(**json.loads(json.dumps(params)))
    except ss.InsecureRequestError as err:
        assert wire.sent == [] and err.findings
        return
    except Exception:  # botocore's own validation refused a wrong type: nothing sent either
        assert wire.sent == []
        return
    (_, sent), = wire.sent
    failing = [f for f in ss.evaluate("CreateTrainingJob", sent, policy, region="us-east-1")
               if f.status == "fail" and f.severity >= policy.block_at]
    assert failing == []


def test_operation_names_shared_by_two_services_are_judged_by_their_own_rules() -> None:
    wire = Wire()
    s3 = wire.attach(ss.protect(make_client("s3"), POLICY))
    # a bucket outside the policy's artifact buckets: SM408 does not apply, and the
    # account-level rule SM409 (s3control) must not judge a bucket-level call
    s3.put_public_access_block(Bucket="scratch-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    assert len(wire.sent) == 1
    with pytest.raises(ss.InsecureRequestError) as info:
        s3.put_public_access_block(Bucket="ml-artifacts-bucket", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    assert [f.rule_id for f in info.value.findings] == ["SM408"]


def test_sessions_that_wrapped_create_client_before_install_are_covered() -> None:
    session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b",
                                    region_name="us-east-1")
    core = session._session
    bound = core.create_client  # e.g. an emulator helper or a library wrapping it early
    core.create_client = lambda *a, **kw: bound(*a, **kw)
    ss.install(POLICY)
    client = session.client("sagemaker", endpoint_url="https://sagemaker.invalid")
    with pytest.raises(ss.InsecureRequestError):
        client.create_model(ModelName="m", ExecutionRoleArn=ROLE, EnableNetworkIsolation=False)


class _Hostile(dict):  # type: ignore[type-arg]
    """A mapping that breaks whoever walks it (as a buggy caller's object might)."""

    def items(self) -> Any:
        raise RuntimeError("boom")

    def values(self) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Any:
        raise RuntimeError("boom")


def test_a_crash_while_judging_is_refused_as_sm002_never_another_exception() -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    with pytest.raises(ss.InsecureRequestError) as info:
        client.create_training_job(TrainingJobName="t", Environment=_Hostile(a="b"))
    assert [f.rule_id for f in info.value.findings] == ["SM002"]
    assert "RuntimeError" in str(info.value) and "boom" not in str(info.value)
    assert wire.sent == []


def test_an_unknown_operation_is_refused_and_warn_mode_sends_it(caplog: Any) -> None:
    wire = Wire()
    client = wire.attach(ss.protect(make_client(), POLICY))
    with pytest.raises(ss.InsecureRequestError, match="SM000"):
        client.delete_model_card(ModelCardName="h")
    assert wire.sent == []
    ss.protect(client, attrs.evolve(POLICY, mode="warn"))
    client.delete_model_card(ModelCardName="h")
    assert [op for op, _ in wire.sent] == ["DeleteModelCard"]
    assert "SM000" in caplog.text
