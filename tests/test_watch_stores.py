"""End to end: the detector on S3 buckets, KMS keys and secrets created WITHOUT the
guard, its remediation of buckets, and its Security Hub and SNS sinks - all on the
embedded emulator (events: tests/watch_events/*.json)."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from secure_sagemaker import ArtifactStore
from secure_sagemaker.demo._infra import access_log_bucket, rotation_function
from secure_sagemaker.testing import EmbeddedAWS
from secure_sagemaker.watch import ReportError, Settings, Watcher
from tests import _examples as ex
from tests.watch_events import ACCOUNT, SELF_ROLE, api_call, event

pytestmark = pytest.mark.e2e

BUCKET = "watch-bucket"
PUBLIC = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Public",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}


@pytest.fixture
def env(fresh_aws: EmbeddedAWS) -> tuple[Any, Any]:
    """(session, policy): a customer key with rotation, the bucket an artifact bucket."""
    session = fresh_aws.session()
    kms = session.client("kms")
    key = kms.create_key(Description="watch")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    policy = attrs.evolve(ex.POLICY, kms_key_id=key["Arn"], artifact_buckets=[BUCKET])
    return session, policy


def watcher(env: tuple[Any, Any], **settings: Any) -> Watcher:
    session, policy = env
    return Watcher(policy, settings=Settings(self_arn=SELF_ROLE, **settings), session=session)


def bucket_event(name: str = "s3_PutBucketPolicy") -> dict[str, Any]:
    return (
        event(name)
        if name == "s3_PutBucketPolicy"
        else api_call(
            "s3.amazonaws.com", name, {"bucketName": BUCKET, "Host": f"{BUCKET}.s3.amazonaws.com"}
        )
    )


# --------------------------------------------------------------------------- S3


def test_a_public_bucket_policy_fails_and_remediation_restores_versioning_and_the_block(
    env: tuple[Any, Any],
) -> None:
    s3 = env[0].client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC))
    out = watcher(env).handle(bucket_event())
    assert out["resource"] == f"arn:aws:s3:::{BUCKET}"
    assert {"SM443", "SM403", "SM408"} <= set(out["failing"]), out["failing"]
    assert out["remediated"] == []
    out = watcher(env, remediate=("SM403", "SM408")).handle(bucket_event())
    assert sorted(r["action"] for r in out["remediated"]) == [
        "enable-bucket-versioning",
        "put-public-access-block",
    ]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    again = watcher(env).handle(bucket_event())
    assert not {"SM403", "SM408"} & set(again["failing"])


def test_a_secure_artifact_bucket_has_no_failing_finding(env: tuple[Any, Any]) -> None:
    session, policy = env
    store = ArtifactStore(BUCKET, policy=policy, session=session)
    store.ensure(access_log_bucket=access_log_bucket(session, ACCOUNT, BUCKET))
    for name in ("s3_PutBucketPolicy", "PutBucketPublicAccessBlock", "CreateBucket"):
        out = watcher(env).handle(bucket_event(name))
        assert out["status"] == "judged" and out["failing"] == [], (name, out["failing"])


def test_object_level_s3_events_are_ignored(env: tuple[Any, Any]) -> None:
    ev = api_call("s3.amazonaws.com", "PutObject", {"bucketName": BUCKET, "key": "a"})
    assert watcher(env).handle(ev)["reason"] == "operation not judged by the catalog"


# --------------------------------------------------------------------------- KMS


def key_event(name: str, key: dict[str, Any]) -> dict[str, Any]:
    if name == "CreateKey":
        ev = event("kms_CreateKey")
        meta = ev["detail"]["responseElements"]["keyMetadata"]
        meta.update(keyId=key["KeyId"], arn=key["Arn"])
        return ev
    return api_call("kms.amazonaws.com", name, {"keyId": key["Arn"], "policyName": "default"}, None)


@pytest.mark.parametrize("name", ["CreateKey", "PutKeyPolicy"])
def test_a_key_without_rotation_or_with_a_public_policy_fails(
    env: tuple[Any, Any], name: str
) -> None:
    kms = env[0].client("kms")
    key = kms.create_key(Description="team")["KeyMetadata"]
    out = watcher(env).handle(key_event(name, key))
    assert out["resource"] == key["Arn"] and out["failing"], out
    failing = set(out["failing"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    assert set(watcher(env).handle(key_event(name, key))["failing"]) < failing
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
        ],
    }
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(public))
    assert watcher(env).handle(key_event(name, key))["failing"]


def test_a_rotated_customer_key_passes(env: tuple[Any, Any]) -> None:
    key = env[0].client("kms").describe_key(KeyId=env[1].kms_key_id)["KeyMetadata"]
    out = watcher(env).handle(key_event("CreateKey", key))
    assert out["status"] == "judged" and out["failing"] == [] and out["counts"]["pass"]


# --------------------------------------------------------------------------- secrets


def secret_event(arn: str) -> dict[str, Any]:
    ev = event("secretsmanager_CreateSecret")
    ev["detail"]["responseElements"]["aRN"] = arn
    return ev


def test_a_secret_without_a_customer_key_fails_and_a_secure_one_passes(
    env: tuple[Any, Any],
) -> None:
    session, policy = env
    sm = session.client("secretsmanager")
    loose = sm.create_secret(Name="watch/db", SecretString="hunter2-never-logged")["ARN"]
    out = watcher(env).handle(secret_event(loose))
    assert {"SM501", "SM502"} <= set(out["failing"]), out["failing"]
    good = sm.create_secret(Name="watch/api", SecretString="x", KmsKeyId=policy.kms_key_id)["ARN"]
    sm.rotate_secret(
        SecretId=good,
        RotationLambdaARN=rotation_function(session, ACCOUNT),
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    out = watcher(env).handle(secret_event(good))
    assert out["status"] == "judged" and out["failing"] == [], out["failing"]
    sm.delete_secret(SecretId=loose, ForceDeleteWithoutRecovery=True)
    assert watcher(env).handle(secret_event(loose))["status"] == "gone"


# --------------------------------------------------------------------------- sinks


def test_findings_land_in_security_hub_and_a_fix_resolves_them(env: tuple[Any, Any]) -> None:
    session, _ = env
    hub = session.client("securityhub")
    hub.enable_security_hub()
    sm = session.client("secretsmanager")
    arn = sm.create_secret(Name="watch/db", SecretString="hunter2-never-logged")["ARN"]
    out = watcher(env, sinks=("log", "securityhub")).handle(secret_event(arn))
    found = hub.get_findings()["Findings"]
    failed = {f["GeneratorId"].rsplit("/", 1)[-1] for f in found
              if f["Compliance"]["Status"] == "FAILED"}  # fmt: skip
    assert failed == set(out["failing"]) and found
    assert all(f["Resources"][0]["Id"] == arn for f in found)
    assert "hunter2" not in json.dumps(found, default=str)


def test_sns_gets_one_message_without_values(env: tuple[Any, Any]) -> None:
    session, _ = env
    sns, sqs = session.client("sns"), session.client("sqs")
    topic = sns.create_topic(Name="watch")["TopicArn"]
    queue = sqs.create_queue(QueueName="watch")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    sm = session.client("secretsmanager")
    arn = sm.create_secret(Name="watch/db", SecretString="hunter2-never-logged")["ARN"]
    out = watcher(env, sinks=("sns",), sns_topic=topic).handle(secret_event(arn))
    [received] = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    message = json.loads(json.loads(received["Body"])["Message"])
    assert message["resource"] == arn and message["operation"] == "CreateSecret"
    assert {f["rule"] for f in message["failing"]} == set(out["failing"])
    assert "hunter2" not in received["Body"]


def test_a_sink_that_refuses_raises_so_lambda_retries(env: tuple[Any, Any]) -> None:
    sm = env[0].client("secretsmanager")
    arn = sm.create_secret(Name="watch/db", SecretString="x")["ARN"]
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"
    with pytest.raises(ReportError, match="SNS did not take the message"):
        watcher(env, sinks=("sns",), sns_topic=topic).handle(secret_event(arn))
