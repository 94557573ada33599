"""SecretClient against a moto server over real HTTP: caching (API calls counted at
the wire), 32 threads, errors naming the secret, creation and rotation through the
guard, check() findings, run-time resolution of references, and the no-leak
property with every logger captured at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import ssl
import subprocess
import sys
import threading
import traceback
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.exceptions
import pytest
from moto.server import ThreadedMotoServer

import secure_sagemaker as ss
from secure_sagemaker._aws.redact import BOTOCORE_LOGGERS, SecretRedactingFilter
from secure_sagemaker.exceptions import SecretFormatError
from secure_sagemaker.secrets import (
    SecretClient,
    SecretRef,
    resolve_environment,
)
from secure_sagemaker.testing import EmbeddedAWS, capture_requests

pytestmark = pytest.mark.e2e

VALUE = "pa55-WORD-7f3c9a"  # the secret every leak test looks for
JSON_VALUE = {"user": "app", "password": "js0n-PASS-81d2e4", "port": 5432}
BINARY = b"\x00bin-SECRET-4b1e\xff"
NEEDLES = (VALUE, "js0n-PASS-81d2e4", "bin-SECRET-4b1e", "YmluLVNFQ1JFVC00YjFl")


@pytest.fixture(scope="module")
def endpoint(aws: EmbeddedAWS) -> str:
    """The shared embedded emulator (HTTPS on loopback); its env is in os.environ."""
    return aws.endpoint_url


@pytest.fixture(scope="module")
def key_arn(endpoint: str) -> str:
    return str(boto3.client("kms").create_key()["KeyMetadata"]["Arn"])


@pytest.fixture(scope="module")
def policy(key_arn: str) -> ss.SecurityPolicy:
    return ss.SecurityPolicy(kms_key_id=key_arn)


@pytest.fixture
def name() -> str:
    return f"test/{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sm(endpoint: str) -> Any:
    return boto3.client("secretsmanager")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Wire:
    """HTTP requests sent by one client, per operation (``capture_requests``)."""

    def __init__(self, client: Any) -> None:
        self._cm = capture_requests(client)
        self.capture = self._cm.__enter__()  # observed for the client's lifetime

    def count(self, op: str) -> int:
        return self.capture.sent_operations.count(op)


def make(policy: ss.SecurityPolicy | None = None, **kwargs: Any) -> tuple[SecretClient, Wire]:
    client = SecretClient(session=boto3.Session(), policy=policy, **kwargs)
    return client, Wire(client.client)


# --------------------------------------------------------------------------- caching


def test_gets_are_served_from_the_cache_until_the_ttl(sm: Any, name: str) -> None:
    sm.create_secret(Name=name, SecretString=VALUE)
    clock = Clock()
    secrets, wire = make(ttl=60, clock=clock)
    values = [secrets.get(name) for _ in range(1000)]
    assert all(v.reveal() == VALUE for v in values)
    assert wire.count("GetSecretValue") == 1
    sm.put_secret_value(SecretId=name, SecretString="rotated-value")
    clock.now += 59
    assert secrets.get(name).reveal() == VALUE  # still cached
    clock.now += 1
    assert secrets.get(name).reveal() == "rotated-value"
    assert wire.count("GetSecretValue") == 2


def test_refresh_fetches_now_and_stages_are_cached_apart(sm: Any, name: str) -> None:
    sm.create_secret(Name=name, SecretString="v1")
    sm.put_secret_value(SecretId=name, SecretString="v2")
    secrets, wire = make(ttl=3600)
    assert secrets.get(name).reveal() == "v2"
    assert secrets.get(name, "AWSPREVIOUS").reveal() == "v1"
    sm.put_secret_value(SecretId=name, SecretString="v3")
    assert secrets.get(name).reveal() == "v2"
    assert secrets.refresh(name).reveal() == "v3"
    assert secrets.get(name, "AWSPREVIOUS").reveal() == "v2"  # refresh dropped every stage
    assert wire.count("GetSecretValue") == 4


def test_32_threads_make_one_call_per_secret(sm: Any) -> None:
    names = [f"test/threads-{uuid.uuid4().hex[:8]}-{i}" for i in range(4)]
    for i, n in enumerate(names):
        sm.create_secret(Name=n, SecretString=f"value-{i}")
    secrets, wire = make(ttl=3600)
    barrier = threading.Barrier(32)
    errors: list[BaseException] = []
    seen: list[tuple[str, str]] = []

    def work(t: int) -> None:
        try:
            barrier.wait(10)
            for j in range(50):
                n = names[(t + j) % 4]
                seen.append((n, secrets.get(n).reveal()))
        except BaseException as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(seen) == 32 * 50
    assert all(value == f"value-{names.index(n)}" for n, value in seen)
    assert wire.count("GetSecretValue") == 4


def test_stale_value_is_served_only_within_the_grace_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    session = boto3.Session()
    clock = Clock()
    try:
        plain = session.client("secretsmanager", endpoint_url=f"http://{host}:{port}")
        plain.create_secret(Name="flaky", SecretString=VALUE)
        secrets = SecretClient(session=session, ttl=10, stale_grace=30, clock=clock)
        secrets._client = plain  # same server as the secret
        assert secrets.get("flaky").reveal() == VALUE
    finally:
        server.stop()
    clock.now += 20  # expired 10 s ago; the server is gone
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker.secrets"):
        assert secrets.get("flaky").reveal() == VALUE
    assert "'flaky'" in caplog.text and "transient" in caplog.text
    assert VALUE not in caplog.text
    clock.now += 25  # 35 s past the ttl: beyond the 30 s grace
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        secrets.get("flaky")


# --------------------------------------------------------------------------- errors


def test_unknown_secret_and_stage_are_clear_errors(name: str, sm: Any) -> None:
    secrets, _ = make()
    with pytest.raises(ss.SecretNotFoundError, match=f"'{name}' does not exist"):
        secrets.get(name)
    sm.create_secret(Name=name, SecretString=VALUE)
    with pytest.raises(ss.SecretNotFoundError, match="labelled AWSPREVIOUS"):
        secrets.get(name, "AWSPREVIOUS")


def test_deleted_secret_is_never_served_from_the_cache(sm: Any, name: str) -> None:
    sm.create_secret(Name=name, SecretString=VALUE)
    clock = Clock()
    secrets, _ = make(ttl=10, stale_grace=3600, clock=clock)
    secrets.get(name)
    sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    clock.now += 11
    with pytest.raises(ss.SecretNotFoundError, match="scheduled for deletion") as info:
        secrets.get(name)
    assert name in str(info.value) and VALUE not in str(info.value)
    sm.restore_secret(SecretId=name)
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(ss.SecretNotFoundError, match="does not exist"):
        secrets.get(name)


def test_get_json_and_references(sm: Any, name: str) -> None:
    sm.create_secret(Name=name, SecretString=json.dumps(JSON_VALUE))
    secrets, wire = make()
    creds = secrets.get_json(name)
    assert creds["password"].reveal() == JSON_VALUE["password"]
    assert creds["port"].reveal() == "5432"
    assert secrets.resolve(SecretRef(name, key="user")).reveal() == "app"
    assert secrets.resolve(f"secretsmanager:{name}").reveal() == json.dumps(JSON_VALUE)
    assert wire.count("GetSecretValue") == 1
    with pytest.raises(ss.SecretNotFoundError, match="no JSON key 'nope'"):
        secrets.resolve(SecretRef(name, key="nope"))
    plain = f"{name}-plain"
    sm.create_secret(Name=plain, SecretString=VALUE)
    with pytest.raises(SecretFormatError, match="not a JSON object"):
        secrets.get_json(plain)


# --------------------------------------------------------------------------- create / rotate / check


def test_create_requires_a_customer_key_and_sends_nothing_without_one(
    sm: Any, name: str, key_arn: str
) -> None:
    secrets, wire = make(policy=ss.SecurityPolicy())
    with pytest.raises(ss.InsecureRequestError, match="SM501") as info:
        secrets.create(name, VALUE)
    assert VALUE not in str(info.value)
    assert wire.count("CreateSecret") == 0
    arn = secrets.create(name, VALUE, kms_key_id=key_arn, tags={"team": "ml"})
    assert sm.describe_secret(SecretId=arn)["KmsKeyId"] == key_arn
    assert secrets.get(name).reveal() == VALUE


def test_create_fills_the_policy_key_and_stores_json_and_binary(
    sm: Any, name: str, policy: ss.SecurityPolicy, key_arn: str
) -> None:
    secrets, _ = make(policy=policy)
    secrets.create(name, JSON_VALUE)
    secrets.create(f"{name}-bin", BINARY)
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == key_arn
    assert secrets.get_json(name).reveal() == JSON_VALUE
    assert secrets.get(f"{name}-bin").reveal_bytes() == BINARY
    with pytest.raises(TypeError) as info:
        secrets.create(f"{name}-bad", 12345)  # type: ignore[arg-type]
    assert "12345" not in str(info.value)


@pytest.fixture(scope="module")
def rotation_lambda(aws: EmbeddedAWS, endpoint: str) -> Iterator[str]:
    """A Lambda in moto's docker-free backend (it records invocations, runs nothing)."""

    tls = ssl.create_default_context(cafile=aws.ca_bundle) if aws.ca_bundle else None

    def config(use_docker: bool) -> None:
        body = json.dumps({"lambda": {"use_docker": use_docker}}).encode()
        url = f"{endpoint}/moto-api/config"  # the loopback emulator
        req = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
        urllib.request.urlopen(req, timeout=10, context=tls).close()  # noqa: S310

    config(False)
    role = boto3.client("iam").create_role(
        RoleName=f"rotator-{uuid.uuid4().hex[:6]}",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return None\n")
    arn = boto3.client("lambda").create_function(
        FunctionName=f"rotator-{uuid.uuid4().hex[:6]}",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    yield str(arn)
    config(True)


def test_ensure_rotation_is_guarded_and_idempotent(
    sm: Any, name: str, policy: ss.SecurityPolicy, rotation_lambda: str
) -> None:
    secrets, wire = make(policy=policy)
    secrets.create(name, VALUE)
    with pytest.raises(ValueError, match="SM502"):
        secrets.ensure_rotation(name, rotation_lambda, days=91)
    assert wire.count("RotateSecret") == 0
    assert secrets.ensure_rotation(name, rotation_lambda, days=30) is True
    desc = sm.describe_secret(SecretId=name)
    assert desc["RotationEnabled"] and desc["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert secrets.ensure_rotation(name, rotation_lambda, days=30) is False
    assert wire.count("RotateSecret") == 1
    with pytest.raises(ss.SecretNotFoundError):
        secrets.ensure_rotation(f"{name}-missing", rotation_lambda, days=30)
    # the guard judges RotateSecret too: a raw call with a long period is refused unsent
    with pytest.raises(ss.InsecureRequestError, match="SM502"):
        secrets.client.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": 365})
    assert wire.count("RotateSecret") == 1


def test_check_reports_every_concern_as_findings(
    sm: Any, name: str, policy: ss.SecurityPolicy, key_arn: str, rotation_lambda: str
) -> None:
    bare = f"{name}-bare"
    sm.create_secret(Name=bare, SecretString=VALUE)
    secrets, wire = make(policy=policy)
    findings = {f.rule_id: f for f in secrets.check(bare)}
    assert set(findings) == {"SM501", "SM502", "SM503", "SM504"}
    assert findings["SM501"].status == "fail" and findings["SM502"].status == "fail"
    assert findings["SM503"].status == "pass" and findings["SM504"].status == "pass"  # new
    f = findings["SM501"]
    assert f.resource.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:")
    assert (f.resource_type, f.region, f.account) == (
        "AWS::SecretsManager::Secret",
        "us-east-1",
        "123456789012",
    )
    assert f.field == "KmsKeyId" and f.remediation

    secrets.create(name, VALUE)
    secrets.ensure_rotation(name, rotation_lambda, days=30)
    assert all(f.status == "pass" for f in secrets.check(name))
    later = datetime.now(timezone.utc) + timedelta(days=120)
    stale = {f.rule_id: f for f in secrets.check(name, now=later)}
    assert stale["SM503"].status == "fail" and "days ago (limit 90)" in stale["SM503"].message
    assert stale["SM504"].status == "fail"
    assert wire.count("GetSecretValue") == 0  # check() never reads the value

    waived = SecretClient(policy=ss.SecurityPolicy(waivers={"SM501": "legacy, owner, 2026-12"}))
    assert {f.rule_id: f.status for f in waived.check(bare)}["SM501"] == "waived"
    with pytest.raises(ss.SecretNotFoundError):
        secrets.check(f"{name}-missing")


# --------------------------------------------------------------------------- resolution in the container


def test_resolve_environment_replaces_references_only(sm: Any, name: str) -> None:
    arn = sm.create_secret(Name=name, SecretString=json.dumps(JSON_VALUE))["ARN"]
    sm.create_secret(Name=f"{name}-plain", SecretString=VALUE)
    client = boto3.client("secretsmanager")
    wire = Wire(client)
    env = {
        "DB_PASSWORD": f"secretsmanager:{name}#password",
        "DB_PORT": f"secretsmanager:{arn}#port",
        "TOKEN": f"secretsmanager:{name}-plain",
        "PLAIN": "not a reference",
    }
    out = resolve_environment(env, client=client)
    assert out == {
        "DB_PASSWORD": JSON_VALUE["password"],
        "DB_PORT": "5432",
        "TOKEN": VALUE,
        "PLAIN": "not a reference",
    }
    assert wire.count("GetSecretValue") == 3  # by name and by ARN are two fetches
    with pytest.raises(ss.SecretNotFoundError, match="MISSING_ONE: secret 'nope'") as info:
        resolve_environment({"MISSING_ONE": "secretsmanager:nope"}, client=client)
    with pytest.raises(ss.SecretNotFoundError, match="no JSON key 'x'"):
        resolve_environment({"K": f"secretsmanager:{name}#x"}, client=client)
    with pytest.raises(SecretFormatError, match="not a JSON object"):
        resolve_environment({"K": f"secretsmanager:{name}-plain#x"}, client=client)
    assert VALUE not in str(info.value)


def test_resolve_entry_point_execs_the_command_with_values(sm: Any, name: str) -> None:
    sm.create_secret(Name=name, SecretString=VALUE)
    env = {**os.environ, "TOKEN": f"secretsmanager:{name}"}
    check = f"import os, sys; sys.exit(0 if os.environ['TOKEN'] == {VALUE!r} else 3)"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "secure_sagemaker.secrets",
            "resolve",
            "--",
            sys.executable,
            "-c",
            check,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert VALUE not in done.stdout + done.stderr
    env["TOKEN"] = "secretsmanager:does-not-exist"
    failed = subprocess.run(
        [sys.executable, "-m", "secure_sagemaker.secrets", "resolve", "--", "true"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == 1 and "TOKEN: secret 'does-not-exist'" in failed.stderr


# --------------------------------------------------------------------------- no leaks


@pytest.fixture
def all_logs() -> Iterator[io.StringIO]:
    """Every log record of every logger, at DEBUG, formatted with its logger name."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old = root.level
    levels = {n: logging.getLogger(n).level for n in logging.root.manager.loggerDict}
    for n in levels:
        logging.getLogger(n).setLevel(logging.NOTSET)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


def _leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


def _exc_text(err: BaseException) -> str:
    return "".join(traceback.format_exception(type(err), err, err.__traceback__)) + repr(err)


def test_capture_sees_botocore_bodies_without_the_filter(
    sm: Any, name: str, all_logs: io.StringIO
) -> None:
    """Control: with the filter removed, the same capture does catch the value, so
    the no-leak test below can fail."""
    SecretClient()  # installs the filter
    for logger_name in BOTOCORE_LOGGERS:
        lg = logging.getLogger(logger_name)
        saved = [f for f in lg.filters if isinstance(f, SecretRedactingFilter)]
        for f in saved:
            lg.removeFilter(f)
    try:
        sm.create_secret(Name=name, SecretString=VALUE)
        sm.get_secret_value(SecretId=name)
    finally:
        for logger_name in BOTOCORE_LOGGERS:
            logging.getLogger(logger_name).addFilter(saved[0] if saved else SecretRedactingFilter())
    assert VALUE in all_logs.getvalue()
    assert "Response body" in all_logs.getvalue()


def test_no_secret_value_reaches_logs_reprs_errors_or_findings(
    name: str, policy: ss.SecurityPolicy, rotation_lambda: str, all_logs: io.StringIO
) -> None:
    secrets = SecretClient(policy=policy, ttl=0)  # ttl 0: every get goes to the wire
    raw = boto3.client("secretsmanager")  # a plain client, created after the filter
    texts: list[str] = []

    secrets.create(name, VALUE)
    secrets.create(f"{name}-json", JSON_VALUE)
    secrets.create(f"{name}-bin", BINARY)
    raw.put_secret_value(SecretId=name, SecretString=VALUE)
    raw.get_secret_value(SecretId=name)
    raw.batch_get_secret_value(SecretIdList=[name, f"{name}-json"])
    raw.get_random_password(PasswordLength=20)
    value, creds, binary = (
        secrets.get(name),
        secrets.get_json(f"{name}-json"),
        secrets.get(f"{name}-bin"),
    )
    assert value.reveal() == VALUE and binary.reveal_bytes() == BINARY  # the values are real
    secrets.refresh(name)
    texts.append(repr(resolve_environment({"T": f"secretsmanager:{name}"}, client=raw).keys()))
    secrets.ensure_rotation(name, rotation_lambda, days=30, rotate_immediately=False)
    findings = secrets.check(name)
    texts += [
        repr(value),
        str(value),
        f"{value}",
        repr(creds),
        str(creds),
        repr(binary),
        repr(secrets),
        repr(findings),
        json.dumps([f.to_dict() for f in findings]),
    ]
    texts += [repr(SecretRef(name, key="password")), str(SecretRef(name, key="password"))]

    failing = [
        lambda: pickle.dumps(value),
        lambda: pickle.dumps(creds),
        lambda: secrets.get_json(name),  # not JSON: the error must not quote it
        lambda: secrets.resolve(SecretRef(f"{name}-json", key="absent")),
        lambda: secrets.create(f"{name}-x", VALUE, kms_key_id="alias/aws/secretsmanager"),
        lambda: secrets.create(name, VALUE),  # exists already
        lambda: secrets.get(f"{name}-missing"),
        lambda: binary.reveal(),
        lambda: resolve_environment({"T": f"secretsmanager:{name}#k"}, client=raw),
    ]
    for call in failing:
        with pytest.raises(Exception) as info:  # any error: its text is what matters
            call()
        texts.append(_exc_text(info.value))

    logs = all_logs.getvalue()
    assert "botocore.parsers DEBUG Response body" in logs  # botocore's DEBUG output was captured
    assert "<redacted>" in logs
    assert _leaks(logs) == []
    for text in texts:
        assert _leaks(text) == [], text[:200]
