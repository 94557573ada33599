"""Audit parity (issue 13): what the guard refuses on a request, the audit reports on a
resource that already has it - against the embedded moto server.

One account is seeded with an artifact bucket opened in every way the guard refuses
(public policy, ACLs, public ACL grant, replication to a foreign account, short
lifecycle, suspended versioning, partial public access block), one shared with a
foreign account, KMS keys with a public or foreign key policy, secrets with public or
foreign resource policies and execution roles trusting a foreign account or everyone,
next to clean ones (``ArtifactStore.ensure()``, default key policies, no or own-account
resource policies, a role trusting SageMaker).  The audit must fail exactly the opened
ones, by the guard's own rule IDs where the audit judges the rebuilt request (SM403,
SM408, SM412, SM443, SM446, SM447, SM449, SM609) and by the view rules elsewhere
(SM432, SM436, SM540); a denied read is an ``error``, never a pass.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from secure_sagemaker import ArtifactStore, SecurityPolicy
from secure_sagemaker.audit import AuditReport, audit
from secure_sagemaker.audit._engine import Scope
from secure_sagemaker.audit._related import execution_roles, roles_outcome
from secure_sagemaker.testing import EmbeddedAWS

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
FOREIGN = "444455556666"
REGION = "us-east-1"
CLEAN, OPEN, SHARED, LOGS = "ml-clean", "ml-open", "ml-shared", "ml-access-logs"
ALIAS = "alias/ml-data"
SERVICES = ["s3", "kms", "secretsmanager", "iam"]

#: The rules of issue 13's conditions, as the audit reports them.
PARITY = frozenset(
    {
        "SM403",  # versioning not Enabled (PutBucketVersioning)
        "SM406",  # the bucket policy's TLS deny
        "SM408",  # bucket public access block (PutPublicAccessBlock)
        "SM412",  # ACLs enabled (PutBucketOwnershipControls)
        "SM432",  # public key policy (@KmsKey)
        "SM436",  # foreign account in the key policy of one of the policy's keys (@KmsKey)
        "SM443",  # public or cross-account bucket policy (PutBucketPolicy)
        "SM446",  # ACL grants beyond the owner (PutBucketAcl)
        "SM447",  # lifecycle expiring versions in under 30 days
        "SM449",  # replication outside the trusted accounts / artifact buckets
        "SM540",  # public or cross-account secret resource policy (@Secret)
        "SM609",  # public or cross-account trust policy (CreateRole, via lint_role)
    }
)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, action: str, resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}


def root(account: str) -> dict[str, str]:
    return {"AWS": f"arn:aws:iam::{account}:root"}


class Seed:
    def __init__(self, session: Any) -> None:
        self.s = session
        self.keys: dict[str, str] = {}

    def kms(self) -> None:
        kms = self.s.client("kms")
        for name in ("clean", "public", "foreign"):
            meta = kms.create_key(Description=name)["KeyMetadata"]
            kms.enable_key_rotation(KeyId=meta["KeyId"])
            self.keys[name] = meta["Arn"]
        kms.put_key_policy(
            KeyId=self.keys["public"],
            PolicyName="default",
            Policy=document(allow(root(ACCOUNT), "kms:*"), allow({"AWS": "*"}, "kms:Decrypt")),
        )
        kms.put_key_policy(
            KeyId=self.keys["foreign"],
            PolicyName="default",
            Policy=document(allow(root(ACCOUNT), "kms:*"), allow(root(FOREIGN), "kms:Decrypt")),
        )
        kms.create_alias(AliasName=ALIAS, TargetKeyId=self.keys["foreign"])

    def policy(self) -> SecurityPolicy:
        return SecurityPolicy(
            kms_key_id=self.keys["clean"],
            allowed_kms_keys=[self.keys["clean"], f"arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS}"],
            artifact_buckets=[CLEAN, OPEN, SHARED],
            execution_roles=["ml-exec", "ml-exec-foreign", "ml-exec-public"],
        )

    def buckets(self) -> None:
        s3 = self.s.client("s3")
        s3.create_bucket(Bucket=LOGS)
        s3.put_bucket_acl(Bucket=LOGS, ACL="log-delivery-write")
        for bucket in (CLEAN, OPEN, SHARED):
            ArtifactStore(bucket, kms_key_id=self.keys["clean"], session=self.s).ensure(
                access_log_bucket=LOGS
            )
        # SHARED: its policy also lets a foreign account read the models
        mine = json.loads(s3.get_bucket_policy(Bucket=SHARED)["Policy"])["Statement"]
        read = allow(root(FOREIGN), "s3:GetObject", f"arn:aws:s3:::{SHARED}/*")
        s3.put_bucket_policy(Bucket=SHARED, Policy=document(*mine, read))
        # OPEN: every weakening the guard refuses, done behind its back
        s3.put_public_access_block(
            Bucket=OPEN,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": False,
                "IgnorePublicAcls": False,
                "BlockPublicPolicy": False,
                "RestrictPublicBuckets": False,
            },
        )
        public = allow("*", "s3:GetObject", f"arn:aws:s3:::{OPEN}/*")
        s3.put_bucket_policy(Bucket=OPEN, Policy=document(public))  # the TLS deny is gone too
        s3.put_bucket_ownership_controls(
            Bucket=OPEN, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
        )
        s3.put_bucket_acl(Bucket=OPEN, ACL="public-read")
        s3.put_bucket_lifecycle_configuration(
            Bucket=OPEN,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "purge",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
                    }
                ]
            },
        )
        s3.put_bucket_replication(
            Bucket=OPEN,
            ReplicationConfiguration={
                "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
                "Rules": [
                    {
                        "ID": "out",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": "arn:aws:s3:::elsewhere", "Account": FOREIGN},
                    }
                ],
            },
        )
        s3.put_bucket_versioning(Bucket=OPEN, VersioningConfiguration={"Status": "Suspended"})

    def secrets(self) -> None:
        sm = self.s.client("secretsmanager")
        reader = f"arn:aws:iam::{ACCOUNT}:role/reader"
        for name, principal in (
            ("db-clean", None),
            ("db-own", {"AWS": reader}),
            ("db-public", "*"),
            ("db-foreign", root(FOREIGN)),
        ):
            sm.create_secret(Name=name, SecretString="x", KmsKeyId=self.keys["clean"])
            if principal is not None:
                sm.put_resource_policy(
                    SecretId=name,
                    ResourcePolicy=document(allow(principal, "secretsmanager:GetSecretValue")),
                )

    def roles(self) -> None:
        iam = self.s.client("iam")
        for name, principal in (
            ("ml-exec", {"Service": "sagemaker.amazonaws.com"}),
            ("ml-exec-foreign", root(FOREIGN)),
            ("ml-exec-public", {"AWS": "*"}),
        ):
            trust = document(allow(principal, "sts:AssumeRole"))
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)


@pytest.fixture(scope="module")
def seeded(aws: EmbeddedAWS) -> Iterator[tuple[Any, Seed]]:
    aws.reset()
    seed = Seed(aws.session())
    seed.kms()
    seed.buckets()
    seed.secrets()
    seed.roles()
    yield aws.session(), seed


@pytest.fixture(scope="module")
def report(seeded: tuple[Any, Seed]) -> AuditReport:
    session, seed = seeded
    return audit(session, policy=seed.policy(), regions=[REGION], services=SERVICES)


def _name(resource: str) -> str:
    last = resource.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return last.rsplit("-", 1)[0] if resource.startswith("arn:aws:secretsmanager") else last


def _verdicts(report: AuditReport) -> dict[str, dict[str, set[str]]]:
    """``{resource name: {rule ID: statuses}}`` for the parity rules."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in report.findings:
        if f.rule_id in PARITY:
            out[_name(f.resource)][f.rule_id].add(f.status)
    return out


def _failing(report: AuditReport) -> dict[str, set[str]]:
    return {
        name: {rule for rule, statuses in rules.items() if "fail" in statuses}
        for name, rules in _verdicts(report).items()
    }


def test_everything_was_read(report: AuditReport) -> None:
    assert report.complete
    assert report.not_assessed() == {}, [f for f in report.findings if f.status == "error"]


def test_the_audit_fails_exactly_what_the_guard_refuses(
    report: AuditReport, seeded: tuple[Any, Seed]
) -> None:
    keys = {name: arn.rsplit("/", 1)[-1] for name, arn in seeded[1].keys.items()}
    failing = {name: rules for name, rules in _failing(report).items() if rules}
    assert failing == {
        OPEN: {"SM403", "SM406", "SM408", "SM412", "SM443", "SM446", "SM447", "SM449"},
        SHARED: {"SM443"},
        keys["public"]: {"SM432"},
        keys["foreign"]: {"SM436"},
        "db-public": {"SM540"},
        "db-foreign": {"SM540"},
        "ml-exec-foreign": {"SM609"},
        "ml-exec-public": {"SM609"},
    }


def test_the_failures_say_why_without_quoting_the_documents(report: AuditReport) -> None:
    by_rule = {(f.rule_id, _name(f.resource)): f for f in report.findings if f.status == "fail"}
    assert "public" in by_rule[("SM443", OPEN)].message
    assert "cross-account" in by_rule[("SM443", SHARED)].message
    assert by_rule[("SM443", OPEN)].field.startswith("Policy.Statement")
    assert "public" in by_rule[("SM540", "db-public")].message
    assert "cross-account" in by_rule[("SM540", "db-foreign")].message
    for f in report.findings:
        assert FOREIGN not in f.message and "s3:GetObject" not in f.message


def test_clean_resources_pass_the_parity_rules(
    report: AuditReport, seeded: tuple[Any, Seed]
) -> None:
    verdicts = _verdicts(report)
    clean_key = seeded[1].keys["clean"].rsplit("/", 1)[-1]
    expected = {
        CLEAN: {"SM403", "SM406", "SM408", "SM412", "SM443", "SM446"},  # no lifecycle/replication
        clean_key: {"SM432", "SM436"},  # the policy's key, with the default key policy
        "db-clean": {"SM540"},  # no resource policy
        "db-own": {"SM540"},  # the audited account only: trusted by default
        "ml-exec": {"SM609"},  # trusts SageMaker
    }
    for name, rules in expected.items():
        assert {rule: {"pass"} for rule in rules} == dict(verdicts[name]), name


def test_an_artifact_bucket_from_artifact_store_passes_every_bucket_rule(
    report: AuditReport,
) -> None:
    clean = [f for f in report.findings if f.resource == f"arn:aws:s3:::{CLEAN}"]
    assert clean and all(f.status == "pass" for f in clean), [
        f for f in clean if f.status != "pass"
    ]


def test_a_key_that_is_not_the_policys_is_judged_public_only(
    report: AuditReport, seeded: tuple[Any, Seed]
) -> None:
    public_key = seeded[1].keys["public"].rsplit("/", 1)[-1]
    assert set(_verdicts(report)[public_key]) == {"SM432"}  # SM436: not one of the policy's


# --------------------------------------------------------------------------- denied reads


def _denied(request: Any, event_name: str, **kw: Any) -> AWSResponse:
    """Access denied, in the service's error format (S3, IAM: XML; the others: JSON)."""
    service = event_name.split(".")[1]
    if service == "s3":
        body = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
        return AWSResponse(request.url, 403, {}, _Raw(body))
    if service == "iam":
        body = (
            b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message>"
            b"</Error></ErrorResponse>"
        )
        return AWSResponse(request.url, 403, {}, _Raw(body))
    body = b'{"__type":"AccessDeniedException","message":"no"}'
    return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "AccessDeniedException"}, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kw: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *a: Any, **kw: Any) -> bytes:
        body, self._body = self._body, b""
        return body


DENIED = (
    "before-send.secrets-manager.GetResourcePolicy",
    "before-send.s3.GetBucketReplication",
    "before-send.s3.GetBucketAcl",
    "before-send.s3.GetBucketOwnershipControls",
    "before-send.iam.GetRole",
)


def test_a_denied_read_is_an_error_never_a_pass(seeded: tuple[Any, Seed]) -> None:
    session, seed = seeded
    for event in DENIED:
        session.events.register(event, _denied)
    try:
        result = audit(session, policy=seed.policy(), regions=[REGION], services=SERVICES)
    finally:
        for event in DENIED:
            session.events.unregister(event, _denied)
    verdicts = _verdicts(result)
    for secret in ("db-clean", "db-own", "db-public", "db-foreign"):
        assert verdicts[secret]["SM540"] == {"error"}, secret
    for bucket in (CLEAN, OPEN, SHARED):
        assert verdicts[bucket]["SM412"] == {"error"}
        assert verdicts[bucket]["SM446"] == {"error"}
    assert verdicts[OPEN]["SM449"] == {"error"}
    assert verdicts[OPEN]["SM447"] == {"fail"}  # the other reads still judged
    for role in ("ml-exec", "ml-exec-foreign", "ml-exec-public"):
        assert verdicts[role]["SM609"] == {"error"}, role
    errors = sum(1 for f in result.findings if f.status == "error")
    assert result.not_assessed() == {"access denied (AccessDenied)": errors - 4} | {
        "access denied (AccessDeniedException)": 4
    }


def test_unlisted_aliases_make_every_key_a_possible_policy_key(seeded: tuple[Any, Seed]) -> None:
    session, seed = seeded
    event = "before-send.kms.ListAliases"
    session.events.register(event, _denied)
    try:
        result = audit(session, policy=seed.policy(), regions=[REGION], services=["kms"])
    finally:
        session.events.unregister(event, _denied)
    public_key = seed.keys["public"].rsplit("/", 1)[-1]
    assert _verdicts(result)[public_key]["SM436"] == {"fail"}  # fail closed
    assert result.not_assessed() == {}


def test_the_policys_execution_roles_are_audited_in_their_account() -> None:
    policy = SecurityPolicy(
        execution_roles=[
            "ml-exec",
            f"arn:aws:iam::{ACCOUNT}:role/team/ml-train",
            f"arn:aws:iam::{FOREIGN}:role/partner",  # another account's: audited there
        ]
    )
    scope = Scope(ACCOUNT, REGION, None, policy, None)  # type: ignore[arg-type]
    assert execution_roles(scope) == {
        f"arn:aws:iam::{ACCOUNT}:role/ml-exec",
        f"arn:aws:iam::{ACCOUNT}:role/team/ml-train",
    }
    # a role a resource names (with its path) is linted once, under that ARN
    named = f"arn:aws:iam::{ACCOUNT}:role/service/ml-exec"
    assert roles_outcome(scope, [named]).listed == 2
