"""``secure-sagemaker audit template``: the distributed audit's templates are valid
(cfn-lint, offline), name no account, region or partition, their roles pass the
project's IAM lint, and the member accounts' auditor role allows every call a real
audit makes - recorded in the emulator - and nothing the audit never calls."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from secure_sagemaker.artifacts._bucket import required_statements
from secure_sagemaker.audit import audit
from secure_sagemaker.cli import main
from secure_sagemaker.controls._policy_document import RESOURCE_STAR_ACTIONS
from secure_sagemaker.deploy import audit_template, auditor_policy, member_template
from secure_sagemaker.deploy._audit_roles import (
    definition,
    machine_policy,
    schedule_policy,
    task_policy,
)
from secure_sagemaker.deploy._auditor import _UNSCOPED, member_trust, policy_size
from secure_sagemaker.deploy._cfn import lint_role_documents, literal, unsub
from secure_sagemaker.evaluation import evaluate
from secure_sagemaker.exceptions import InvalidArgumentError
from secure_sagemaker.iam import lint_policy
from secure_sagemaker.testing import EmbeddedAWS
from tests.test_audit_e2e import EmbeddedSession, Seed, install_stubs

TEMPLATES = {"audit": audit_template, "member": member_template}
VALUES = {
    "${AuditorRoleName}": "secure-sagemaker-auditor",
    "${OrganizationId}": "o-abcdefghij",
    "${AuditAccountId}": "999988887777",
    "${AuditTaskRoleName}": "secure-sagemaker-audit-task",
    "${Name}": "secure-sagemaker-audit",
}
TASK_POLICY = task_policy(
    bucket_arn="arn:aws:s3:::reports",
    key_arn="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab",
    log_group_arn="arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/audit",
)
#: Each role's policy, the service it trusts, and the statements that may name
#: Resource * because their actions have no resource-level permission in IAM.
ROLES = {
    "auditor": (auditor_policy(), None, {"ListWithoutResourceLevelPermissions"}),
    "task": (TASK_POLICY, "lambda.amazonaws.com", {"ListAccounts"}),
    "machine": (machine_policy(), "states.amazonaws.com", set()),
    "schedule": (schedule_policy(), "events.amazonaws.com", set()),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_cfn_lint_finds_no_error(name: str) -> None:
    matches = lint(
        json.dumps(TEMPLATES[name]()), config=ManualArgs(regions=["us-east-1", "eu-west-1"])
    )
    assert [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith("E")] == []
    # warnings allowed: only IAM actions newer than cfn-lint's own action list
    assert {m.rule.id for m in matches} <= {"W3037"}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_no_account_region_or_partition_literal(name: str) -> None:
    text = json.dumps(TEMPLATES[name]())
    assert re.findall(r"\d{12}", text) == []
    assert "us-east-1" not in text and "arn:aws:" not in text


@pytest.mark.parametrize("role", sorted(ROLES))
def test_roles_pass_the_iam_lint(role: str) -> None:
    """Clean: Resource * only on actions IAM cannot scope (RESOURCE_STAR_ACTIONS),
    each of them read-only."""
    policy, service, unscoped = ROLES[role]
    doc = literal(policy, VALUES)
    assert [f.rule_id for f in lint_policy(doc) if f.status != "pass"] == []
    if service:
        assert lint_role_documents(doc, service) == []
    for st in doc["Statement"]:
        if st["Sid"] in unscoped:
            assert st["Resource"] == "*"
            assert all(a.lower() in RESOURCE_STAR_ACTIONS for a in st["Action"])
            names = [a.split(":")[1] for a in st["Action"]]
            assert all(n.startswith(("List", "Describe", "Get")) for n in names)


def test_the_lint_would_catch_a_broad_auditor() -> None:
    policy = literal(auditor_policy())
    policy["Statement"].append({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert {f.rule_id for f in lint_policy(policy) if f.status != "pass"} >= {"SM602"}


def test_member_role_trusts_only_the_audit_task_in_the_organisation() -> None:
    resources = member_template()["Resources"]
    role = resources["AuditorRole"]["Properties"]
    assert role["PermissionsBoundary"] == {"Ref": "AuditorPermissions"}  # SM608
    assert role["ManagedPolicyArns"] == [{"Ref": "AuditorPermissions"}]
    (trust,) = unsub(role["AssumeRolePolicyDocument"])["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"]["ArnEquals"] == {
        "aws:PrincipalArn": "arn:${AWS::Partition}:iam::${AuditAccountId}:role/${AuditTaskRoleName}"
    }
    assert trust["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": "${OrganizationId}"}
    doc = json.dumps(literal(member_trust(), VALUES))
    params = {
        "RoleName": "secure-sagemaker-auditor",
        "AssumeRolePolicyDocument": doc,
        "PermissionsBoundary": "arn:aws:iam::111122223333:policy/auditor",
    }
    found = evaluate("CreateRole", params)
    assert {f.rule_id for f in found} >= {"SM607", "SM608", "SM609"}
    assert [f.rule_id for f in found if f.status != "pass"] == []


def test_auditor_policy_fits_a_managed_policy_in_every_partition() -> None:
    for partition in ("aws", "aws-us-gov", "aws-iso-b"):
        doc = literal(auditor_policy(), {"${AWS::Partition}": partition})
        assert policy_size(doc) < 6144  # IAM's limit for a managed policy


def test_auditor_is_read_only() -> None:
    actions = [a for s in auditor_policy()["Statement"] for a in s["Action"]]
    names = [a.split(":")[1] for a in actions]
    assert all(n.startswith(("List", "Describe", "Get", "GET")) for n in names)
    assert "secretsmanager:GetSecretValue" not in actions and "s3:GetObject" not in actions
    assert not any("*" in a.split(":")[1] for a in actions if a != "sagemaker:Describe*")


def test_task_role_is_scoped_to_its_bucket_key_and_organisation() -> None:
    by_sid = {s["Sid"]: s for s in TASK_POLICY["Statement"]}
    assume = by_sid["AssumeAuditorRoles"]
    assert assume["Resource"] == "arn:${AWS::Partition}:iam::*:role/${AuditorRoleName}"
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": "${OrganizationId}"}}
    assert by_sid["ShardReports"]["Resource"] == "arn:aws:s3:::reports/runs/*"
    assert by_sid["FindShardReports"]["Condition"]["StringLike"] == {"s3:prefix": ["runs/*"]}
    assert by_sid["EncryptReports"]["Resource"].startswith("arn:aws:kms:")


# --------------------------------------------------------------- calls of a real audit

#: S3 operations whose IAM action has another name.
_S3_ACTIONS = {
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
}


def _iam_action(service: str, operation: str) -> str | None:
    """The IAM action of an API call; ``None`` when it needs no permission."""
    if service == "sts" and operation == "GetCallerIdentity":
        return None
    if service == "s3control" and operation == "GetPublicAccessBlock":
        return "s3:GetAccountPublicAccessBlock"
    if service == "s3":
        return f"s3:{_S3_ACTIONS.get(operation, operation)}"
    if service == "apigateway":
        return f"apigateway:{operation[:3].upper()}" if operation.startswith("Get") else None
    return f"{service}:{operation}"


def _allowed(policy: dict[str, Any], action: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for st in policy["Statement"]
        for pattern in st["Action"]
    )


@pytest.fixture(scope="module")
def audit_calls(aws: EmbeddedAWS) -> set[tuple[str, str]]:
    """Every (service, operation) an audit of a fully seeded account calls."""
    aws.reset()
    session = aws.session()
    seed = Seed(session)
    for step in (
        seed.keys,
        seed.buckets,
        seed.network,
        seed.account,
        seed.secrets,
        seed.notebooks,
        seed.domains,
        seed.jobs,
        seed.models,
        seed.monitoring,
        seed.pipelines,
    ):
        step()
    EmbeddedSession.raw = aws.session().client("sagemaker")
    audited = aws.session()
    seen: set[tuple[str, str]] = set()

    def record(model: Any, **kw: Any) -> None:
        seen.add((model.service_model.service_name, model.name))

    audited.events.register_first("before-parameter-build", record)
    install_stubs(audited, seed)
    report = audit(audited, policy=seed.policy(), max_workers=8)
    assert report.listed == report.assessed > 20 and report.not_assessed() == {}
    return seen


def test_auditor_role_allows_every_call_the_audit_makes(
    audit_calls: set[tuple[str, str]],
) -> None:
    actions = {a for s, o in audit_calls if (a := _iam_action(s, o))}
    assert {"s3:GetEncryptionConfiguration", "sagemaker:DescribeNotebookInstance"} <= actions
    assert {"cloudtrail:GetTrailStatus", "apigateway:GET", "iam:GetRole"} <= actions
    policy = auditor_policy()
    assert sorted(a for a in actions if not _allowed(policy, a)) == []


def test_auditor_role_allows_nothing_the_audit_never_calls(
    audit_calls: set[tuple[str, str]],
) -> None:
    """Each action is one the audit called, except ``sagemaker:Describe*`` (bounded
    by the audited kinds' resource types: 48 DescribeX would not fit IAM's 6,144
    characters), whose calls the seeded account covers only in part."""
    called = {a.lower() for s, o in audit_calls if (a := _iam_action(s, o))}
    granted = {a for st in auditor_policy()["Statement"] for a in st["Action"]}
    assert sorted(a for a in granted if a.lower() not in called) == ["sagemaker:Describe*"]
    describes = {a for a in called if a.startswith("sagemaker:describe")}
    assert len(describes) >= 10
    assert set(_UNSCOPED) <= granted


# --------------------------------------------------------------- the state machine


def test_state_machine_runs_a_distributed_map_then_merges() -> None:
    states = definition()["States"]
    assert definition()["StartAt"] == "Plan"
    plan = states["Plan"]["Parameters"]
    assert plan["items.$"] == "States.ArrayRange(1, ${Shards}, 1)"
    assert plan["run.$"] == "$$.Execution.Name"
    fan = states["AuditShards"]
    assert fan["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert fan["ToleratedFailurePercentage"] == 0
    assert fan["ItemSelector"]["action"] == "shard"
    shard = fan["ItemProcessor"]["States"]["AuditShard"]
    assert shard["Resource"] == states["Merge"]["Resource"] == "${FunctionArn}"
    retry = shard["Retry"][0]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] > 1
    assert fan["Next"] == "Merge" and states["Merge"]["Parameters"]["action"] == "merge"
    template = audit_template(shards=16)
    assert template["Parameters"]["Shards"]["Default"] == 16
    machine = template["Resources"]["StateMachine"]["Properties"]
    assert machine["DefinitionSubstitutions"]["FunctionArn"] == {"Fn::GetAtt": ["Task", "Arn"]}
    assert machine["RoleArn"] == {"Fn::GetAtt": ["MachineRole", "Arn"]}


def test_task_function_and_bucket_follow_the_contract() -> None:
    resources = audit_template()["Resources"]
    fn = resources["Task"]["Properties"]
    assert fn["Handler"] == "secure_sagemaker.audit.task_handler"
    assert fn["Timeout"] == 900 and fn["MemorySize"] == {"Ref": "MemorySize"}
    assert fn["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    env = fn["Environment"]["Variables"]
    assert env["SECURE_SAGEMAKER_AUDIT_ROLE_TEMPLATE"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::{account}:role/${AuditorRoleName}"
    }
    assert env["SECURE_SAGEMAKER_AUDIT_BUCKET"] == {"Ref": "ReportBucket"}
    bucket = resources["ReportBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    document = resources["ReportBucketPolicy"]["Properties"]["PolicyDocument"]
    key = "arn:aws:kms:us-east-1:111122223333:key/reports"
    names = {"${ReportBucket}": "reports", "${EncryptionKey.Arn}": key}
    # the ArtifactStore's statements, which SM406/SM407 accept (tests/controls)
    assert literal(unsub(document), names)["Statement"] == required_statements("reports", key)
    assert resources["EncryptionKey"]["Properties"]["EnableKeyRotation"] is True
    schedule = resources["AuditSchedule"]
    assert schedule["Condition"] == resources["ScheduleRole"]["Condition"] == "Scheduled"


def test_cli_writes_both_templates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit.json"
    assert main(["audit", "template", "--shards", "32", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == audit_template(shards=32)
    assert main(["--debug", "audit", "template", "--member", "--buckets", "ml-*"]) == 0
    assert json.loads(capsys.readouterr().out) == member_template(["ml-*"])
    assert main(["audit", "template", "--shards", "0"]) == 2
    assert "shards must be" in capsys.readouterr().err
    assert main(["audit", "template", "--member", "--buckets", "Bad Bucket"]) == 2
    err = capsys.readouterr().err
    assert "bucket patterns" in err and "Bad Bucket" not in err
    with pytest.raises(SystemExit) as done:
        main(["audit", "template", "--help"])
    assert done.value.code == 0
    assert "Distributed Map" in capsys.readouterr().out
    with pytest.raises(InvalidArgumentError):
        audit_template(shards=10_001)


def test_audit_keeps_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--region", "us-east1"]) == 2  # parsed by `audit`, not `template`
    assert "did you mean us-east-1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    assert "audit template" in capsys.readouterr().out
