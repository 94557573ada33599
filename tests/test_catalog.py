"""The catalog as data: IDs, names, references, and every field path against botocore."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest

import secure_sagemaker as ss
from secure_sagemaker._paths import display_path, parse_path
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.rules import PASS, Catalog, fail
from tests._examples import POLICY, ROLE
from tests.controls import all_examples

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
        assert re.fullmatch(r"SM[0-8]\d\d", rule.id), rule.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.title and rule.rationale and rule.remediation, rule.id
        assert rule.references, f"{rule.id} has no references"
        assert rule.seed, f"{rule.id} names no seed method"
        for ref in rule.references:
            assert REFERENCE.match(ref), f"{rule.id}: malformed reference {ref!r}"


def test_id_ranges_follow_the_design() -> None:
    ranges = {"1": ("CreateNotebook", "UpdateNotebook", "CreateDomain", "UpdateDomain",
                    "CreateUserProfile", "UpdateUserProfile", "CreateImage", "CreateAppImageConfig",
                    "CreateCodeRepository", "CreatePresignedNotebookInstanceUrl",
                    "CreatePresignedDomainUrl", "CreateSpace", "UpdateSpace", "CreateApp",
                    "CreateStudioLifecycleConfig", "CreatePresignedMlflow", "CreatePartnerApp",
                    "CreateMlflow", "UpdateMlflow", "CreateWorkforce", "UpdateWorkforce",
                    "StartSession", "UpdatePartnerApp")}
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


def test_every_rule_has_a_secure_and_an_insecure_example_beside_its_range() -> None:
    assert set(all_examples()) == {r.id for r in CATALOG}


@pytest.mark.parametrize("rule", [r for r in CATALOG if r.default is not None], ids=lambda r: r.id)
def test_defaults_fill_every_required_path_securely(rule: ss.Rule) -> None:
    for op, paths in rule.fields.items():
        for path in paths:
            if "?" in path or "[]" in path:
                continue
            base = {"Bucket": "ml-artifacts-bucket", "ExecutionRoleArn": ROLE}  # ROLE: SM36x
            filled_params, filled = ss.secure_request(op, base, POLICY)
            assert (rule.id, display_path(path)) in filled, (op, path)
            findings = [f for f in ss.evaluate(op, filled_params, POLICY) if f.rule_id == rule.id]
            assert findings and findings[0].status == "pass", findings


# --------------------------------------------------------------------------- the engine takes its catalog


def _one_rule() -> ss.Rule:
    return ss.Rule(
        id="SM999",
        name="test-only-isolation",
        title="Isolated",
        severity=ss.Severity.HIGH,
        fields={"CreateModel": ("EnableNetworkIsolation",)},
        check=lambda value, ctx: PASS if value is True else fail("is not true"),
        rationale="a test rule",
        remediation="Set EnableNetworkIsolation=True.",
    )


def test_a_one_rule_catalog_judges_with_only_that_rule() -> None:
    one = Catalog((_one_rule(),))
    found = one.evaluate("CreateModel", {"ModelName": "m"}, ss.SecurityPolicy())
    assert [(f.rule_id, f.status, f.field) for f in found] == [
        ("SM999", "fail", "EnableNetworkIsolation")
    ]
    assert one.judged_operations() == {"CreateModel"}
    assert ss.evaluate("CreateModel", {"ModelName": "m"}, catalog=one) == found
    filled, _ = ss.secure_request("CreateModel", {"ModelName": "m"}, POLICY, catalog=one)
    assert filled == {"ModelName": "m"}  # the one rule has no default: nothing filled
    # the default catalog judges far more than the one rule
    assert len(ss.evaluate("CreateModel", {"ModelName": "m"}, POLICY)) > 3
    # without a pipeline rule the catalog does not judge pipeline steps
    assert one.evaluate("CreatePipeline", {"PipelineDefinition": "{}"}, POLICY) == []
    assert "sm999" in one and "SM101" not in one and one.rule("sm999").id == "SM999"


def test_a_catalog_refuses_duplicate_ids_and_an_unknown_pipeline_rule() -> None:
    with pytest.raises(ValueError, match="SM999"):
        Catalog((_one_rule(), _one_rule()))
    with pytest.raises(ValueError, match="SM250"):
        Catalog((_one_rule(),), pipeline_rule="SM250")


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_every_rule_is_written_with_its_literal_id_in_its_range_file(rule: ss.Rule) -> None:
    module = CATALOG.origins[rule.id]
    digit = rule.id[2]
    assert module.startswith(f"secure_sagemaker.controls.sm{digit}_"), module
    source = Path(importlib.util.find_spec(module).origin).read_text()  # type: ignore[union-attr,arg-type]
    assert f'id="{rule.id}"' in source
