"""SecureEstimator: refusals at construction, the CreateTrainingJob request's security
fields, pinned inputs, waiting and failure reasons, rollback, attach and deploy."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import attrs
import botocore.awsrequest
import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker._aws.wait import ResourceFailedError, Waiting, WaitTimeoutError
from secure_sagemaker.secrets import SecretRef
from secure_sagemaker.testing import EmbeddedAWS, capture_requests
from secure_sagemaker.training import PinnedInput, SecureEstimator, TrainingJob
from tests._examples import IMAGE, KEY, ROLE
from tests._examples_vpc import ALL_ENDPOINTS, Network, build_network

FAST = Waiting(delay=0.01, max_attempts=3)
BUCKET = "ml-artifacts"
DATA = b"label,feature\n1,0.5\n0,0.1\n"
PASSWORD = "hunter2-correct-horse"


@attrs.frozen
class Ref:
    """Duck-typed ArtifactRef."""

    bucket: str
    key: str
    version_id: str
    sha256: str | None = None


@pytest.fixture
def session(fresh_aws: EmbeddedAWS) -> Any:
    return fresh_aws.session()


@pytest.fixture
def net(session: Any) -> Network:
    s3 = session.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return build_network(session)


def policy_for(net: Network, **kw: Any) -> ss.SecurityPolicy:
    return ss.SecurityPolicy(
        subnets=[net.subnet],
        security_group_ids=[net.security_group],
        kms_key_id=KEY,
        artifact_buckets=[BUCKET],
        **kw,
    )


def estimator(session: Any, net: Network, **kw: Any) -> SecureEstimator:
    kw.setdefault("policy", policy_for(net))
    kw.setdefault("output_path", f"s3://{BUCKET}/out/")
    return SecureEstimator(
        image_uri=IMAGE,
        role=ROLE,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        session=session,
        waiting=FAST,
        **kw,
    )


def upload(session: Any, key: str = "data/train.csv", body: bytes = DATA) -> Ref:
    put = session.client("s3").put_object(
        Bucket=BUCKET,
        Key=key,
        Body=body,
        ChecksumAlgorithm="SHA256",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=KEY,
    )
    return Ref(BUCKET, key, put["VersionId"], hashlib.sha256(body).hexdigest())


def jobs(session: Any) -> list[str]:
    sm = session.client("sagemaker")
    return [j["TrainingJobName"] for j in sm.list_training_jobs()["TrainingJobSummaries"]]


def answer_stop_training_job(session: Any) -> list[str]:
    """moto lacks StopTrainingJob: answer exactly that operation at the HTTP layer."""
    stopped: list[str] = []

    class Raw:
        def stream(self, **kwargs: Any) -> Any:
            yield b"{}"

    def answer(request: Any, **kwargs: Any) -> Any:
        stopped.append(request.body.decode())
        return botocore.awsrequest.AWSResponse(request.url, 200, {}, Raw())

    session.events.register("before-send.sagemaker.StopTrainingJob", answer)
    return stopped


def edit_describe(session: Any, **fields: Any) -> None:
    """Every DescribeTrainingJob answer gets ``fields`` (as if the job were there)."""

    def edit(parsed: dict[str, Any], **kwargs: Any) -> None:
        parsed.update(fields)

    session.events.register("after-call.sagemaker.DescribeTrainingJob", edit)


# --------------------------------------------------------------------------- construction

INSECURE = [
    ({"enable_network_isolation": False}, "SM202"),
    ({"encrypt_inter_container_traffic": False}, "SM203"),
    ({"volume_kms_key": "alias/aws/sagemaker"}, "SM204"),
    ({"output_kms_key": "alias/aws/s3"}, "SM205"),
    (
        {"subnets": ["subnet-0fffffffffffffff0"], "security_group_ids": ["sg-0fffffffffffffff0"]},
        "SM201",
    ),
    ({"environment": {"DB_PASSWORD": PASSWORD}}, "SM510"),
    ({"hyperparameters": {"api_key": PASSWORD}}, "SM510"),
]


@pytest.mark.parametrize(("kwargs", "rule_id"), INSECURE, ids=[r for _, r in INSECURE])
def test_insecure_arguments_raise_at_construction_without_any_request(
    session: Any, net: Network, kwargs: dict[str, Any], rule_id: str
) -> None:
    with capture_requests(session) as seen, pytest.raises(ss.InsecureRequestError) as info:
        estimator(session, net, **kwargs)
    assert info.value.operation == "CreateTrainingJob"
    assert rule_id in {f.rule_id for f in info.value.findings}
    assert PASSWORD not in str(info.value) and PASSWORD not in repr(info.value.findings)
    assert seen.sent == 0


def test_policy_without_vpc_is_refused_and_output_path_is_required(session: Any) -> None:
    with pytest.raises(ss.InsecureRequestError, match="SM201"):
        SecureEstimator(
            IMAGE,
            ROLE,
            1,
            "ml.m5.xlarge",
            output_path="s3://b/o",
            session=session,
            policy=ss.SecurityPolicy(kms_key_id=KEY),
        )
    with pytest.raises(ValueError, match="output_path is required"):
        SecureEstimator(
            IMAGE,
            ROLE,
            1,
            "ml.m5.xlarge",
            session=session,
            policy=ss.SecurityPolicy(kms_key_id=KEY),
        )
    with pytest.raises(ValueError, match="instance_type is required"):
        SecureEstimator(IMAGE, ROLE, 1, session=session)


def test_secret_references_conflict_with_network_isolation(session: Any, net: Network) -> None:
    env = {"DB_PASSWORD": SecretRef("prod/db", key="password")}
    with pytest.raises(ss.NetworkConfigurationError, match="DB_PASSWORD") as info:
        estimator(session, net, environment=env)
    assert "prod/db" not in str(info.value)
    waived = policy_for(net, waivers={"SM202": "needs Secrets Manager at run time, ml-team"})
    est = estimator(session, net, environment=env, policy=waived, enable_network_isolation=False)
    assert est.request["Environment"] == {"DB_PASSWORD": "secretsmanager:prod/db#password"}


def test_sdk_session_and_2x_style_arguments(session: Any, net: Network) -> None:
    class SdkSession:
        boto_session = session

    est = SecureEstimator(
        IMAGE,
        ROLE,
        2,
        "ml.m5.xlarge",
        sagemaker_session=SdkSession(),
        policy=policy_for(net),
        output_path=f"s3://{BUCKET}/out/",
        metric_definitions=[{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
        use_spot_instances=True,
        max_wait=7200,
        max_run=3600,
        checkpoint_s3_uri=f"s3://{BUCKET}/ckpt/",
        checkpoint_local_path="/opt/ml/checkpoints",
    )
    req = est.request
    assert est.session is session and req["ResourceConfig"]["InstanceCount"] == 2
    assert req["EnableManagedSpotTraining"] is True
    assert req["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200}
    assert req["CheckpointConfig"] == {
        "S3Uri": f"s3://{BUCKET}/ckpt/",
        "LocalPath": "/opt/ml/checkpoints",
    }
    assert req["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"] == "loss"


def test_pinned_input_forms() -> None:
    uri = "s3://b/data/x.csv?versionId=abc"
    assert PinnedInput.of(uri) == PinnedInput("b", "data/x.csv", "abc")
    assert PinnedInput.of("s3://b/data/") is None
    assert PinnedInput.of(Ref("b", "k", "v", "00")) == PinnedInput("b", "k", "v", "00")
    assert PinnedInput("b", "k", "v").uri == "s3://b/k"
    assert TrainingJob("j").job_name == "j"


# --------------------------------------------------------------------------- end to end


@pytest.mark.e2e
def test_fit_sends_every_security_setting_and_exposes_the_model(session: Any, net: Network) -> None:
    with capture_requests(session) as seen:
        est = estimator(
            session,
            net,
            hyperparameters={"epochs": 3, "lr": 0.1},
            environment={"LOG_LEVEL": "info"},
            tags={"owner": "ml-team"},
            base_job_name="churn",
        )
        est.fit(f"s3://{BUCKET}/data/", job_name="churn-1")
        model = est.model_data
    (sent,) = seen.params("CreateTrainingJob")
    assert sent["TrainingJobName"] == "churn-1"
    assert sent["VpcConfig"] == {"Subnets": [net.subnet], "SecurityGroupIds": [net.security_group]}
    assert sent["EnableNetworkIsolation"] is True
    assert sent["EnableInterContainerTrafficEncryption"] is True
    assert sent["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert sent["OutputDataConfig"] == {"S3OutputPath": f"s3://{BUCKET}/out/", "KmsKeyId": KEY}
    assert sent["HyperParameters"] == {"epochs": "3", "lr": "0.1"}
    assert sent["Environment"] == {"LOG_LEVEL": "info"}  # moto's Describe drops it
    assert sent["InputDataConfig"][0]["ChannelName"] == "training"
    assert sent["Tags"] == [{"Key": "owner", "Value": "ml-team"}]
    assert model == f"s3://{BUCKET}/out/churn-1/output/model.tar.gz"
    assert est.latest_training_job == TrainingJob("churn-1")
    assert est.describe()["TrainingJobStatus"] == "Completed"
    ops = seen.operations
    assert ops.index("DescribeVpcEndpoints") < ops.index("CreateTrainingJob")
    # a generated name follows the SDK's <base>-<timestamp> shape
    est.fit({"train": f"s3://{BUCKET}/data/"}, wait=False)
    assert est.latest_training_job is not None
    assert est.latest_training_job.name.startswith("churn-20")


@pytest.mark.e2e
def test_pinned_inputs_are_verified_and_recorded(session: Any, net: Network) -> None:
    ref = upload(session)
    est = estimator(session, net)
    with capture_requests(session) as seen:
        est.fit(
            {"train": ref, "test": f"s3://{BUCKET}/data/train.csv?versionId={ref.version_id}"},
            job_name="pinned-1",
        )
    (sent,) = seen.params("CreateTrainingJob")
    assert [c["DataSource"]["S3DataSource"]["S3Uri"] for c in sent["InputDataConfig"]] == [
        f"s3://{BUCKET}/data/train.csv"
    ] * 2
    assert [h["Key"] for h in seen.params("HeadObject")] == ["data/train.csv"] * 2
    arn = est.describe()["TrainingJobArn"]
    tags = {
        t["Key"]: t["Value"] for t in session.client("sagemaker").list_tags(ResourceArn=arn)["Tags"]
    }
    assert tags["secure-sagemaker:input:train:version-id"] == ref.version_id
    assert tags["secure-sagemaker:input:train:sha256"] == ref.sha256
    assert tags["secure-sagemaker:input:test:version-id"] == ref.version_id


@pytest.mark.e2e
def test_overwritten_wrong_checksum_or_shadowed_inputs_are_refused(
    session: Any, net: Network
) -> None:
    ref = upload(session)
    est = estimator(session, net)
    wrong = attrs.evolve(ref, sha256=hashlib.sha256(b"other").hexdigest())
    with pytest.raises(ss.IntegrityError, match="SHA-256"):
        est.fit(wrong, job_name="wrong-sum")
    upload(session, "data/train.csv.bak")
    with pytest.raises(ss.IntegrityError, match="other objects share this key prefix"):
        est.fit(ref, job_name="shadowed")
    session.client("s3").delete_object(Bucket=BUCKET, Key="data/train.csv.bak")
    upload(session, body=b"label,feature\n1,999\n")  # poisoned by overwrite
    with (
        capture_requests(session) as seen,
        pytest.raises(ss.IntegrityError, match="was overwritten") as info,
    ):
        est.fit(ref, job_name="overwritten")
    assert "ml-artifacts" not in str(info.value) and "train.csv" not in str(info.value)
    assert (info.value.ref.bucket, info.value.ref.key) == ("ml-artifacts", "data/train.csv")
    assert "CreateTrainingJob" not in seen.operations
    assert jobs(session) == []


@pytest.mark.e2e
def test_failure_reason_is_surfaced_and_nothing_is_stopped(session: Any, net: Network) -> None:
    stopped = answer_stop_training_job(session)
    edit_describe(
        session, TrainingJobStatus="Failed", FailureReason="AlgorithmError: CUDA out of memory"
    )
    est = estimator(session, net)
    with pytest.raises(ResourceFailedError) as info:
        est.fit(f"s3://{BUCKET}/data/", job_name="oom")
    assert "training job oom is Failed: AlgorithmError: CUDA out of memory" in str(info.value)
    assert stopped == []


@pytest.mark.e2e
def test_secrets_need_the_secretsmanager_endpoint(session: Any, fresh_aws: EmbeddedAWS) -> None:
    session.client("s3").create_bucket(Bucket=BUCKET)
    net = build_network(session, endpoints=tuple(s for s in ALL_ENDPOINTS if s != "secretsmanager"))
    waived = policy_for(net, waivers={"SM202": "resolves secrets at run time, ml-team"})
    est = estimator(
        session,
        net,
        policy=waived,
        enable_network_isolation=False,
        environment={"DB_PASSWORD": SecretRef("prod/db")},
    )
    with pytest.raises(ss.NetworkConfigurationError, match="endpoint for secretsmanager;"):
        est.fit(f"s3://{BUCKET}/data/")
    assert jobs(session) == []


def _fail_network(session: Any) -> type[Exception]:
    ec2 = session.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"][0][
        "VpcId"
    ]
    ids = [
        e["VpcEndpointId"]
        for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "VpcEndpoints"
        ]
    ]
    ec2.delete_vpc_endpoints(VpcEndpointIds=ids[:1])
    return ss.NetworkConfigurationError


def _fail_create(session: Any) -> type[Exception]:
    def boom(**kwargs: Any) -> None:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ResourceLimitExceeded", "Message": "injected"}}, "CreateTrainingJob"
        )

    session.events.register("before-send.sagemaker.CreateTrainingJob", boom)
    return botocore.exceptions.ClientError


def _fail_wait(session: Any) -> type[Exception]:
    edit_describe(session, TrainingJobStatus="InProgress")
    return WaitTimeoutError


STEPS: list[tuple[str, Callable[[Any], type[Exception]]]] = [
    ("network", _fail_network),
    ("create", _fail_create),
    ("wait", _fail_wait),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("step", "inject"), STEPS, ids=[s for s, _ in STEPS])
def test_a_failing_step_leaves_no_running_job(
    session: Any, net: Network, step: str, inject: Callable[[Any], type[Exception]]
) -> None:
    stopped = answer_stop_training_job(session)
    error = inject(session)
    est = estimator(session, net)
    with pytest.raises(error):
        est.fit(f"s3://{BUCKET}/data/", job_name="job-1")
    if step == "wait":  # the job exists (jobs cannot be deleted): it was stopped
        assert len(stopped) == 1 and '"TrainingJobName": "job-1"' in stopped[0]
    else:
        assert jobs(session) == [] and stopped == []


@pytest.mark.e2e
def test_attach_and_deploy(session: Any, net: Network) -> None:
    est = estimator(session, net)
    est.fit(f"s3://{BUCKET}/data/", job_name="deployable")
    session.client("s3").put_object(
        Bucket=BUCKET,
        Key="out/deployable/output/model.tar.gz",
        Body=b"model",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=KEY,
    )
    attached = SecureEstimator.attach(
        "deployable", policy=policy_for(net), session=session, waiting=FAST
    )
    assert attached.model_data == est.model_data
    assert attached.latest_training_job == TrainingJob("deployable")
    assert attached.instance_type == "ml.m5.xlarge" and attached.image_uri == IMAGE
    assert "?versionId=" in attached.pinned_model_data()
    from secure_sagemaker.endpoint import SecureEndpoint

    with capture_requests(session) as seen:
        endpoint = attached.deploy(2, "ml.m5.large", endpoint_name="churn")
    assert isinstance(endpoint, SecureEndpoint) and endpoint.name == "churn"
    (model,) = seen.params("CreateModel")
    assert model["PrimaryContainer"]["Image"] == IMAGE
    assert model["PrimaryContainer"]["ModelDataUrl"] == est.model_data
    endpoint.delete(wait=True)


def test_importing_the_wrappers_imports_no_sdk_or_emulator() -> None:
    code = (
        "import sys, secure_sagemaker, secure_sagemaker.training, secure_sagemaker.notebook, "
        "secure_sagemaker.network\n"
        "print(sorted(m for m in ('sagemaker', 'flask', 'moto') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- ArtifactStore refs


@pytest.mark.e2e
def test_artifact_store_file_and_directory_refs(session: Any, net: Network, tmp_path: Any) -> None:
    from secure_sagemaker.artifacts import ArtifactStore

    policy = policy_for(net)
    data = tmp_path / "churn"
    data.mkdir()
    (data / "train.csv").write_bytes(DATA)
    (data / "test.csv").write_bytes(DATA[:14])
    with ArtifactStore(BUCKET, policy=policy, session=session) as store:
        file_ref = store.put(DATA, "single/train.csv")
        dir_ref = store.put(data, "datasets/churn")
    est = estimator(session, net, policy=policy)
    with capture_requests(session) as seen:
        est.fit({"file": str(file_ref), "dir": dir_ref}, job_name="from-store")
    (sent,) = seen.params("CreateTrainingJob")
    uris = {
        c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in sent["InputDataConfig"]
    }
    assert uris == {
        "file": f"s3://{BUCKET}/single/train.csv",
        "dir": f"s3://{BUCKET}/datasets/churn/",
    }
    assert seen.operations.count("ListObjectVersions") == 1  # one listing, not one call per file
    tags = {t["Key"]: t["Value"] for t in sent["Tags"]}
    assert tags["secure-sagemaker:input:dir:sha256"] == dir_ref.sha256
    assert tags["secure-sagemaker:input:file:version-id"] == file_ref.version_id

    s3 = session.client("s3")
    extra = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY}
    s3.put_object(Bucket=BUCKET, Key="datasets/churn/extra.csv", Body=b"1,2", **extra)
    with pytest.raises(ss.IntegrityError, match="0 overwritten or deleted, 1 added"):
        est.fit({"dir": dir_ref}, job_name="added")
    s3.delete_object(Bucket=BUCKET, Key="datasets/churn/extra.csv")  # a delete marker: gone
    est.fit({"dir": dir_ref}, job_name="clean-again", wait=False)
    s3.put_object(Bucket=BUCKET, Key="datasets/churn/train.csv", Body=b"poison", **extra)
    with pytest.raises(ss.IntegrityError, match="1 overwritten or deleted, 0 added"):
        est.fit({"dir": dir_ref}, job_name="poisoned")
    s3.delete_object(Bucket=BUCKET, Key="datasets/churn/train.csv")
    with pytest.raises(ss.IntegrityError, match="1 overwritten or deleted, 0 added"):
        est.fit({"dir": dir_ref}, job_name="deleted")
    assert sorted(jobs(session)) == ["clean-again", "from-store"]


@pytest.mark.e2e
def test_logs_are_printed_after_the_job(
    session: Any, net: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = session.client("logs")
    logs.create_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
    logs.create_log_stream(
        logGroupName="/aws/sagemaker/TrainingJobs", logStreamName="logged/algo-1"
    )
    logs.put_log_events(
        logGroupName="/aws/sagemaker/TrainingJobs",
        logStreamName="logged/algo-1",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": "epoch 1 loss=0.5"}],
    )
    est = estimator(session, net)
    with pytest.raises(RuntimeError, match="call fit"):
        est.model_data  # noqa: B018 - the property raises
    est.fit(f"s3://{BUCKET}/data/", job_name="logged", logs=True)
    assert "epoch 1 loss=0.5" in capsys.readouterr().out
    logs.delete_log_group(logGroupName="/aws/sagemaker/TrainingJobs")
    est.fit(f"s3://{BUCKET}/data/", job_name="no-log-group", logs=True)  # no error
    assert capsys.readouterr().out == ""


@pytest.mark.e2e
def test_waived_vpc_skips_the_network_check(session: Any, net: Network) -> None:
    policy = ss.SecurityPolicy(
        kms_key_id=KEY, waivers={"SM201": "public dataset benchmark, ml-team, 2026-12"}
    )
    est = estimator(session, net, policy=policy)
    with capture_requests(session) as seen:
        est.fit(f"s3://{BUCKET}/data/", job_name="no-vpc")
    assert "VpcConfig" not in seen.params("CreateTrainingJob")[0]
    assert not [op for op in seen.operations if op.startswith("Describe") and "Vpc" in op]
    assert "PASSWORD" not in repr(est) and repr(est).startswith("SecureEstimator(image_uri=")
