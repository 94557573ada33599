"""ArtifactStore against the embedded moto server over HTTPS, with the secure
bucket policy in place: bucket setup, round trips, tamper detection, manifests,
multipart uploads, concurrency and history."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from secure_sagemaker.artifacts import (
    ArtifactRef,
    ArtifactStore,
)
from secure_sagemaker.controls._bucket_policy import (
    denies_insecure_transport,
    denies_unencrypted_uploads,
)
from secure_sagemaker.exceptions import (
    ArtifactStoreError,
    IntegrityError,
    MFADeleteRequiredError,
    PolicyError,
)
from secure_sagemaker.testing import EmbeddedAWS, capture_requests

pytestmark = pytest.mark.e2e

BUCKET = "ml-artifact-store"
MiB = 1024 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def kms_key(fresh_aws: EmbeddedAWS) -> str:
    return str(fresh_aws.session().client("kms").create_key()["KeyMetadata"]["Arn"])


@pytest.fixture
def s3(fresh_aws: EmbeddedAWS) -> Any:
    return fresh_aws.session().client("s3")


@pytest.fixture
def store(fresh_aws: EmbeddedAWS, kms_key: str) -> Iterator[ArtifactStore]:
    with ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session()) as st:
        st.ensure()
        yield st


def tamper(bucket: str, key: str, version_id: str, data: bytes) -> None:
    """Change a stored version's bytes inside the emulator, behind S3's API."""
    from moto.s3.models import s3_backends

    backend = s3_backends["123456789012"]["aws"]
    backend.get_object(bucket, key, version_id=version_id).value = data


# ----------------------------------------------------------------- ensure / check


def test_ensure_creates_a_secure_bucket_and_reports_it(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    report = store.ensure()
    assert report.created and report.changes[0] == "created the bucket"
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": kms_key,
    }
    assert rule["BucketKeyEnabled"] is True
    pab = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(pab[k] is True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"))
    ownership = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]
    assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    assert denies_insecure_transport(policy) and denies_unencrypted_uploads(policy)
    # MFA delete cannot be switched on through the API: reported, not hidden
    assert report.mfa_delete == "Disabled"
    assert [f.rule_id for f in report.failed] == ["SM404", "SM433"]
    status = {f.rule_id: f.status for f in report.findings}
    assert {k: status[k] for k in ("SM403", "SM405", "SM406", "SM407", "SM408")} == dict.fromkeys(
        ("SM403", "SM405", "SM406", "SM407", "SM408"), "pass"
    )
    assert {(f.resource, f.resource_type) for f in report.findings} == {
        (f"arn:aws:s3:::{BUCKET}", "AWS::S3::Bucket")
    }
    again = store.ensure()
    assert not again.created and again.changes == ()


def test_ensure_never_weakens_an_existing_policy(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    s3.create_bucket(Bucket=BUCKET)
    theirs = [
        {"Sid": "ReadersMayRead", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/reader"},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"},
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "SecureSageMakerDenyUnencryptedUploads", "Effect": "Deny", "Principal": "*",
         "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{BUCKET}/locked/*"},
    ]
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": theirs}))
    report = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session()).ensure()
    after = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert after[:3] == theirs  # every existing statement kept, unchanged
    added = {s["Sid"] for s in after[3:]}
    # TLS-only was already there; the colliding Sid got a new name
    assert added == {"SecureSageMakerDenyUnencryptedUploads2", "SecureSageMakerDenyOtherKmsKeys"}
    assert any("SecureSageMakerDenyUnencryptedUploads2" in c for c in report.changes)


def test_ensure_without_create_refuses_a_missing_bucket(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    with pytest.raises(ArtifactStoreError, match="does not exist"):
        store.ensure(create=False)
    assert s3.list_buckets()["Buckets"] == []


def test_require_mfa_delete_fails_with_an_explanation_before_changing_anything(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    with pytest.raises(MFADeleteRequiredError) as err:
        store.ensure(require_mfa_delete=True)
    text = str(err.value)
    assert "SM404" in text and "root user" in text and "MFADelete=Enabled" in text
    assert s3.list_buckets()["Buckets"] == []  # a new bucket never has MFA delete
    s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(MFADeleteRequiredError):
        store.ensure(require_mfa_delete=True)
    assert "Status" not in s3.get_bucket_versioning(Bucket=BUCKET)  # untouched


def test_a_failing_ensure_removes_the_bucket_it_created(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    with pytest.raises(botocore.exceptions.ClientError):
        store.ensure(access_log_bucket="no-such-log-bucket")
    assert s3.list_buckets()["Buckets"] == []


def test_ensure_enables_access_logging(fresh_aws: EmbeddedAWS, kms_key: str, s3: Any) -> None:
    s3.create_bucket(Bucket="ml-access-logs")
    delivery = {"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::ml-access-logs/*"}
    s3.put_bucket_policy(Bucket="ml-access-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [delivery]}))
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    report = store.ensure(access_log_bucket="ml-access-logs", access_log_prefix="artifacts/")
    logging = s3.get_bucket_logging(Bucket=BUCKET)["LoggingEnabled"]
    assert logging == {"TargetBucket": "ml-access-logs", "TargetPrefix": "artifacts/"}
    assert [f.rule_id for f in report.failed] == ["SM404"]


def test_check_reports_an_insecure_bucket_and_changes_nothing(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    s3.create_bucket(Bucket=BUCKET)
    session = fresh_aws.session()
    with capture_requests(session) as seen:
        findings = ArtifactStore(BUCKET, kms_key_id=kms_key, session=session).check()
    failed = sorted(f.rule_id for f in findings if f.failed)
    assert failed == ["SM403", "SM404", "SM405", "SM406", "SM407", "SM408", "SM433"]
    assert all(op.startswith(("Get", "Head", "List")) for op in seen.sent_operations)
    for f in findings:
        assert f.remediation and f.field and BUCKET not in f.message


def test_a_store_needs_a_customer_managed_key(fresh_aws: EmbeddedAWS) -> None:
    from tests._examples import POLICY

    for bad in (None, "alias/aws/s3"):
        with pytest.raises(PolicyError, match="customer-managed KMS key"):
            ArtifactStore(BUCKET, kms_key_id=bad, session=fresh_aws.session())
    assert ArtifactStore(BUCKET, policy=POLICY, session=fresh_aws.session()).kms_key_id == POLICY.kms_key_id


# ----------------------------------------------------------------- put / get


def test_put_and_get_round_trip_every_source_kind(store: ArtifactStore, tmp_path: Path) -> None:
    data = b"model weights \x00\xff" * 1000
    src = tmp_path / "model.bin"
    src.write_bytes(data)
    refs = [
        store.put(data, "m/bytes.bin"),
        store.put(src, "m/path.bin"),
        store.put(str(src), "m/str.bin"),
        store.put(io.BytesIO(data), "m/fileobj.bin"),
    ]
    for ref in refs:
        assert ref.sha256 == sha(data) and ref.bucket == BUCKET and ref.version_id
        assert ArtifactRef.parse(str(ref)) == ref
        out = store.get(str(ref), tmp_path / "out" / ref.key)
        assert out.read_bytes() == data
        assert store.verify(ref) == ref
    into_dir = store.get(refs[0], tmp_path)
    assert into_dir == tmp_path / "bytes.bin"


def test_every_write_is_sse_kms_with_sha256_checksums(
    fresh_aws: EmbeddedAWS, kms_key: str, tmp_path: Path, s3: Any
) -> None:
    session = fresh_aws.session()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * MiB))
    with (
        capture_requests(session) as seen,
        ArtifactStore(BUCKET, kms_key_id=kms_key, prefix="team/", session=session) as store,
    ):
        store.ensure()
        small = store.put(b"x", "small")
        store.put(big, "big")
        store.rollback("small", small.version_id)
    writes = [(op, p) for op, p in seen.calls if op in ("PutObject", "CreateMultipartUpload", "CopyObject")]
    assert {op for op, _ in writes} == {"PutObject", "CreateMultipartUpload", "CopyObject"}
    for _, params in writes:
        assert params["ServerSideEncryption"] == "aws:kms" and params["SSEKMSKeyId"] == kms_key
        assert params["ChecksumAlgorithm"] == "SHA256"
        assert params["Key"].startswith("team/")
        assert "secure-sagemaker-upload-token" not in params.get("Metadata", {})
    assert len(seen.params("UploadPart")) >= 2
    head = s3.head_object(Bucket=BUCKET, Key="team/small")
    assert head["ServerSideEncryption"] == "aws:kms" and head["Metadata"] == {}


def test_writes_that_bypass_the_store_are_denied_by_the_bucket_policy(
    store: ArtifactStore, s3: Any
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        s3.put_object(Bucket=BUCKET, Key="m/plain", Body=b"x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_put_refuses_a_bucket_without_versioning(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any
) -> None:
    s3.create_bucket(Bucket=BUCKET)
    store = ArtifactStore(BUCKET, kms_key_id=kms_key, session=fresh_aws.session())
    with pytest.raises(ArtifactStoreError, match="ensure"):
        store.put(b"x", "k")


# ----------------------------------------------------------------- tamper detection


def test_a_changed_version_is_caught_on_get_and_verify_and_leaves_no_file(
    store: ArtifactStore, tmp_path: Path
) -> None:
    ref = store.put(b"good model", "m/model.bin")
    tamper(BUCKET, ref.key, ref.version_id, b"evil model")
    dest = tmp_path / "model.bin"
    with pytest.raises(IntegrityError) as err:
        store.get(ref, dest)
    assert err.value.ref == ref  # type: ignore[attr-defined]
    assert "rollback" in str(err.value) and "evil" not in str(err.value)
    assert list(tmp_path.iterdir()) == []  # no partial or temporary file
    with pytest.raises(IntegrityError):
        store.verify(ref)


def test_a_mismatch_never_replaces_an_existing_file(store: ArtifactStore, tmp_path: Path) -> None:
    ref = store.put(b"v1", "m/model.bin")
    dest = tmp_path / "model.bin"
    dest.write_bytes(b"previous download")
    wrong = ArtifactRef(ref.bucket, ref.key, ref.version_id, sha(b"something else"))
    with pytest.raises(IntegrityError):
        store.get(wrong, dest)
    assert dest.read_bytes() == b"previous download"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_an_overwrite_behind_the_stores_back_does_not_pass_as_the_artifact(
    store: ArtifactStore, s3: Any, kms_key: str, tmp_path: Path
) -> None:
    ref = store.put(b"reviewed model", "m/model.bin")
    evil = s3.put_object(Bucket=BUCKET, Key=ref.key, Body=b"poisoned", ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key)
    assert store.get(ref, tmp_path / "a").read_bytes() == b"reviewed model"  # pinned version
    swapped = ArtifactRef(ref.bucket, ref.key, evil["VersionId"], ref.sha256)
    with pytest.raises(IntegrityError):
        store.get(swapped, tmp_path / "b")
    with pytest.raises(IntegrityError):
        store.verify(str(swapped))
    assert not (tmp_path / "b").exists()


# ----------------------------------------------------------------- directories


def make_tree(root: Path) -> dict[str, bytes]:
    files = {"model.pt": os.urandom(3000), "config.json": b"{}", "tokenizer/vocab.txt": b"a\nb\n",
             "tokenizer/deep/merges.txt": b"x y"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def test_a_directory_becomes_a_manifest_and_comes_back_verified(
    store: ArtifactStore, s3: Any, tmp_path: Path
) -> None:
    files = make_tree(tmp_path / "src")
    ref = store.put(tmp_path / "src", "models/bert")
    assert ref.key == "models/bert.manifest.json" and ref.is_manifest
    assert ref.prefix_uri == f"s3://{BUCKET}/models/bert/"
    manifest = store.manifest(ref)
    assert {e.path: e.sha256 for e in manifest.files} == {k: sha(v) for k, v in files.items()}
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="models/bert/")["Contents"]}
    assert listed == {f"models/bert/{k}" for k in files}
    out = store.get(str(ref), tmp_path / "dest")
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
    assert store.verify(ref) == ref


def test_a_tampered_file_of_a_directory_fails_the_whole_get(
    store: ArtifactStore, tmp_path: Path
) -> None:
    make_tree(tmp_path / "src")
    ref = store.put(tmp_path / "src", "models/bert")
    entry = next(e for e in store.manifest(ref).files if e.path == "tokenizer/vocab.txt")
    tamper(BUCKET, "models/bert/tokenizer/vocab.txt", entry.version_id, b"evil")
    with pytest.raises(IntegrityError):
        store.get(ref, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no staging left
    with pytest.raises(IntegrityError):
        store.verify(ref)


def test_a_directory_upload_that_fails_midway_removes_what_it_uploaded(
    store: ArtifactStore, s3: Any, tmp_path: Path
) -> None:
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs /proc/self/mem as an unreadable file")
    make_tree(tmp_path / "src")
    (tmp_path / "src" / "zz-unreadable").symlink_to("/proc/self/mem")
    with pytest.raises(OSError):
        store.put(tmp_path / "src", "models/broken")
    assert "Versions" not in s3.list_object_versions(Bucket=BUCKET, Prefix="models/broken")


def test_a_manifest_cannot_point_outside_its_directory() -> None:
    from secure_sagemaker.artifacts import Manifest

    for path in ("../etc/passwd", "/abs", "a/../../b", "a\\b", ""):
        doc = {"format": "secure-sagemaker/manifest/1", "prefix": "p",
               "files": [{"path": path, "version_id": "v", "sha256": "0" * 64, "size": 1}]}
        with pytest.raises(ValueError):
            Manifest.from_json(json.dumps(doc).encode())


# ----------------------------------------------------------------- large and concurrent


def test_a_large_file_goes_multipart_and_keeps_its_full_sha256(
    fresh_aws: EmbeddedAWS, kms_key: str, s3: Any, tmp_path: Path
) -> None:
    src = tmp_path / "large.bin"
    digest = hashlib.sha256()
    with src.open("wb") as fh:
        for _ in range(65):  # 65 MiB, generated
            block = os.urandom(MiB)
            digest.update(block)
            fh.write(block)
    session = fresh_aws.session()
    with (
        capture_requests(session) as seen,
        ArtifactStore(BUCKET, kms_key_id=kms_key, session=session) as store,
    ):
        store.ensure()
        ref = store.put(src, "datasets/large.bin")
        out = store.get(ref, tmp_path / "copy.bin")
    assert ref.sha256 == digest.hexdigest()
    assert len(seen.params("UploadPart")) >= 4 and seen.params("CompleteMultipartUpload")
    head = s3.head_object(Bucket=BUCKET, Key=ref.key, VersionId=ref.version_id, ChecksumMode="ENABLED")
    assert head["ContentLength"] == 65 * MiB
    # S3 keeps only a checksum of the part checksums for a multipart object
    assert head.get("ChecksumSHA256") != ArtifactRef.parse(str(ref)).sha256
    got = hashlib.sha256()
    with out.open("rb") as fh:
        for block in iter(lambda: fh.read(MiB), b""):
            got.update(block)
    assert got.hexdigest() == ref.sha256


def test_thirty_two_threads_share_one_store(store: ArtifactStore, tmp_path: Path) -> None:
    def work(i: int) -> tuple[ArtifactRef, ArtifactRef, bytes]:
        data = f"artifact {i} ".encode() * (i + 1)
        own = store.put(data, f"many/{i}.bin")
        shared = store.put(data, "many/shared.bin")
        assert store.get(own, tmp_path / f"{i}.bin").read_bytes() == data
        return own, shared, data

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(work, range(32)))
    shared = [s for _, s, _ in results]
    assert len({s.version_id for s in shared}) == 32  # every writer got its own version
    for _, ref, data in results:
        assert store.get(ref, tmp_path / "shared-check").read_bytes() == data
    assert len(store.versions("many/shared.bin")) == 32


# ----------------------------------------------------------------- history


def test_versions_rollback_and_delete_keep_history(store: ArtifactStore, tmp_path: Path) -> None:
    v1 = store.put(b"model v1", "m/model.bin")
    v2 = store.put(b"model v2", "m/model.bin")
    history = store.versions("m/model.bin")
    assert [v.version_id for v in history] == [v2.version_id, v1.version_id]
    assert history[0].is_latest and not history[1].is_latest and history[1].size == 8

    back = store.rollback("m/model.bin", v1.version_id, expected_sha256=v1.sha256)
    assert back.sha256 == v1.sha256 and back.version_id not in (v1.version_id, v2.version_id)
    assert store.get(back, tmp_path / "m").read_bytes() == b"model v1"
    assert store.versions("m/model.bin")[0].version_id == back.version_id
    assert len(store.versions("m/model.bin")) == 3

    with pytest.raises(IntegrityError):
        store.rollback("m/model.bin", v2.version_id, expected_sha256=v1.sha256)
    assert len(store.versions("m/model.bin")) == 3  # the bad copy was removed again

    marker = store.delete("m/model.bin")
    history = store.versions("m/model.bin")
    assert history[0].version_id == marker and history[0].is_delete_marker
    assert len(history) == 4
    assert store.get(v2, tmp_path / "v2").read_bytes() == b"model v2"  # history kept


# ----------------------------------------------------------------- the ref value


@pytest.mark.parametrize("key", ["a.bin", "dir/with space/x?y#z%41.bin", "ü/ünïcode", "a+b=c&d"])
def test_ref_uris_round_trip(key: str) -> None:
    ref = ArtifactRef(BUCKET, key, "3sL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "a" * 64)
    text = str(ref)
    assert text.startswith(f"s3://{BUCKET}/") and "versionId=" in text
    assert ArtifactRef.parse(text) == ref
    assert ref.uri == f"s3://{BUCKET}/{key}"


@pytest.mark.parametrize(
    "text",
    [
        "https://b/k?versionId=v&sha256=" + "a" * 64,
        f"s3://{BUCKET}/k?sha256=" + "a" * 64,
        f"s3://{BUCKET}/k?versionId=v",
        f"s3://{BUCKET}/k?versionId=v&sha256=secretish",
        f"s3://{BUCKET}/?versionId=v&sha256=" + "a" * 64,
    ],
)
def test_malformed_ref_uris_are_refused_without_echoing_them(text: str) -> None:
    with pytest.raises(ValueError) as err:
        ArtifactRef.parse(text)
    assert "secretish" not in str(err.value) and BUCKET not in str(err.value)


def test_a_ref_is_frozen() -> None:
    import attrs

    ref = ArtifactRef(BUCKET, "k", "v", "0" * 64)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        ref.key = "other"  # type: ignore[misc]
