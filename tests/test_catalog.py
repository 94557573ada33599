"""The catalog as data: IDs, names, references, and every field path against botocore."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

import secure_sagemaker as ss
from secure_sagemaker._paths import display_path, parse_path
from secure_sagemaker.controls import CATALOG
from tests._examples import EXAMPLES, POLICY, REGION_FOR

REFERENCE = re.compile(
    r"^(Seed:[1-7]|SecurityHub:[A-Za-z0-9]+\.\d+|Config:[a-z0-9-]+|"
    r"Prowler:[a-z0-9_]+|Checkov:CKV2?_AWS_\d+|IAM:[a-z0-9-]+:[A-Za-z0-9-]+)$"
)


@cache
def service_model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def shape_has(shape: Any, segments: tuple[tuple[str, bool, bool], ...]) -> bool:
    for name, each, _optional in segments:
        if shape.type_name != "structure" or name not in shape.members:
            return False
        shape = shape.members[name]
        if each:
            if shape.type_name != "list":
                return False
            shape = shape.member
    return True


def test_ids_names_and_docs_fields_are_well_formed() -> None:
    ids = [r.id for r in CATALOG]
    assert len(ids) == len(set(ids)), "duplicate rule IDs"
    names = [r.name for r in CATALOG]
    assert len(names) == len(set(names)), "duplicate rule names"
    for rule in CATALOG:
        assert re.fullmatch(r"SM[1-8]\d\d", rule.id), rule.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.title and rule.rationale and rule.remediation, rule.id
        assert rule.references, f"{rule.id} has no references"
        assert rule.seed, f"{rule.id} names no seed method"
        for ref in rule.references:
            assert REFERENCE.match(ref), f"{rule.id}: malformed reference {ref!r}"


def test_id_ranges_follow_the_design() -> None:
    ranges = {"1": ("CreateNotebook", "UpdateNotebook", "CreateDomain", "UpdateDomain",
                    "CreateUserProfile", "UpdateUserProfile", "CreateImage", "CreateAppImageConfig",
                    "CreateCodeRepository")}
    for rule in CATALOG:
        if rule.id.startswith("SM1"):
            assert all(op.startswith(ranges["1"]) for op in rule.operations), rule.id


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_every_operation_and_field_exists_in_botocore(rule: ss.Rule) -> None:
    services = [rule.service] if rule.service != "*" else sorted(
        {r.service for r in CATALOG if r.service != "*"})
    for op, paths in rule.fields.items():
        if op.startswith("@"):
            continue  # a resource view assembled by the audit, not an API operation
        models = [service_model(s) for s in services if op in service_model(s).operation_names]
        assert models, f"{rule.id}: {op} is not an operation of {services}"
        for path in paths:
            if path.startswith("$"):
                continue
            segments = parse_path(path)
            ok = any(shape_has(m.operation_model(op).input_shape, segments) for m in models)
            assert ok, f"{rule.id}: {op} has no field {display_path(path)}"


def test_every_rule_has_a_secure_and_an_insecure_example() -> None:
    assert set(EXAMPLES) == {r.id for r in CATALOG}


def _finding(rule_id: str, operation: str, params: dict[str, Any], region: str | None) -> list[ss.Finding]:
    return [f for f in ss.evaluate(operation, params, POLICY, region=region) if f.rule_id == rule_id]


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_secure_example_passes_and_insecure_example_fails(rule: ss.Rule) -> None:
    operation, secure, insecure = EXAMPLES[rule.id]
    good_region, bad_region = REGION_FOR.get(rule.id, ("us-east-1", "us-east-1"))
    if secure is not None and not operation.startswith("@"):
        model = service_model(rule.service if rule.service != "*" else "sagemaker")
        report = ParamValidator().validate(secure, model.operation_model(operation).input_shape)
        assert not report.has_errors(), report.generate_report()
    if secure is not None:
        found = _finding(rule.id, operation, secure, good_region)
        assert found and all(f.status == "pass" for f in found), found
    bad = _finding(rule.id, operation, insecure, bad_region)
    assert any(f.status == "fail" for f in bad), f"{rule.id} did not fail its insecure example"
    failing = next(f for f in bad if f.status == "fail")
    assert failing.field and failing.remediation == rule.remediation


@pytest.mark.parametrize("rule", [r for r in CATALOG if r.default is not None], ids=lambda r: r.id)
def test_defaults_fill_every_required_path_securely(rule: ss.Rule) -> None:
    for op, paths in rule.fields.items():
        for path in paths:
            if "?" in path or "[]" in path:
                continue
            filled_params, filled = ss.secure_request(op, {"Bucket": "ml-artifacts-bucket"}, POLICY)
            assert (rule.id, display_path(path)) in filled, (op, path)
            findings = [f for f in ss.evaluate(op, filled_params, POLICY) if f.rule_id == rule.id]
            assert findings and findings[0].status == "pass", findings
