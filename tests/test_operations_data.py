"""The classification data of the watched services other than SageMaker: every
operation classified exactly once, every listed name real, and the ``protected``
predicates of S3 (artifact buckets) and KMS (the policy's keys)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from secure_sagemaker._operations import READ_PREFIXES, ServiceOperations, botocore_operations
from secure_sagemaker.controls import CATALOG, REGISTRY
from secure_sagemaker.policy import SecurityPolicy

STANCES = {
    "s3": "protected",
    "s3control": "refuse",
    "kms": "protected",
    "secretsmanager": "refuse",
    "iam": "refuse",
    "ec2": "log",
    "apigateway": "log",
    "logs": "log",
    "wafv2": "log",
    "sts": "log",
    "sagemaker_runtime": "log",
    "cloudformation": "log",
}
MODULES = tuple(STANCES)


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"secure_sagemaker.controls.operations.{name}")


def _entry(name: str) -> ServiceOperations:
    service: ServiceOperations = _module(name).SERVICE
    return service


def _judged(service: str) -> frozenset[str]:
    return frozenset(CATALOG.judged_by_service().get(service, ()))


# ------------------------------------------------------------------ the tables


@pytest.mark.parametrize("name", MODULES)
def test_module_defines_service_only_with_its_stance(name: str) -> None:
    module = _module(name)
    tree = ast.parse(Path(module.__file__ or "").read_text())
    public = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            public.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            public.update(t.id for t in targets if isinstance(t, ast.Name))
    # SERVICE, plus the helpers other tables share (those are listed in __all__)
    shared = set(getattr(module, "__all__", ())) - {"SERVICE"}
    assert {n for n in public if not n.startswith("_")} - shared == {"SERVICE"}
    assert ast.get_docstring(tree)
    assert len(Path(module.__file__ or "").read_text().splitlines()) < 450
    entry = _entry(name)
    assert entry.service == name.replace("_", "-")
    assert entry.stance == STANCES[name]
    assert (entry.protected is not None) == (entry.stance == "protected")
    assert bool(entry.scope) == (entry.stance == "protected")


@pytest.mark.parametrize("name", MODULES)
def test_every_botocore_operation_is_classified_exactly_once(name: str) -> None:
    entry = _entry(name)
    judged = _judged(entry.service)
    wrong = {}
    for op in sorted(botocore_operations(entry.service)):
        classes = [
            c
            for c, member in (
                ("judged", op in judged),
                ("allowed", op in entry.allowed),
                ("unknown", op in entry.unknown),
                ("read", entry.is_read(op)),
            )
            if member
        ]
        if len(classes) != 1:
            wrong[op] = classes
    assert not wrong, f"{entry.service}: not classified exactly once: {wrong}"


@pytest.mark.parametrize("name", MODULES)
def test_listed_names_are_real_unjudged_and_consistent(name: str) -> None:
    entry = _entry(name)
    known = botocore_operations(entry.service)
    listed = set(entry.allowed) | entry.unknown | entry.read | entry.not_read
    assert not listed - known, f"not {entry.service} operations: {sorted(listed - known)}"
    assert not listed & _judged(entry.service), "judged operations are the rules' business"
    assert not set(entry.allowed) & entry.unknown
    assert not entry.read & (set(entry.allowed) | entry.unknown)
    assert not entry.read & entry.not_read
    assert not [op for op in entry.read if op.startswith(READ_PREFIXES)], "read by prefix"
    assert all(op.startswith(READ_PREFIXES) for op in entry.not_read)
    prefixed = [
        op
        for op in (*entry.allowed, *entry.unknown)
        if op.startswith(READ_PREFIXES) and op not in entry.not_read
    ]
    assert not prefixed, f"read by prefix, listed as mutating: {prefixed}"
    assert not entry.not_read - (set(entry.allowed) | entry.unknown)
    for op, reason in entry.allowed.items():
        assert reason.strip() and "\n" not in reason, op


@pytest.mark.parametrize("name", MODULES)
def test_the_registry_serves_these_tables(name: str) -> None:
    entry = _entry(name)
    assert REGISTRY.services[entry.service] is entry
    for op in entry.allowed:
        assert REGISTRY.classify(entry.service, op) == "allowed"
    for op in entry.unknown:
        assert REGISTRY.classify(entry.service, op) == "unknown"
    for op in entry.read:
        assert REGISTRY.classify(entry.service, op) == "read"


@pytest.mark.parametrize(
    ("service", "operation", "expected"),
    [
        ("s3", "DeleteBucketPolicy", "judged"),
        ("s3", "DeletePublicAccessBlock", "judged"),
        ("s3", "PutBucketAcl", "judged"),
        ("s3", "UpdateObjectEncryption", "unknown"),
        ("s3", "UploadPart", "allowed"),
        ("s3", "DeleteObjects", "judged"),
        ("s3", "GetObject", "read"),
        ("kms", "ScheduleKeyDeletion", "judged"),
        ("kms", "PutKeyPolicy", "judged"),
        ("kms", "CreateGrant", "judged"),
        ("kms", "TagResource", "unknown"),
        ("kms", "Decrypt", "allowed"),
        ("secretsmanager", "CancelRotateSecret", "judged"),
        ("secretsmanager", "DeleteResourcePolicy", "unknown"),
        ("iam", "TagRole", "unknown"),
        ("iam", "AcquireRole", "unknown"),
        ("iam", "GenerateServiceLastAccessedDetails", "allowed"),
        ("ec2", "CreateTags", "allowed"),
        ("ec2", "DeleteFlowLogs", "unknown"),
        ("ec2", "AuthorizeSecurityGroupIngress", "unknown"),
        ("logs", "PutLogEvents", "allowed"),
        ("logs", "DeleteLogGroup", "unknown"),
        ("logs", "FilterLogEvents", "read"),
        ("wafv2", "CheckCapacity", "read"),
        ("wafv2", "DeleteWebACL", "unknown"),
        ("apigateway", "CreateDeployment", "unknown"),
        ("sts", "AssumeRole", "allowed"),
        ("sts", "AssumeRoot", "unknown"),
        ("sts", "DecodeAuthorizationMessage", "read"),
        ("sagemaker-runtime", "InvokeEndpoint", "allowed"),
        ("cloudformation", "DetectStackDrift", "allowed"),
        ("cloudformation", "DeleteStack", "unknown"),
    ],
)
def test_sample_classifications(service: str, operation: str, expected: str) -> None:
    assert REGISTRY.classify(service, operation) == expected


# ------------------------------------------------------------------ S3 predicate

S3 = _entry("s3")
BUCKETS = SecurityPolicy(artifact_buckets=("ml-artifacts",))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"Bucket": "ml-artifacts"}, True),
        ({"Bucket": "other-bucket"}, False),
        ({"Bucket": "ml-artifacts-copy"}, False),
        ({"Bucket": "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap"}, True),
        ({"Bucket": "arn:aws:s3-outposts:eu-west-1:111122223333:outpost/op-1/bucket/b"}, True),
        ({"Bucket": "ap-1a2b3c4d5e6f-s3alias"}, True),
        ({}, False),
        ({"Key": "model.tar.gz"}, False),
        ({"Bucket": None}, False),
        ({"Bucket": 42}, False),
        ({"Bucket": ["ml-artifacts"]}, False),
    ],
)
def test_s3_protected_is_the_artifact_bucket(params: dict[str, Any], expected: bool) -> None:
    assert S3.protected is not None
    assert S3.protected(params, BUCKETS) is expected
    assert S3.targets_protected(params, BUCKETS) is expected


def test_s3_uri_buckets_in_the_policy_are_compared_by_name() -> None:
    policy = SecurityPolicy(artifact_buckets=("s3://ml-artifacts/models",))
    assert S3.targets_protected({"Bucket": "ml-artifacts"}, policy)


def test_s3_nothing_is_protected_without_artifact_buckets() -> None:
    policy = SecurityPolicy()
    for bucket in ("ml-artifacts", "arn:aws:s3:eu-west-1:111122223333:accesspoint/ap"):
        assert not S3.targets_protected({"Bucket": bucket}, policy)


# ------------------------------------------------------------------ KMS predicate

KMS = _entry("kms")
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:eu-west-1:111122223333:key/{KEY_ID}"
OTHER_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"
OTHER_ARN = f"arn:aws:kms:eu-west-1:111122223333:key/{OTHER_ID}"
BY_ARN = SecurityPolicy(artifact_buckets=("ml-artifacts",), kms_key_id=KEY_ARN)
BY_ALIAS = SecurityPolicy(kms_key_id="alias/ml-key")


def _kms(params: dict[str, Any], policy: SecurityPolicy) -> bool:
    assert KMS.protected is not None
    result = KMS.protected(params, policy)
    assert KMS.targets_protected(params, policy) is result
    return result


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"KeyId": KEY_ARN}, True),
        ({"KeyId": KEY_ID}, True),
        ({"KeyId": KEY_ID.upper()}, True),
        ({"KeyId": f"arn:aws:kms:us-east-1:444455556666:key/{KEY_ID}"}, True),
        ({"KeyId": OTHER_ID}, False),
        ({"KeyId": OTHER_ARN}, False),
        ({"KeyId": "mrk-1234abcd12ab34cd56ef1234567890ab"}, False),
        # an alias cannot be compared with a key ID without calling AWS: fail closed
        ({"KeyId": "alias/anything"}, True),
        ({"KeyId": "arn:aws:kms:eu-west-1:111122223333:alias/anything"}, True),
        # an ARN naming neither a key nor an alias cannot be compared: fail closed
        ({"KeyId": "arn:aws:kms:eu-west-1:111122223333:grant/abc"}, True),
        ({"KeyId": "arn:broken"}, True),
        ({"TargetKeyId": KEY_ID, "AliasName": "alias/new"}, True),
        ({"TargetKeyId": OTHER_ID, "AliasName": "alias/new"}, False),
        ({"SourceKeyId": OTHER_ARN, "DestinationKeyId": KEY_ARN}, True),
        ({"SourceKeyId": KEY_ID, "DestinationKeyId": OTHER_ID}, True),
        # an alias the policy does not name is not how the policy reaches its key
        ({"AliasName": "alias/ml-key"}, False),
        ({}, False),
        ({"GrantToken": "token", "GrantId": "grant-1"}, False),
        ({"CustomKeyStoreId": "cks-1234567890abcdef0"}, False),
        ({"KeyId": None}, False),
        ({"KeyId": 42}, False),
        ({"KeyId": [KEY_ID]}, False),
        ({"AliasName": {"alias": "ml-key"}}, False),
    ],
)
def test_kms_protected_by_key_arn(params: dict[str, Any], expected: bool) -> None:
    assert _kms(params, BY_ARN) is expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"KeyId": "alias/ml-key"}, True),
        ({"KeyId": "alias/ML-Key"}, True),
        ({"KeyId": "arn:aws:kms:eu-west-1:111122223333:alias/ml-key"}, True),
        ({"KeyId": "alias/other"}, False),
        ({"KeyId": "arn:aws:kms:eu-west-1:111122223333:alias/other"}, False),
        # a key ID cannot be compared with the policy's alias without calling AWS
        ({"KeyId": KEY_ID}, True),
        ({"KeyId": OTHER_ARN}, True),
        ({"AliasName": "alias/ml-key"}, True),
        ({"AliasName": "arn:aws:kms:eu-west-1:111122223333:alias/ml-key"}, True),
        ({"AliasName": "alias/other"}, False),
        ({}, False),
        ({"AliasName": 7}, False),
    ],
)
def test_kms_protected_by_alias(params: dict[str, Any], expected: bool) -> None:
    assert _kms(params, BY_ALIAS) is expected


def test_kms_every_purpose_key_is_protected() -> None:
    policy = SecurityPolicy(kms_key_id=KEY_ARN, output_kms_key_id=OTHER_ARN)
    assert _kms({"KeyId": OTHER_ID}, policy)
    assert _kms({"KeyId": KEY_ID}, policy)
    only_purpose = SecurityPolicy(secrets_kms_key_id=OTHER_ID)
    assert _kms({"KeyId": OTHER_ARN}, only_purpose)
    assert not _kms({"KeyId": KEY_ARN}, only_purpose)


def test_kms_nothing_is_protected_without_policy_keys() -> None:
    policy = SecurityPolicy()
    for key in (KEY_ID, KEY_ARN, "alias/ml-key"):
        assert not _kms({"KeyId": key}, policy)
        assert not _kms({"AliasName": key}, policy)
