"""Guardrails: valid JSON, within the size limit, every statement checked against the
condition-key table and botocore, and the Null-on-absent-key pitfall avoided."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

from secure_sagemaker import SecurityPolicy
from secure_sagemaker.controls.iam_condition_keys import CONDITION_KEYS
from secure_sagemaker.iam import SIZE_LIMITS, deny_statements, guardrails, guardrails_json

SAGEMAKER_OPS = frozenset(
    botocore.session.get_session().get_service_model("sagemaker").operation_names
)
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
FULL = SecurityPolicy(
    subnets=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    security_group_ids=["sg-0123456789abcdef0"],
    kms_key_id=KEY,
    allowed_instance_types=["ml.m5.*", "ml.g5.*"],
)
# negated operators and Null: true are *true* on an absent key - they deny every call
# of an action that does not carry the key, so such actions must never be listed
ABSENT_KEY_DENIES = ("StringNotEquals", "ArnNotEquals", "BoolIfExists")


def condition_keys(statement: dict[str, Any]) -> set[str]:
    return {k for block in statement["Condition"].values() for k in block}


def check_statement(statement: dict[str, Any]) -> None:
    assert statement["Effect"] == "Deny" and statement["Resource"] == "*"
    assert statement["Sid"].isalnum()
    actions = statement["Action"]
    assert actions == sorted(set(actions))
    for action in actions:
        service, _, op = action.partition(":")
        assert service == "sagemaker" and op in SAGEMAKER_OPS, action
    for key in condition_keys(statement):
        entry = CONDITION_KEYS.get(key)
        assert entry is not None, f"{key} is not in the condition-key table"
        assert not entry.replaced_by, f"{key} is deprecated"
        missing = {a.split(":", 1)[1] for a in actions} - entry.actions
        assert not missing, f"{key} is not present on {sorted(missing)}"


@pytest.mark.parametrize("policy", [SecurityPolicy(), FULL], ids=["empty", "full"])
@pytest.mark.parametrize("form", ["scp", "iam"])
def test_every_document_is_valid_json_within_the_limit_and_every_statement_is_real(
    policy: SecurityPolicy, form: str
) -> None:
    documents = guardrails(policy, form=form)  # type: ignore[arg-type]
    assert documents
    for document in documents:
        text = json.dumps(document, separators=(",", ":"))
        assert len(text) <= SIZE_LIMITS[form]
        assert json.loads(text)["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in document["Statement"]]
        assert len(sids) == len(set(sids))
        for statement in document["Statement"]:
            check_statement(statement)


def test_scp_json_is_minified_and_parses() -> None:
    text = guardrails_json(FULL, "scp")
    parsed = json.loads(text)
    documents = parsed if isinstance(parsed, list) else [parsed]
    assert all(len(json.dumps(d, separators=(",", ":"))) <= 5120 for d in documents)
    if not isinstance(parsed, list):
        assert len(text) <= 5120
    assert "\n" not in text


def test_empty_policy_emits_only_boolean_and_enumeration_guardrails() -> None:
    keys = {k for s in deny_statements(SecurityPolicy()) for k in condition_keys(s)}
    assert keys == {
        "sagemaker:DirectInternetAccess",
        "sagemaker:RootAccess",
        "sagemaker:MinimumInstanceMetadataServiceVersion",
        "sagemaker:AppNetworkAccessType",
        "sagemaker:NetworkIsolation",
        "sagemaker:InterContainerTrafficEncryption",
        "sagemaker:EnableRemoteDebug",
    }


def by_sid(policy: SecurityPolicy) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in deny_statements(policy)}


def test_policy_values_become_value_guardrails() -> None:
    st = by_sid(FULL)
    assert st["DenyVpcSubnetsAllowed"]["Condition"] == {
        "ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(FULL.subnets)}
    }
    assert st["DenyVpcSubnetsPresent"]["Condition"] == {"Null": {"sagemaker:VpcSubnets": "true"}}
    assert st["DenyVolumeKmsKeyArnAllowed"]["Condition"] == {
        "ArnNotEquals": {"sagemaker:VolumeKmsKeyArn": [KEY]}
    }
    assert st["DenyInstanceTypesAllowed"]["Condition"] == {
        "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.m5.*", "ml.g5.*"]}
    }
    assert "sagemaker:CreateTrainingJob" in st["DenyVpcSubnetsPresent"]["Action"]


def test_an_alias_only_policy_requires_a_key_but_cannot_pin_it() -> None:
    st = by_sid(SecurityPolicy(kms_key_id="alias/team-key"))
    assert st["DenyVolumeKmsKeyArnPresent"]["Condition"] == {
        "Null": {"sagemaker:VolumeKmsKeyArn": "true"}
    }
    assert "DenyVolumeKmsKeyArnAllowed" not in st


def test_absent_key_denials_list_only_actions_that_carry_the_key() -> None:
    for statement in deny_statements(FULL):
        cond = statement["Condition"]
        absent_denies = (
            any(op in cond for op in ABSENT_KEY_DENIES) or "true" in cond.get("Null", {}).values()
        )
        if absent_denies:
            check_statement(statement)  # the table check is what makes this safe
    # the pitfall from the reference: VpcSubnets is absent on CreateTransformJob
    assert all(
        "sagemaker:CreateTransformJob" not in s["Action"]
        for s in deny_statements(FULL)
        if "sagemaker:VpcSubnets" in condition_keys(s)
    )


def test_update_operations_only_deny_when_the_field_is_set() -> None:
    st = by_sid(SecurityPolicy())
    root = st["DenyRootAccessWhenSet"]
    assert root["Action"] == ["sagemaker:UpdateNotebookInstance"]
    assert root["Condition"]["Null"] == {"sagemaker:RootAccess": "false"}
    assert st["DenyRootAccessRequired"]["Action"] == ["sagemaker:CreateNotebookInstance"]


def test_each_guardrail_mirrors_a_catalog_rule_operation() -> None:
    from secure_sagemaker.controls import CATALOG

    judged = {op for r in CATALOG if r.service == "sagemaker" for op in r.fields}
    for statement in deny_statements(FULL):
        assert {a.split(":", 1)[1] for a in statement["Action"]} <= judged


def test_large_policies_are_split_across_documents() -> None:
    many = SecurityPolicy(
        subnets=[f"subnet-{i:017x}" for i in range(60)],
        security_group_ids=[f"sg-{i:017x}" for i in range(60)],
        allowed_instance_types=[f"ml.type{i}.*" for i in range(40)],
        kms_key_id=KEY,
    )
    documents = guardrails(many, form="scp")
    assert len(documents) > 1
    assert all(len(json.dumps(d, separators=(",", ":"))) <= 5120 for d in documents)
    emitted = sorted(json.dumps(s, sort_keys=True) for d in documents for s in d["Statement"])
    assert emitted == sorted(json.dumps(s, sort_keys=True) for s in deny_statements(many))
    assert isinstance(json.loads(guardrails_json(many, "scp")), list)


def test_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="form"):
        guardrails(form="rcp")  # type: ignore[arg-type]
