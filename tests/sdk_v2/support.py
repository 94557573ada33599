"""What the SageMaker SDK suites (tests/sdk_v2, tests/sdk_v3) share.

Each suite runs in its own virtualenv (``bash scripts/sdk-venv.sh v2|v3``) because
SDK 2.x and 3.x cannot be installed together.  Its ``conftest.py``:

* ignores its test files unless the installed ``sagemaker`` has the suite's major
  version (:func:`configure`), so the main suite never collects them;
* sets the SDK's environment (:data:`SDK_ENV`) before any test module imports
  ``sagemaker`` - SDK 3.x creates boto3 clients at import time;
* records every request the emulator *receives* (:class:`Received`, moto's request
  recorder), so "nothing was sent" and "what was sent" are judged at the server,
  whichever client the SDK used.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import logging
import os
import shutil
import ssl
import tempfile
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import secure_sagemaker as ss

HERE = Path(__file__).resolve().parent

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
SUBNET = "subnet-0123456789abcdef0"
SG = "sg-0123456789abcdef0"
OTHER_SUBNET = "subnet-0fedcba9876543210"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sdk-test-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/img:1"
BUCKET = "sdk-test-artifacts"
PASSWORD = "hunter2-correct-horse-battery"
AWS_MANAGED_KEY = "alias/aws/s3"

POLICY = ss.SecurityPolicy(
    subnets=[SUBNET],
    security_group_ids=[SG],
    kms_key_id=KEY,
    artifact_buckets=[BUCKET],  # endpoint data capture goes here
)

# parameter values a refusal, its repr or our log records must never contain
VALUES = (PASSWORD, OTHER_SUBNET, ROLE, IMAGE, BUCKET, AWS_MANAGED_KEY)

# the SDK's environment: telemetry opted out through its user config file, fake
# credentials, one region, no role validation (3.x), no 2.x deprecation banner
SDK_ENV = {
    "SAGEMAKER_USER_CONFIG_OVERRIDE": str(HERE / "sagemaker-config.yaml"),
    "SAGEMAKER_VALIDATE_ROLE": "false",
    "SAGEMAKER_SUPPRESS_V2_WARNING": "1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIASDKTESTSFAKE0000",
    "AWS_SECRET_ACCESS_KEY": "sdk-tests-fake-secret",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION")


def sagemaker_major() -> int | None:
    """The installed ``sagemaker`` distribution's major version, or ``None``."""
    try:
        return int(importlib.metadata.version("sagemaker").split(".", 1)[0])
    except importlib.metadata.PackageNotFoundError:
        return None


_recording_dir: Path | None = None


def configure(major: int) -> list[str]:
    """Called by a suite's conftest at import; returns its ``collect_ignore_glob``.

    With sagemaker ``major``.x installed, sets :data:`SDK_ENV` and moto's recorder
    file before any test module imports ``sagemaker`` or moto; otherwise ignores
    the suite's test files and changes nothing.
    """
    global _recording_dir
    if sagemaker_major() != major:
        return ["test_*.py"]
    if _recording_dir is None:
        _recording_dir = Path(tempfile.mkdtemp(prefix=f"sdk-v{major}-requests-"))
    check_each_schema_once()
    for name in CLEARED:
        os.environ.pop(name, None)
    os.environ.update(SDK_ENV)
    os.environ["MOTO_RECORDER_FILEPATH"] = str(_recording_dir / "requests.jsonl")
    return []


_checked_schemas: dict[int, Any] = {}


def check_each_schema_once() -> None:
    """Make ``jsonschema.validate`` check each schema against its meta-schema once per
    process instead of on every call; the instance is still validated every time.

    Both SDKs call ``jsonschema.validate(config, SCHEMA)`` on every config lookup
    (46 lookups for one PyTorch ``fit()``), and ``validate`` re-checks the SDK's own
    constant ``SCHEMA`` each time: 95% of the SDK suites' time (cProfile, one
    never-broken test: 31.7 s of 33.7 s).  The verdict on the instance is unchanged:
    the same validator class, the same ``best_match`` error."""
    import jsonschema
    from jsonschema import exceptions, validators

    if getattr(jsonschema.validate, "_checks_once", False):
        return

    def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        if cls is None:
            cls = validators.validator_for(schema)
        if _checked_schemas.get(id(schema)) is not schema:
            cls.check_schema(schema)
            _checked_schemas[id(schema)] = schema  # kept alive: the id is not reused
        error = exceptions.best_match(cls(schema, *args, **kwargs).iter_errors(instance))
        if error is not None:
            raise error

    validate._checks_once = True  # type: ignore[attr-defined]
    jsonschema.validate = validate  # the SDKs call it as jsonschema.validate(...)


def unconfigure() -> None:
    global _recording_dir
    if _recording_dir is not None:
        shutil.rmtree(_recording_dir, ignore_errors=True)
        _recording_dir = None


def not_collected(major: int) -> str:
    found = sagemaker_major()
    return (
        f"tests/sdk_v{major} not collected: they need sagemaker {major}.x "
        f"(found {'none' if found is None else f'{found}.x'}); run "
        f"`bash scripts/sdk-venv.sh v{major} && .venv-v{major}/bin/python -m pytest "
        f"tests/sdk_v{major}`"
    )


# --------------------------------------------------------------------------- received


class Received:
    """The requests the emulator received, read from moto's request recorder.

    ``operations()`` names them (``CreateTrainingJob`` from a JSON protocol's
    ``X-Amz-Target``; ``s3:PUT /bucket/key`` for REST), ``bodies(operation)``
    returns the JSON bodies moto parsed - the requests exactly as sent.
    """

    def __init__(self, endpoint: str, ca_bundle: str | None, recording: Path) -> None:
        self.endpoint = endpoint
        self.recording = recording
        self._context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
        from moto.moto_api import recorder

        # moto reads MOTO_RECORDER_FILEPATH when first imported; if something imported
        # it before configure() ran, point it at our file instead
        if Path(recorder._location) != recording:
            recorder._location = str(recording)

    def _post(self, path: str) -> None:
        request = urllib.request.Request(f"{self.endpoint}{path}", method="POST")  # noqa: S310
        with urllib.request.urlopen(request, context=self._context, timeout=30) as r:  # noqa: S310
            r.read()

    def start(self) -> None:
        self._post("/moto-api/recorder/start-recording")

    def clear(self) -> None:
        self._post("/moto-api/recorder/reset-recording")

    def _entries(self) -> Iterator[Mapping[str, Any]]:
        if not self.recording.exists():
            return
        for line in self.recording.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)

    @staticmethod
    def _operation(entry: Mapping[str, Any]) -> str:
        headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
        target = headers.get("x-amz-target")
        if target:
            return str(target).rsplit(".", 1)[-1]
        path = str(entry.get("url", "")).split("://", 1)[-1].split("/", 1)[-1]
        return f"s3:{entry.get('method')} /{path.split('?', 1)[0]}"

    def operations(self) -> list[str]:
        return [self._operation(e) for e in self._entries()]

    def bodies(self, operation: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in self._entries():
            if self._operation(entry) != operation:
                continue
            body = entry.get("body") or "{}"
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8")
            out.append(json.loads(body))
        return out

    def count(self, *operations: str) -> int:
        return sum(op in operations for op in self.operations())


# --------------------------------------------------------------------------- assertions


def assert_no_values(*texts: str) -> None:
    """None of :data:`VALUES` (password, subnet, role, image, bucket, key alias) occurs.

    A failure names the values' positions in :data:`VALUES`, never the values.
    """
    leaked = sorted({i for text in texts for i, value in enumerate(VALUES) if value in text})
    assert not leaked, f"VALUES{leaked} leaked into a refusal, its repr or our logs"


def reached_unchanged(sent: Any, expected: Any) -> None:
    """``sent == expected`` without the values in the assertion's explanation."""
    same = sent == expected
    assert same, "the request moto received differs from the one asked for"


def refusal_text(err: ss.InsecureRequestError, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Everything our code said about a refusal: message, repr, findings, our logs."""
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("secure_sagemaker")]
    return [str(err), repr(err), repr(err.findings), *ours]


def assert_refusal_quiet(err: ss.InsecureRequestError, caplog: pytest.LogCaptureFixture) -> None:
    """The refusal and our logs hold no parameter value, and botocore's DEBUG log of
    the test never saw the password (a refused request is never serialised)."""
    assert_no_values(*refusal_text(err, caplog))
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("botocore")]
    assert logged, "botocore DEBUG logging was not captured"
    leaked = any(PASSWORD in text for text in logged)
    assert not leaked, "the password reached botocore's DEBUG log"


def rule_ids(err: ss.InsecureRequestError) -> set[str]:
    return {f.rule_id for f in err.findings}


def secure_job_fields(request: Mapping[str, Any]) -> None:
    """A CreateTrainingJob request (or a pipeline step's Arguments) carries the policy."""
    assert request["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    assert request["EnableNetworkIsolation"] is True
    assert request["EnableInterContainerTrafficEncryption"] is True
    assert request["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert request["OutputDataConfig"]["KmsKeyId"] == KEY


# --------------------------------------------------------------------------- fixtures
# (imported by each suite's conftest)


@pytest.fixture(scope="session")
def received(aws: Any) -> Received:
    """Every request the session's emulator (tests/conftest.py ``aws``) receives."""
    assert _recording_dir is not None, "configure() did not run"
    rec = Received(aws.endpoint_url, aws.ca_bundle, _recording_dir / "requests.jsonl")
    rec.start()
    return rec


@pytest.fixture
def fresh(fresh_aws: Any, received: Received) -> Iterator[Received]:
    """A reset emulator with the artifact bucket, an empty recording; no guard after."""
    import boto3

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    assert received.operations(), "moto's request recorder is not recording"
    received.clear()
    yield received
    ss.uninstall()


@pytest.fixture
def guard(
    fresh: Received, caplog: pytest.LogCaptureFixture
) -> Callable[[ss.SecurityPolicy], ss.SecurityPolicy]:
    """``guard(policy)`` installs the guard process-wide; removed after the test.
    Our and botocore's loggers are captured at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="secure_sagemaker")
    caplog.set_level(logging.DEBUG, logger="botocore")
    return ss.install
