"""Fault injection: 20% of the audit's HTTP attempts fail with throttling or a 500.

botocore's adaptive retries and the tenacity policy must carry the audit through:
it finishes, every resource is assessed or marked ``error``, listed == assessed, and
the verdicts equal those of a fault-free run.  A call that keeps failing (access
denied) becomes ``error`` findings naming the cause, never a silent skip, and the
audit fails closed: exit 1 when some of it could not be assessed, 2 when none could.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit._render import not_assessed_summary
from secure_sagemaker.cli.audit import audit_exit_code
from secure_sagemaker.testing import EmbeddedAWS
from tests import test_audit_e2e as _e2e
from tests.test_audit_e2e import Seed

# the same seeded account and fault-free report, as this module's fixtures
seeded = _e2e.seeded
report = _e2e.report

pytestmark = pytest.mark.e2e

_JSON = {"sagemaker", "kms", "secrets-manager", "cloudtrail", "guardduty", "macie2", "api-gateway"}


class Faults:
    """A ``before-send`` handler failing a fraction of attempts, deterministically."""

    def __init__(self, rate: float, seed: int = 7) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def __call__(self, request: Any, event_name: str, **kw: Any) -> AWSResponse | None:
        service = event_name.split(".")[1]
        with self.lock:
            roll = self.rng.random()
            if roll >= self.rate:
                return None
            throttle = roll < self.rate / 2
            self.injected["throttle" if throttle else "500"] += 1
        if not throttle:
            return AWSResponse(request.url, 500, {}, _Raw(b""))
        if service in _JSON:
            body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
            return AWSResponse(
                request.url, 400, {"x-amzn-ErrorType": "ThrottlingException"}, _Raw(body)
            )
        if service in ("s3", "s3-control"):
            body = b"<Error><Code>SlowDown</Code><Message>Reduce rate</Message></Error>"
            return AWSResponse(request.url, 503, {}, _Raw(body))
        if service == "ec2":
            body = (
                b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>x"
                b"</Message></Error></Errors></Response>"
            )
            return AWSResponse(request.url, 503, {}, _Raw(body))
        body = (
            b"<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message>"
            b"</Error></ErrorResponse>"
        )
        return AWSResponse(request.url, 400, {}, _Raw(body))


class _Raw:
    """The raw-stream object AWSResponse reads its content from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kw: Any) -> Any:
        yield self._body


def _verdicts(report: AuditReport) -> set[tuple[str, str, str]]:
    return {(f.resource, f.rule_id, f.status) for f in report.findings}


def test_twenty_percent_faults_change_nothing(
    seeded: tuple[Any, Seed],
    report: AuditReport,
) -> None:
    session, seed = seeded
    faults = Faults(0.2)
    session.events.register("before-send", faults)
    try:
        faulty = audit(session, policy=seed.policy(), max_workers=8)
    finally:
        session.events.unregister("before-send", faults)
    assert sum(faults.injected.values()) >= 20, faults.injected
    assert faults.injected["throttle"] and faults.injected["500"]
    assert faulty.listed == faulty.assessed == report.listed
    errors = [f for f in faulty.findings if f.status == "error"]
    # rare: a call can fail every retry; then it is an error, never a wrong verdict
    assert {(r, i, s) for r, i, s in _verdicts(faulty) if s != "error"} <= _verdicts(report)
    assert len(errors) <= 3, [f.message for f in errors]
    for f in errors:
        assert "after retries" in f.message


def test_a_call_that_keeps_failing_becomes_error_findings(seeded: tuple[Any, Seed]) -> None:
    session, seed = seeded

    def deny(request: Any, **kw: Any) -> AWSResponse | None:
        if b"model-loose" not in (request.body or b""):
            return None
        body = b'{"__type":"AccessDeniedException","message":"no"}'
        return AWSResponse(
            request.url, 400, {"x-amzn-ErrorType": "AccessDeniedException"}, _Raw(body)
        )

    session.events.register("before-send.sagemaker.DescribeModel", deny)
    try:
        result = audit(session, policy=seed.policy(), services=["sagemaker"], max_workers=4)
    finally:
        session.events.unregister("before-send.sagemaker.DescribeModel", deny)
    assert result.listed == result.assessed
    model = [f for f in result.findings if f.resource.endswith("model/model-loose")]
    assert {f.rule_id for f in model} >= {"SM301", "SM302", "SM303"}
    assert all(f.status == "error" for f in model)
    assert all("access denied (AccessDeniedException)" in f.message for f in model)
    secure = [f for f in result.findings if f.resource.endswith("model/model-secure")]
    assert secure and all(f.status == "pass" for f in secure)
    # fail closed: the one unreadable model is counted, by cause
    assert result.not_assessed() == {"access denied (AccessDeniedException)": len(model)}
    assert not result.nothing_assessed
    assert not_assessed_summary(result) == (
        f"{len(model)} not assessed on 1 resource(s): "
        f"{len(model)} access denied (AccessDeniedException)"
    )


def test_a_fault_free_audit_assesses_everything(report: AuditReport) -> None:
    assert report.not_assessed() == {} and not report.nothing_assessed
    assert report.inventories > 0


class Deny:
    """A ``before-send`` handler answering every call but STS with access denied,
    in each protocol's error format."""

    def __init__(self) -> None:
        self.denied: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: Any, event_name: str, **kw: Any) -> AWSResponse | None:
        service = event_name.split(".")[1]
        if service == "sts":
            return None
        with self.lock:
            self.denied[service] += 1
        if service in _JSON:
            body = b'{"__type":"AccessDeniedException","message":"User: arn:aws:iam::x"}'
            headers = {"x-amzn-ErrorType": "AccessDeniedException"}
            return AWSResponse(request.url, 400, headers, _Raw(body))
        if service in ("s3", "s3-control"):
            body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            return AWSResponse(request.url, 403, {}, _Raw(body))
        if service == "ec2":
            body = (
                b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>x"
                b"</Message></Error></Errors></Response>"
            )
            return AWSResponse(request.url, 403, {}, _Raw(body))
        body = (
            b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>x</Message>"
            b"</Error></ErrorResponse>"
        )
        return AWSResponse(request.url, 403, {}, _Raw(body))


def test_every_call_denied_means_nothing_was_assessed(aws: EmbeddedAWS) -> None:
    session = aws.session()  # no stubs: every SageMaker call goes to the wire
    deny = Deny()
    session.events.register("before-send", deny)
    try:
        result = audit(session, max_workers=8)
    finally:
        session.events.unregister("before-send", deny)
    assert {"sagemaker", "kms", "secrets-manager", "cloudtrail"} <= set(deny.denied)
    errors = result.counts()["error"]
    assert errors > 0 and errors == len(result.findings)
    assert result.inventories == 0 and result.nothing_assessed
    assert set(result.not_assessed()) == {"access denied (AccessDeniedException)"} | (
        {"access denied (AccessDenied)"}  # S3 Control, when the account block is read
        if "s3-control" in deny.denied
        else set()
    )
    assert sum(result.not_assessed().values()) == errors
    assert audit_exit_code(result, "critical") == 2
    assert audit_exit_code(result, "critical", allow_errors=True) == 2
