"""Secrets: values, references, the redacting log filter, the cache and the audit
checks - everything that needs no AWS."""

from __future__ import annotations

import copy
import io
import json
import logging
import pickle
import threading
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.exceptions
import pytest

from secure_sagemaker._aws.redact import SecretRedactingFilter, install_botocore_filter, redact
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.exceptions import SecretFormatError
from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.rules import MISSING, Context
from secure_sagemaker.scan import is_secret_reference
from secure_sagemaker.secrets import SecretMapping, SecretRef, SecretValue
from secure_sagemaker.secrets._cache import TTLCache

VALUE = "pa55-WORD-7f3c9a"


def _all_text(err: BaseException) -> str:
    return "".join(traceback.format_exception(type(err), err, err.__traceback__)) + repr(err.args)


# --------------------------------------------------------------------------- SecretValue


def test_secret_value_is_redacted_in_every_text_form() -> None:
    v = SecretValue(VALUE, name="db")
    forms = [
        repr(v),
        str(v),
        f"{v}",
        f"{v!r}",
        f"{v:>30}",
        "%s" % v,  # noqa: UP031 - logging formats with %
        "%r" % (v,),  # noqa: UP031
        "{}".format(v),  # noqa: UP032 - str.format is another path
        repr([v]),
        repr({"k": v}),
    ]
    for text in forms:
        assert VALUE not in text
    assert repr(v) == "SecretValue(name='db', value=<redacted>)"
    assert v.reveal() == VALUE and v.reveal_bytes() == VALUE.encode()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_secret_value_refuses_to_be_pickled(protocol: int) -> None:
    with pytest.raises(TypeError, match="refuses to be pickled") as info:
        pickle.dumps(SecretValue(VALUE, name="db"), protocol=protocol)
    assert VALUE not in _all_text(info.value)


def test_secret_value_copies_are_the_same_immutable_object() -> None:
    v = SecretValue(VALUE)
    assert copy.copy(v) is v and copy.deepcopy({"a": [v]})["a"][0] is v
    with pytest.raises(AttributeError):
        v._value = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(v)


def test_secret_value_equality_and_binary() -> None:
    assert SecretValue("a") == SecretValue(b"a") and SecretValue("a") != SecretValue("b")
    assert SecretValue("a") != "a"
    binary = SecretValue(b"\xff\x00", name="cert")
    assert binary.is_binary and binary.reveal_bytes() == b"\xff\x00"
    with pytest.raises(SecretFormatError, match="'cert' is binary"):
        binary.reveal()
    with pytest.raises(TypeError) as info:
        json.dumps({"v": SecretValue(VALUE)})
    assert VALUE not in str(info.value)


def test_secret_mapping_keeps_fields_redacted() -> None:
    doc = {"user": "app", "password": VALUE, "port": 5432, "tls": True}
    creds = SecretMapping.parse(SecretValue(json.dumps(doc), name="db"))
    assert repr(creds) == "SecretMapping(name='db', keys=['password', 'port', 'tls', 'user'])"
    assert VALUE not in f"{creds} {creds!r} {dict(creds)} {list(creds.values())}"
    assert isinstance(creds["password"], SecretValue)
    assert creds["password"].name == "db#password"
    assert creds["password"].reveal() == VALUE
    assert creds["port"].reveal() == "5432" and creds["tls"].reveal() == "true"
    assert creds.reveal() == doc
    assert copy.deepcopy(creds) is creds
    with pytest.raises(TypeError, match="refuses to be pickled"):
        pickle.dumps(creds)


@pytest.mark.parametrize("text", [VALUE, f'["{VALUE}"]', f'{{"a": "{VALUE}"'])
def test_secret_mapping_rejects_non_objects_without_quoting(text: str) -> None:
    with pytest.raises(SecretFormatError, match="'db' is not a JSON object") as info:
        SecretMapping.parse(SecretValue(text, name="db"))
    assert VALUE not in _all_text(info.value)
    assert info.value.__context__ is None  # the decoder error (holding the text) is not kept


# --------------------------------------------------------------------------- SecretRef


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (SecretRef("prod/db"), "secretsmanager:prod/db"),
        (SecretRef("prod/db", key="password"), "secretsmanager:prod/db#password"),
        (
            SecretRef(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf", key="k"
            ),
            "secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf#k",
        ),
    ],
)
def test_secret_ref_string_form_is_a_recognised_reference(ref: SecretRef, text: str) -> None:
    assert str(ref) == text
    assert is_secret_reference(text)
    assert SecretRef.parse(text) == ref
    assert hash(ref) == hash(SecretRef.parse(text))  # frozen value


@pytest.mark.parametrize("bad", ["", "has space", "a#b", "x" * 513, "arn:aws:s3:::bucket"])
def test_secret_ref_rejects_malformed_names_without_echoing(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        SecretRef(bad)
    if bad:
        assert bad not in str(info.value)


def test_secret_ref_parse_rejects_non_references() -> None:
    with pytest.raises(ValueError, match="not a secret reference"):
        SecretRef.parse(VALUE)
    with pytest.raises(ValueError):
        SecretRef.parse("secretsmanager:db#")
    with pytest.raises(ValueError):
        SecretRef("db", key="")


# --------------------------------------------------------------------------- log filter


def _record(msg: str, args: Any) -> logging.LogRecord:
    return logging.LogRecord("botocore.parsers", logging.DEBUG, __file__, 1, msg, args, None)


def test_redact_replaces_secret_fields_in_bodies_and_mappings() -> None:
    body = json.dumps({"Name": "db", "SecretString": VALUE, "Nested": [{"SecretBinary": "eA=="}]})
    request = {"url_path": "/", "body": body.encode(), "headers": {"X-Amz-Target": "x"}}
    out = redact(request)
    assert VALUE not in repr(out) and b"eA==" not in out["body"]
    assert json.loads(out["body"])["Name"] == "db"
    assert redact("no secrets here") == "no secrets here"
    assert VALUE not in str(redact(f"SecretString={VALUE} (not JSON)"))


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("Response body:\n%r", (json.dumps({"SecretString": VALUE, "Name": "db"}).encode(),)),
        ("Making request with params: %s", ({"body": json.dumps({"SecretString": VALUE})},)),
        (f'preformatted {{"SecretString": "{VALUE}"}}', None),
        ("escaped %r", (json.dumps({"SecretString": 'a\\"' + VALUE}).encode(),)),
        ("mapping %(body)s", ({"body": {"RandomPassword": VALUE}},)),
        ("cannot format %s %s", (f"SecretString {VALUE}",)),
    ],
)
def test_filter_rewrites_records_that_carry_a_secret(msg: str, args: Any) -> None:
    record = _record(msg, args)
    assert SecretRedactingFilter().filter(record) is True
    text = record.getMessage()
    assert VALUE not in text
    assert "<redacted>" in text


def test_filter_leaves_other_records_alone_and_installs_once() -> None:
    record = _record("Response headers: %r (%d)", ({"x": "1"}, 1))
    SecretRedactingFilter().filter(record)
    assert record.args == ({"x": "1"}, 1)  # untouched
    install_botocore_filter()
    install_botocore_filter()
    filters = logging.getLogger("botocore.parsers").filters
    assert sum(isinstance(f, SecretRedactingFilter) for f in filters) == 1


def test_filter_applies_before_ancestor_handlers() -> None:
    install_botocore_filter()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        logging.getLogger("botocore.endpoint").debug(
            "params: %s", {"body": {"SecretString": VALUE}}
        )
        logging.getLogger("unfiltered.logger").debug("control %s", VALUE)
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    lines = stream.getvalue().splitlines()
    assert VALUE not in lines[0] and "<redacted>" in lines[0]
    assert VALUE in lines[1]  # the capture does see values that are not filtered


# --------------------------------------------------------------------------- cache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None

    def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return f"v{self.calls}"


DOWN = botocore.exceptions.EndpointConnectionError(endpoint_url="https://127.0.0.1:9")


def test_cache_serves_fresh_values_and_reloads_after_ttl() -> None:
    clock, load = Clock(), Loader()
    cache: TTLCache[str, str] = TTLCache(ttl=10, max_entries=4, stale_grace=5, clock=clock)
    assert [cache.get("a", load) for _ in range(100)] == ["v1"] * 100
    clock.now += 10
    assert cache.get("a", load) == "v2" and load.calls == 2


def test_cache_serves_stale_within_grace_only_for_transient_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, load = Clock(), Loader()
    cache: TTLCache[str, str] = TTLCache(
        ttl=10, max_entries=4, stale_grace=5, retry_after=1, clock=clock
    )
    cache.get("a", load, label="'db'")
    load.error = DOWN
    clock.now += 12  # expired 2 s ago: within the 5 s grace
    with caplog.at_level(logging.WARNING, logger="secure_sagemaker.secrets"):
        assert cache.get("a", load, label="'db'") == "v1"
    assert "'db'" in caplog.text and "EndpointConnectionError" in caplog.text
    calls = load.calls
    assert cache.get("a", load) == "v1" and load.calls == calls  # waits retry_after
    clock.now += 4  # 6 s past ttl: outside the grace
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        cache.get("a", load)
    load.error = None
    assert cache.get("a", load).startswith("v")


def test_cache_never_serves_stale_after_a_non_transient_error() -> None:
    clock, load = Clock(), Loader()
    cache: TTLCache[str, str] = TTLCache(ttl=10, max_entries=4, stale_grace=100, clock=clock)
    cache.get("a", load)
    load.error = LookupError("deleted")
    clock.now += 11
    with pytest.raises(LookupError):
        cache.get("a", load)
    assert len(cache) == 0


def test_cache_single_flight_and_lru_bound() -> None:
    clock, load = Clock(), Loader()
    gate = threading.Event()

    def slow() -> str:
        gate.wait(5)
        return load()

    cache: TTLCache[str, str] = TTLCache(ttl=10, max_entries=2, stale_grace=0, clock=clock)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("a", slow))) for _ in range(16)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert results == ["v1"] * 16 and load.calls == 1
    cache.get("b", load)
    cache.get("c", load)
    assert len(cache) == 2
    before = load.calls
    cache.get("a", load)  # evicted as least recently used
    assert load.calls == before + 1
    with pytest.raises(ValueError):
        TTLCache(ttl=1, max_entries=0, stale_grace=0)


# --------------------------------------------------------------------------- SM503 / SM504

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
RULES = {rid: CATALOG.rule(rid) for rid in ("SM503", "SM504")}


@pytest.mark.parametrize(
    ("rule_id", "view", "passed"),
    [
        ("SM503", {"LastRotatedDate": NOW - timedelta(days=30)}, True),
        ("SM503", {"LastRotatedDate": NOW - timedelta(days=91)}, False),
        ("SM503", {"CreatedDate": NOW - timedelta(days=10)}, True),  # new, never rotated
        ("SM503", {"CreatedDate": NOW - timedelta(days=400)}, False),
        ("SM504", {"LastAccessedDate": NOW - timedelta(days=1)}, True),
        ("SM504", {"LastAccessedDate": NOW - timedelta(days=120)}, False),
        ("SM504", {"CreatedDate": NOW - timedelta(days=200)}, False),
        ("SM504", {}, False),  # no dates at all: cannot be judged, so not a pass
    ],
)
def test_audit_checks_judge_dates_against_assessment_time(
    rule_id: str, view: dict[str, Any], passed: bool
) -> None:
    rule = RULES[rule_id]
    doc = {**view, "AssessedAt": NOW}
    (field,) = rule.fields["@Secret"]
    verdict = rule.check(doc.get(field, MISSING), Context(SecurityPolicy(), doc, "@Secret"))
    assert verdict.passed is passed
    if not passed:
        assert "90" in verdict.reason or "cannot be judged" in verdict.reason
