"""The operation registry: every operation of every watched service is classified,
unknown mutating operations are refused, and names that are not operations raise."""

from __future__ import annotations

import logging
from typing import Any

import botocore.session
import pytest

import secure_sagemaker as ss
from secure_sagemaker._operations import botocore_operations
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.controls.operations import SERVICE_IDS, SERVICES

WATCHED = [
    *("sagemaker", "s3", "s3control", "kms", "secretsmanager", "iam", "ec2"),
    *("apigateway", "logs", "wafv2", "sts", "sagemaker-runtime", "cloudformation"),
]


def test_the_issue_s_services_are_all_watched() -> None:
    assert sorted(REGISTRY.services) == sorted(WATCHED)


@pytest.mark.parametrize("service", WATCHED)
def test_every_operation_of_the_installed_botocore_is_classified(service: str) -> None:
    entry = REGISTRY.services[service]
    judged = CATALOG.judged_by_service().get(service, frozenset())
    unclassified = sorted(
        op
        for op in botocore_operations(service)
        if op not in judged
        and op not in entry.allowed
        and op not in entry.unknown
        and not entry.is_read(op)
    )
    assert not unclassified, (
        f"botocore has {len(unclassified)} {service} operation(s) nobody classified; add each "
        f"to controls/operations/{service.replace('-', '_')}.py (allowed with a reason, or "
        f"unknown) or judge it with a rule: {' '.join(unclassified)}"
    )


@pytest.mark.parametrize("service", WATCHED)
def test_the_tables_name_real_operations_once(service: str) -> None:
    entry = REGISTRY.services[service]
    real = botocore_operations(service)
    judged = CATALOG.judged_by_service().get(service, frozenset())
    listed = set(entry.allowed) | entry.unknown | entry.read | entry.not_read
    assert not sorted(listed - real), "stale names (not in botocore)"
    assert not set(entry.allowed) & entry.unknown
    assert not (set(entry.allowed) | entry.unknown) & judged, "judged now: remove from the table"
    assert not sorted(op for op in entry.unknown | set(entry.allowed) if entry.is_read(op))
    assert all(reason.strip() for reason in entry.allowed.values())


def test_service_ids_are_the_event_names_botocore_emits() -> None:
    session = botocore.session.get_session()
    for service in WATCHED:
        assert SERVICE_IDS[service] == session.get_service_model(service).service_id.hyphenize()
    assert SERVICE_IDS["s3control"] == "s3-control"


def test_sagemaker_is_listed_first_so_shared_names_resolve_to_it() -> None:
    assert SERVICES[0].service == "sagemaker"
    assert REGISTRY.resolve("AddTags") == "sagemaker"


# ------------------------------------------------------------------ evaluate()


def test_a_typo_raises_and_suggests_the_operation() -> None:
    with pytest.raises(ss.UnknownOperationError, match="did you mean CreateTrainingJob") as info:
        ss.evaluate("CreateTrainingJobs", {})
    assert isinstance(info.value, ValueError)
    assert info.value.operation == "CreateTrainingJobs"
    with pytest.raises(ss.UnknownOperationError, match="did you mean"):
        ss.secure_request("CreateNotebookInstanceX", {})


def test_a_typo_with_a_service_is_checked_against_that_service() -> None:
    with pytest.raises(ss.UnknownOperationError, match="of s3; did you mean PutBucketPolicy"):
        ss.evaluate("PutBucketPolicies", {}, service="s3")
    with pytest.raises(ss.UnknownOperationError, match="not a service the guard watches"):
        ss.evaluate("Publish", {}, service="sns")


def test_an_unknown_real_mutating_operation_fails_sm000() -> None:
    (finding,) = ss.evaluate("DeleteModelCard", {"ModelCardName": "h"})
    assert (finding.rule_id, finding.status, finding.severity) == ("SM000", "fail", ss.Severity.HIGH)
    assert "sagemaker:DeleteModelCard" in finding.message and "sagemaker:DeleteModelCard" in finding.remediation
    assert "allow-operations" in finding.remediation


def test_read_and_allowed_operations_have_no_finding() -> None:
    assert ss.evaluate("DescribeTrainingJob", {"TrainingJobName": "x"}) == []
    assert ss.evaluate("AddTags", {"ResourceArn": "a", "Tags": []}) == []
    assert ss.evaluate("StopTrainingJob", {"TrainingJobName": "x"}) == []


def test_the_policy_allows_one_operation_explicitly() -> None:
    policy = ss.SecurityPolicy(
        allow_operations=[{"operation": "sagemaker:DeleteModelCard", "justification": "hub, ml-platform"}]
    )
    assert ss.evaluate("DeleteModelCard", {"ModelCardName": "h"}, policy) == []
    assert ss.evaluate("DeleteModelPackage", {}, policy)[0].rule_id == "SM000"


def test_waiving_sm000_reports_waived() -> None:
    (finding,) = ss.evaluate("DeleteModelCard", {}, ss.SecurityPolicy(waivers={"SM000": "sandbox"}))
    assert finding.status == "waived"


@pytest.mark.parametrize(
    ("operation", "params", "policy", "rule_id"),
    [
        # s3: protected scope = the artifact buckets
        ("DeleteBucketCors", {"Bucket": "ml-artifacts"}, {"artifact_buckets": ["ml-artifacts"]}, "SM000"),
        ("DeleteBucketCors", {"Bucket": "someone-elses"}, {"artifact_buckets": ["ml-artifacts"]}, "SM001"),
        ("DeleteBucketCors", {"Bucket": "any"}, {}, "SM001"),
        # kms: the policy's keys
        ("UpdateAlias", {"AliasName": "alias/ml", "TargetKeyId": "k"}, {"kms_key_id": "alias/ml"}, "SM000"),
        ("UpdateAlias", {"AliasName": "alias/x", "TargetKeyId": "alias/y"}, {"kms_key_id": "alias/ml"}, "SM001"),
        # refuse everywhere
        ("DeleteResourcePolicy", {"SecretId": "s"}, {}, "SM000"),
        ("DeleteRolePolicy", {"RoleName": "r", "PolicyName": "p"}, {}, "SM000"),
        # logged only
        ("DeleteFlowLogs", {"FlowLogIds": ["fl-1"]}, {}, "SM001"),
    ],
)
def test_the_stance_decides_between_sm000_and_sm001(
    operation: str, params: dict[str, Any], policy: dict[str, Any], rule_id: str
) -> None:
    found = ss.evaluate(operation, params, ss.SecurityPolicy(**policy))
    assert [(f.rule_id, f.status) for f in found] == [(rule_id, "fail")]


def test_a_name_two_services_share_is_judged_in_the_service_named() -> None:
    (s3control,) = ss.evaluate("DeleteBucketReplication", {"AccountId": "1"}, service="s3control")
    (s3,) = ss.evaluate("DeleteBucketReplication", {"Bucket": "b"}, service="s3")
    assert (s3control.rule_id, s3.rule_id) == ("SM000", "SM001")


def test_sm001_is_below_the_default_block_at_and_sm000_above() -> None:
    policy = ss.SecurityPolicy()
    assert CATALOG.rule("SM001").severity < policy.block_at <= CATALOG.rule("SM000").severity


def test_a_request_nested_5000_deep_is_a_failing_finding_not_an_exception() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    params = {"TrainingJobName": "x", "Environment": deep}
    findings = ss.evaluate("CreateTrainingJob", params)
    assert [(f.rule_id, f.status) for f in findings] == [("SM002", "fail")]
    new, filled = ss.secure_request("CreateTrainingJob", params, ss.SecurityPolicy())
    assert filled == [] and new["Environment"] is deep


# ------------------------------------------------------------------ policy


def test_allow_operations_needs_a_justification() -> None:
    with pytest.raises(ss.PolicyError, match="justification"):
        ss.SecurityPolicy(allow_operations=[{"operation": "sagemaker:DeleteModelCard"}])


def test_allow_operations_rejects_typos_judged_and_read_operations() -> None:
    with pytest.raises(ss.PolicyError, match="did you mean CreateProject"):
        ss.SecurityPolicy(allow_operations={"sagemaker:CreateProjectb": "x"})
    with pytest.raises(ss.PolicyError, match="waive a rule instead"):
        ss.SecurityPolicy(allow_operations={"sagemaker:CreateTrainingJob": "x"})
    with pytest.raises(ss.PolicyError, match="read-only"):
        ss.SecurityPolicy(allow_operations={"sagemaker:DescribeTrainingJob": "x"})


def test_allow_operations_from_a_policy_file(tmp_path: Any) -> None:
    path = tmp_path / "secure-sagemaker.toml"
    path.write_text(
        'allow-operations = [{operation = "s3:DeleteBucketCors", justification = "t, o, 2027"}]\n'
    )
    policy = ss.SecurityPolicy.from_file(path)
    assert dict(policy.allow_operations) == {"s3:DeleteBucketCors": "t, o, 2027"}
    assert REGISTRY.classify("s3", "DeleteBucketCors", policy) == "allowed"


def test_an_explicit_policy_path_that_does_not_exist_raises(tmp_path: Any) -> None:
    with pytest.raises(ss.PolicyError, match="no such file"):
        ss.SecurityPolicy.load(tmp_path / "does-not-exist.toml")
    with pytest.raises(ss.PolicyError, match=r"no secure-sagemaker\.toml"):
        ss.SecurityPolicy.load(tmp_path)


def test_the_implicit_search_logs_what_it_used(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("SECURE_SAGEMAKER_POLICY", raising=False)
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO, logger="secure_sagemaker.policy"):
        assert ss.SecurityPolicy.load() == ss.SecurityPolicy()
    assert "no policy file found" in caplog.text
    (tmp_path / "secure-sagemaker.toml").write_text('mode = "warn"\n')
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="secure_sagemaker.policy"):
        assert ss.SecurityPolicy.load().mode == "warn"
    assert "secure-sagemaker.toml" in caplog.text
