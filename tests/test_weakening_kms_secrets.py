"""Nothing opens or weakens the policy's KMS keys, its secrets or SageMaker resource
policies (issue 13), end to end: with the guard installed against the embedded emulator,
each weakening call is refused before anything is sent (0 HTTP requests on that client)
with its rule ID, and a secure variant of it is sent.  Where moto does not implement an
operation, the secure variant is only asserted *sent* and moto's error accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import POLICY
from tests._guarded import Sent, refused, sent_anyway

pytestmark = pytest.mark.e2e

FOREIGN = "444455556666"
FOREIGN_ROLE = f"arn:aws:iam::{FOREIGN}:role/partner"


def key_policy(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Sid": "Use",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "kms:*",
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def world(fresh_aws: Any) -> Iterator[dict[str, Any]]:
    """Keys and secrets made before the guard is installed: the policy's key, another
    key, a key in the replica region, a protected and an unprotected secret.  (The
    policy's key is single-Region: moto's multi-Region key IDs are not AWS's format.)"""
    session = fresh_aws.session()
    account = session.client("sts").get_caller_identity()["Account"]
    kms = session.client("kms", region_name="us-east-1")
    ours = kms.create_key(Description="policy key")["KeyMetadata"]
    other = kms.create_key(Description="another team's key")["KeyMetadata"]
    eu_key = session.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    sm = session.client("secretsmanager", region_name="us-east-1")
    protected = sm.create_secret(Name="prod/db", SecretString="x", KmsKeyId=ours["Arn"])["ARN"]
    plain = sm.create_secret(Name="dev/db", SecretString="x", KmsKeyId=ours["Arn"])["ARN"]
    policy = attrs.evolve(POLICY, kms_key_id=ours["Arn"], protected_secrets=["prod/"])
    yield {
        "session": session,
        "account": account,
        "key": ours["Arn"],
        "key_id": ours["KeyId"],
        "other": other["Arn"],
        "other_id": other["KeyId"],
        "eu_key": eu_key,
        "protected": protected,
        "plain": plain,
        "policy": policy,
    }
    ss.uninstall()


def _client(world: dict[str, Any], service: str, policy: ss.SecurityPolicy | None = None) -> Any:
    ss.install(policy or world["policy"])
    return world["session"].client(service, region_name="us-east-1")


# --------------------------------------------------------------------------- KMS


def test_the_policy_s_key_is_not_deleted_disabled_or_stripped(world: dict[str, Any]) -> None:
    kms = _client(world, "kms")
    sent = Sent(kms)
    key, other = world["key"], world["other_id"]  # moto takes only key IDs here
    refused(kms.schedule_key_deletion, sent, "SM460", KeyId=key, PendingWindowInDays=7)
    refused(kms.schedule_key_deletion, sent, "SM460", KeyId=world["key_id"])
    refused(kms.disable_key, sent, "SM461", KeyId=key)
    refused(kms.delete_imported_key_material, sent, "SM465", KeyId=key)
    refused(kms.disable_key_rotation, sent, "SM410", KeyId=key)
    # another team's key is not the policy's: sent
    sent_anyway(kms.disable_key, sent, "DisableKey", KeyId=other)
    sent_anyway(kms.delete_imported_key_material, sent, "DeleteImportedKeyMaterial", KeyId=other)
    sent_anyway(kms.schedule_key_deletion, sent, "ScheduleKeyDeletion", KeyId=other)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_allow_deletions_lets_the_named_key_be_deleted(world: dict[str, Any]) -> None:
    policy = attrs.evolve(world["policy"], allow_deletions={world["key"]: "retired, ml, 2027"})
    kms = _client(world, "kms", policy)
    sent = Sent(kms)
    refused(kms.disable_key, sent, "SM461", KeyId=world["key"])  # deletion only
    sent_anyway(kms.schedule_key_deletion, sent, "ScheduleKeyDeletion", KeyId=world["key_id"])
    state = kms.describe_key(KeyId=world["key"])["KeyMetadata"]["KeyState"]
    assert state == "PendingDeletion"


def test_key_policies_are_not_opened(world: dict[str, Any]) -> None:
    kms = _client(world, "kms")
    sent = Sent(kms)
    key, account = world["key"], world["account"]
    refused(kms.put_key_policy, sent, "SM462", KeyId=key, Policy=key_policy("*"))
    refused(kms.put_key_policy, sent, "SM462", KeyId=key, Policy=key_policy({"AWS": FOREIGN_ROLE}))
    refused(
        kms.put_key_policy, sent, "SM462", KeyId=world["other"], Policy=key_policy({"AWS": "*"})
    )
    own = key_policy({"AWS": f"arn:aws:iam::{account}:root"})
    refused(
        kms.put_key_policy,
        sent,
        "SM463",
        KeyId=key,
        Policy=own,
        BypassPolicyLockoutSafetyCheck=True,
    )
    # moto needs the PolicyName AWS defaults to
    sent_anyway(
        kms.put_key_policy, sent, "PutKeyPolicy", KeyId=key, Policy=own, PolicyName="default"
    )
    stored = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    assert json.loads(stored) == json.loads(own)
    # another team's key may be shared with a partner (never made public)
    partner = key_policy({"AWS": FOREIGN_ROLE})
    sent_anyway(
        kms.put_key_policy,
        sent,
        "PutKeyPolicy",
        KeyId=world["other"],
        Policy=partner,
        PolicyName="default",
    )


def test_grants_go_to_the_organisation_only(world: dict[str, Any]) -> None:
    kms = _client(world, "kms")
    sent = Sent(kms)
    key, account = world["key"], world["account"]
    ops = ["Decrypt", "GenerateDataKey"]
    refused(
        kms.create_grant, sent, "SM464", KeyId=key, GranteePrincipal=FOREIGN_ROLE, Operations=ops
    )
    own_role = f"arn:aws:iam::{account}:role/ml"
    refused(
        kms.create_grant,
        sent,
        "SM464",
        KeyId=key,
        GranteePrincipal=own_role,
        RetiringPrincipal=FOREIGN_ROLE,
        Operations=ops,
    )
    grant = sent_anyway(
        kms.create_grant, sent, "CreateGrant", KeyId=key, GranteePrincipal=own_role, Operations=ops
    )
    assert not isinstance(grant, Exception) and grant["GrantId"]


def test_the_policy_s_key_is_replicated_only_to_allowed_regions(world: dict[str, Any]) -> None:
    kms = _client(world, "kms")
    sent = Sent(kms)
    key = world["key"]
    refused(kms.replicate_key, sent, "SM466", KeyId=key, ReplicaRegion="eu-west-1")
    refused(kms.update_primary_region, sent, "SM466", KeyId=key, PrimaryRegion="eu-west-1")
    refused(
        kms.replicate_key,
        sent,
        "SM462",
        KeyId=key,
        ReplicaRegion="us-east-1",
        Policy=key_policy("*"),
    )
    ss.uninstall()
    europe = attrs.evolve(world["policy"], allowed_regions=["us-east-1", "eu-west-1"])
    kms = _client(world, "kms", europe)
    sent = Sent(kms)
    sent_anyway(kms.replicate_key, sent, "ReplicateKey", KeyId=key, ReplicaRegion="eu-west-1")


# --------------------------------------------------------------------------- only the organisation's keys


def test_kms_fields_accept_only_the_organisation_s_keys(world: dict[str, Any]) -> None:
    foreign_key = f"arn:aws:kms:us-east-1:{FOREIGN}:key/12345678-1234-1234-1234-123456789012"
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    # trusted accounts default to the caller's own: a key of another account is refused
    refused(sm.create_secret, sent, "SM501", Name="dev/a", SecretString="x", KmsKeyId=foreign_key)
    sent_anyway(
        sm.create_secret,
        sent,
        "CreateSecret",
        Name="dev/b",
        SecretString="x",
        KmsKeyId=world["other"],
    )
    ss.uninstall()
    listed = attrs.evolve(world["policy"], allowed_kms_keys=[world["key"]])
    sm = _client(world, "secretsmanager", listed)
    sent = Sent(sm)
    refused(
        sm.create_secret, sent, "SM501", Name="dev/c", SecretString="x", KmsKeyId=world["other"]
    )
    sent_anyway(
        sm.create_secret,
        sent,
        "CreateSecret",
        Name="dev/d",
        SecretString="x",
        KmsKeyId=world["key"],
    )


# --------------------------------------------------------------------------- Secrets Manager


def _secret_policy(principal: Any) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal,
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                }
            ],
        }
    )


def test_secret_policies_are_not_opened_and_block_public_policy_is_filled(
    world: dict[str, Any],
) -> None:
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    plain, account = world["plain"], world["account"]
    refused(
        sm.put_resource_policy, sent, "SM520", SecretId=plain, ResourcePolicy=_secret_policy("*")
    )
    refused(
        sm.put_resource_policy,
        sent,
        "SM520",
        SecretId=plain,
        ResourcePolicy=_secret_policy({"AWS": FOREIGN_ROLE}),
    )
    refused(
        sm.put_resource_policy,
        sent,
        "SM521",
        SecretId=plain,
        ResourcePolicy=_secret_policy({"AWS": f"arn:aws:iam::{account}:role/app"}),
        BlockPublicPolicy=False,
    )
    own = _secret_policy({"AWS": f"arn:aws:iam::{account}:role/app"})
    sent_anyway(
        sm.put_resource_policy, sent, "PutResourcePolicy", SecretId=plain, ResourcePolicy=own
    )
    assert json.loads(sent.bodies[-1])["BlockPublicPolicy"] is True  # filled by the guard


def test_secrets_are_not_destroyed(world: dict[str, Any]) -> None:
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    protected, plain = world["protected"], world["plain"]
    refused(sm.delete_secret, sent, "SM522", SecretId=plain, ForceDeleteWithoutRecovery=True)
    refused(sm.delete_secret, sent, "SM523", SecretId=protected, RecoveryWindowInDays=30)
    refused(sm.delete_secret, sent, "SM523", SecretId="prod/db")
    refused(
        sm.remove_regions_from_replication,
        sent,
        "SM523",
        SecretId=protected,
        RemoveReplicaRegions=["eu-west-1"],
    )
    sent_anyway(sm.delete_secret, sent, "DeleteSecret", SecretId=plain, RecoveryWindowInDays=7)
    assert sm.describe_secret(SecretId=protected).get("DeletedDate") is None
    ss.uninstall()
    retire = attrs.evolve(world["policy"], allow_deletions={"prod/db": "retired, ml, 2027"})
    sm = _client(world, "secretsmanager", retire)
    sent = Sent(sm)
    sent_anyway(sm.delete_secret, sent, "DeleteSecret", SecretId=protected, RecoveryWindowInDays=7)


def test_protected_secrets_keep_rotation_and_change_only_by_rotation(world: dict[str, Any]) -> None:
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    protected, plain = world["protected"], world["plain"]
    refused(sm.cancel_rotate_secret, sent, "SM524", SecretId=protected)
    refused(sm.put_secret_value, sent, "SM528", SecretId=protected, SecretString="chosen")
    refused(sm.update_secret, sent, "SM528", SecretId="prod/db", SecretString="chosen")
    refused(
        sm.update_secret_version_stage,
        sent,
        "SM528",
        SecretId=protected,
        VersionStage="AWSCURRENT",
        MoveToVersionId="0" * 32,
    )
    sent_anyway(sm.put_secret_value, sent, "PutSecretValue", SecretId=plain, SecretString="y")
    sent_anyway(sm.cancel_rotate_secret, sent, "CancelRotateSecret", SecretId=plain)


def test_a_schedule_alone_is_not_rotation(world: dict[str, Any]) -> None:
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    plain, account = world["plain"], world["account"]
    rules = {"AutomaticallyAfterDays": 30}
    refused(sm.rotate_secret, sent, "SM502", SecretId=plain, RotationRules=rules)
    foreign = f"arn:aws:lambda:us-east-1:{FOREIGN}:function:rotator"
    refused(
        sm.rotate_secret,
        sent,
        "SM529",
        SecretId=plain,
        RotationLambdaARN=foreign,
        RotationRules=rules,
    )
    own = f"arn:aws:lambda:us-east-1:{account}:function:rotator"
    sent_anyway(
        sm.rotate_secret,
        sent,
        "RotateSecret",
        SecretId=plain,
        RotationLambdaARN=own,
        RotationRules=rules,
        RotateImmediately=False,
    )


def test_replicas_are_encrypted_with_the_organisation_s_keys_in_allowed_regions(
    world: dict[str, Any],
) -> None:
    sm = _client(world, "secretsmanager")
    sent = Sent(sm)
    plain, eu_key = world["plain"], world["eu_key"]
    refused(
        sm.replicate_secret_to_regions,
        sent,
        "SM525",
        SecretId=plain,
        AddReplicaRegions=[{"Region": "eu-west-1"}],
    )
    refused(
        sm.replicate_secret_to_regions,
        sent,
        "SM525",
        SecretId=plain,
        AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": "alias/aws/secretsmanager"}],
    )
    refused(
        sm.replicate_secret_to_regions,
        sent,
        "SM526",
        SecretId=plain,
        AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": eu_key}],
    )
    refused(
        sm.create_secret,
        sent,
        "SM525",
        Name="dev/r",
        SecretString="x",
        KmsKeyId=world["key"],
        AddReplicaRegions=[{"Region": "us-west-2"}],
    )
    cross = f"arn:aws:secretsmanager:us-east-1:{FOREIGN}:secret:db-AbCdEf"
    refused(
        sm.associate_cross_account_replica,
        sent,
        "SM527",
        SecretId=plain,
        CrossAccountReplicaARN=cross,
    )
    ss.uninstall()
    europe = attrs.evolve(world["policy"], allowed_regions=["us-east-1", "eu-west-1"])
    sm = _client(world, "secretsmanager", europe)
    sent = Sent(sm)
    sent_anyway(
        sm.replicate_secret_to_regions,
        sent,
        "ReplicateSecretToRegions",
        SecretId=plain,
        AddReplicaRegions=[{"Region": "eu-west-1", "KmsKeyId": eu_key}],
    )


# --------------------------------------------------------------------------- SageMaker resource policies


def _sagemaker_policy(principal: Any, action: str, resource: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
            ],
        }
    )


def test_sagemaker_resource_policies_are_not_opened(world: dict[str, Any]) -> None:
    sm = _client(world, "sagemaker")
    sent = Sent(sm)
    account = world["account"]
    group = f"arn:aws:sagemaker:us-east-1:{account}:model-package-group/churn"
    endpoint = f"arn:aws:sagemaker:us-east-1:{account}:endpoint/churn"
    read = "sagemaker:DescribeModelPackage"
    refused(
        sm.put_model_package_group_policy,
        sent,
        "SM350",
        ModelPackageGroupName="churn",
        ResourcePolicy=_sagemaker_policy("*", read, group),
    )
    refused(
        sm.put_model_package_group_policy,
        sent,
        "SM350",
        ModelPackageGroupName="churn",
        ResourcePolicy=_sagemaker_policy({"AWS": f"arn:aws:iam::{FOREIGN}:root"}, read, group),
    )
    refused(
        sm.put_endpoint_policy,
        sent,
        "SM351",
        EndpointName="churn",
        ResourcePolicy=_sagemaker_policy({"AWS": "*"}, "sagemaker:InvokeEndpoint", endpoint),
    )
    own = {"AWS": f"arn:aws:iam::{account}:root"}
    sent_anyway(
        sm.put_model_package_group_policy,
        sent,
        "PutModelPackageGroupPolicy",
        ModelPackageGroupName="churn",
        ResourcePolicy=_sagemaker_policy(own, read, group),
    )
    sent_anyway(
        sm.put_endpoint_policy,
        sent,
        "PutEndpointPolicy",
        EndpointName="churn",
        ResourcePolicy=_sagemaker_policy(own, "sagemaker:InvokeEndpoint", endpoint),
    )
