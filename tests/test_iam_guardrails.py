"""Guardrails: valid JSON, within the size limit, every statement checked against the
condition-key table and botocore, and the Null-on-absent-key pitfall avoided; the
protections of the policy's keys, buckets, secrets and execution roles, with their
break-glass exemption, linted by the SM6xx rules and accepted by moto's IAM."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import botocore.session
import pytest

from secure_sagemaker import InvalidArgumentError, SecurityPolicy
from secure_sagemaker.controls.iam_condition_keys import CONDITION_KEYS
from secure_sagemaker.iam import SIZE_LIMITS, deny_statements, guardrails, guardrails_json
from secure_sagemaker.iam._guardrails import PROTECTED_ACTIONS, protection_statements

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
    kind = PROTECTION_KINDS.get(statement["Sid"].removeprefix("Deny").rstrip("0123456789"))
    if kind is None:
        check_sagemaker_statement(statement)
        return
    assert statement["Effect"] == "Deny" and statement["Sid"].isalnum()
    assert set(statement["Action"]) <= set(PROTECTED_ACTIONS[kind])
    assert statement["Resource"] and "*" not in statement["Resource"]


PROTECTION_KINDS = {
    "KmsKeyWeakening": "key",
    "AliasedKmsKeyWeakening": "key",
    "ArtifactBucketWeakening": "bucket",
    "ProtectedSecretWeakening": "secret",
    "ExecutionRoleWeakening": "role",
}


def check_sagemaker_statement(statement: dict[str, Any]) -> None:
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
    expected = deny_statements(many) + protection_statements(many)
    assert emitted == sorted(json.dumps(s, sort_keys=True) for s in expected)
    assert isinstance(json.loads(guardrails_json(many, "scp")), list)


def test_unknown_form_is_refused() -> None:
    with pytest.raises(ValueError, match="form"):
        guardrails(form="rcp")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- protections

ALIAS = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/team-key"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:api-AbCdEf"
INFER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/svc/ml-infer"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/break-glass"
PROTECTED = SecurityPolicy(
    kms_key_id=KEY,
    allowed_kms_keys=[ALIAS],
    artifact_buckets=["s3://ml-artifacts/team", "ml-models"],
    protected_secrets=["prod/db", SECRET],
    execution_roles=["ml-train", INFER_ROLE],
)
EXEMPT = {"ArnNotLike": {"aws:PrincipalArn": BREAK_GLASS}}

# IAM actions that are not an API operation's name: the operations they authorise
AUTHORISES = {
    "s3:PutEncryptionConfiguration": ("PutBucketEncryption", "DeleteBucketEncryption"),
    "s3:PutLifecycleConfiguration": ("PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"),
    "s3:PutBucketPublicAccessBlock": ("PutPublicAccessBlock", "DeletePublicAccessBlock"),
    "s3:PutReplicationConfiguration": ("PutBucketReplication", "DeleteBucketReplication"),
}
BOTOCORE_SERVICE = {"kms": "kms", "s3": "s3", "secretsmanager": "secretsmanager", "iam": "iam"}


def protections(policy: SecurityPolicy, **kw: Any) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in protection_statements(policy, **kw)}


def test_a_policy_naming_no_resource_protects_nothing() -> None:
    assert protection_statements(SecurityPolicy()) == []
    assert protection_statements(SecurityPolicy(), break_glass_role_arn=BREAK_GLASS) == []
    assert guardrails(SecurityPolicy()) == guardrails(
        SecurityPolicy(), break_glass_role_arn=BREAK_GLASS
    )


def test_each_protected_resource_is_denied_its_weakening_actions_but_for_break_glass() -> None:
    st = protections(PROTECTED, break_glass_role_arn=BREAK_GLASS)
    assert st["DenyKmsKeyWeakening"]["Resource"] == [KEY]
    assert st["DenyAliasedKmsKeyWeakening"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/team-key"]},
        **EXEMPT,
    }
    assert st["DenyArtifactBucketWeakening"]["Resource"] == [
        "arn:aws:s3:::ml-artifacts",
        "arn:aws:s3:::ml-models",
    ]
    assert st["DenyProtectedSecretWeakening"]["Resource"] == [
        "arn:aws:secretsmanager:*:*:secret:prod/db*",
        SECRET,
    ]
    assert st["DenyExecutionRoleWeakening"]["Resource"] == [
        "arn:aws:iam::*:role/ml-train",
        "arn:aws:iam::*:role/*/ml-train",
        INFER_ROLE,
    ]
    for sid, kind in PROTECTION_KINDS.items():
        statement = st[f"Deny{sid}"]
        assert statement["Effect"] == "Deny"
        assert statement["Action"] == sorted(PROTECTED_ACTIONS[kind])
        assert statement["Condition"]["ArnNotLike"] == EXEMPT["ArnNotLike"]
    brief = {  # what the issue names, each present
        "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl",
        "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
        "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy",
        "secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy",
        "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
    }  # fmt: skip
    assert brief <= {a for actions in PROTECTED_ACTIONS.values() for a in actions}


def test_without_break_glass_nobody_is_exempt() -> None:
    st = protections(PROTECTED)
    assert "Condition" not in st["DenyKmsKeyWeakening"]
    assert "Condition" not in st["DenyExecutionRoleWeakening"]
    assert st["DenyAliasedKmsKeyWeakening"]["Condition"] == {
        "ForAnyValue:StringEquals": {"kms:ResourceAliases": ["alias/team-key"]}
    }


def test_guardrails_carry_the_protections_and_the_exemption() -> None:
    documents = guardrails(PROTECTED, form="iam", break_glass_role_arn=BREAK_GLASS)
    emitted = [s for d in documents for s in d["Statement"]]
    assert [s for s in emitted if s["Sid"].removeprefix("Deny") in PROTECTION_KINDS] == (
        protection_statements(PROTECTED, break_glass_role_arn=BREAK_GLASS)
    )
    text = guardrails_json(PROTECTED, "scp", break_glass_role_arn="arn:aws:iam::*:role/bg")
    assert '"aws:PrincipalArn":"arn:aws:iam::*:role/bg"' in text


@pytest.mark.parametrize(
    "bad",
    [
        "break-glass",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:assumed-role/break-glass/alice",
        "arn:aws:iam::12345:role/x",
        "",
    ],
)
def test_break_glass_must_be_a_role_arn(bad: str) -> None:
    with pytest.raises(InvalidArgumentError) as err:
        protection_statements(PROTECTED, break_glass_role_arn=bad)
    assert not bad or bad not in str(err.value)
    with pytest.raises(ValueError, match="break_glass_role_arn"):
        guardrails(PROTECTED, break_glass_role_arn=bad)


@pytest.mark.parametrize(
    "action", sorted(a for actions in PROTECTED_ACTIONS.values() for a in actions)
)
def test_every_protected_action_authorises_real_operations(action: str) -> None:
    service, _, name = action.partition(":")
    model = botocore.session.get_session().get_service_model(BOTOCORE_SERVICE[service])
    operations = AUTHORISES.get(action, (name,))
    assert set(operations) <= set(model.operation_names), action


@pytest.mark.parametrize("policy", [FULL, PROTECTED], ids=["full", "protected"])
@pytest.mark.parametrize("form", ["scp", "iam"])
def test_guardrail_documents_pass_the_projects_own_iam_rules_and_moto_validation(
    policy: SecurityPolicy, form: str
) -> None:
    from moto.iam.policy_validation import IAMPolicyDocumentValidator

    from secure_sagemaker.iam import lint_policy

    for document in guardrails(policy, form=form, break_glass_role_arn=BREAK_GLASS):  # type: ignore[arg-type]
        failing = [f for f in lint_policy(document) if f.failed]
        assert not failing, failing
        IAMPolicyDocumentValidator(json.dumps(document)).validate()  # raises if malformed


def test_many_protected_roles_are_split_by_resource_within_the_limit() -> None:
    many = SecurityPolicy(execution_roles=[f"sagemaker-execution-role-{i:04d}" for i in range(300)])
    documents = guardrails(many, form="scp", break_glass_role_arn=BREAK_GLASS)
    assert len(documents) > 1
    assert all(len(json.dumps(d, separators=(",", ":"))) <= 5120 for d in documents)
    resources = [
        r
        for d in documents
        for s in d["Statement"]
        if s["Sid"].startswith("DenyExecutionRoleWeakening")
        for r in s["Resource"]
    ]
    assert resources == protection_statements(many)[0]["Resource"]
    sids = [s["Sid"] for d in documents for s in d["Statement"]]
    assert len(sids) == len(set(sids))


# --------------------------------------------------------------------------- in moto


@pytest.mark.e2e
def test_guardrails_are_accepted_by_moto_through_the_guard(fresh_aws: Any) -> None:
    import secure_sagemaker as ss

    iam = fresh_aws.session().client("iam")
    sent: list[str] = []
    iam.meta.events.register("before-send", lambda **kw: sent.append(kw["event_name"]))
    ss.install(PROTECTED)
    try:
        documents = guardrails(PROTECTED, form="iam", break_glass_role_arn=BREAK_GLASS)
        for i, document in enumerate(documents):
            arn = iam.create_policy(
                PolicyName=f"secure-sagemaker-guardrails-{i}",
                PolicyDocument=json.dumps(document),
            )["Policy"]["Arn"]
            stored = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
            assert stored["Document"] == document
    finally:
        ss.uninstall()
    assert sent.count("before-send.iam.CreatePolicy") == len(documents)


@pytest.mark.e2e
def test_the_bucket_protection_denies_in_moto_on_the_artifact_bucket_only(
    fresh_aws: Any,
) -> None:
    """moto authorises S3 bucket calls against the bucket ARN, so the Deny is really
    evaluated there (moto does not evaluate ArnNotLike: no break-glass here)."""
    from moto.core import set_initial_no_auth_action_count

    admin = fresh_aws.session()
    s3, iam = admin.client("s3"), admin.client("iam")
    for bucket in ("ml-artifacts", "scratch"):
        s3.create_bucket(Bucket=bucket)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="operator", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="operator",
        PolicyName="broad",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    policy = SecurityPolicy(artifact_buckets=["s3://ml-artifacts/team"])
    for i, document in enumerate(guardrails(policy, form="iam")):
        iam.put_role_policy(
            RoleName="operator", PolicyName=f"guardrails-{i}", PolicyDocument=json.dumps(document)
        )
    creds = admin.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/operator", RoleSessionName="op"
    )["Credentials"]
    operator = fresh_aws.session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).client("s3")

    def bucket_policy(bucket: str) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        )

    @set_initial_no_auth_action_count(0)
    def as_the_operator() -> None:
        operator.put_bucket_policy(Bucket="scratch", Policy=bucket_policy("scratch"))
        with pytest.raises(botocore.exceptions.ClientError) as err:
            operator.put_bucket_policy(Bucket="ml-artifacts", Policy=bucket_policy("ml-artifacts"))
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(botocore.exceptions.ClientError):
            operator.delete_bucket_policy(Bucket="ml-artifacts")

    as_the_operator()
