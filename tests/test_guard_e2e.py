"""The guard against a moto server over real HTTP: refused requests send nothing,
secure requests create real resources, install/uninstall cover every client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

import secure_sagemaker as ss
from tests._examples import (
    KEY,
    POLICY,
    ROLE,
    SG,
    SUBNET,
    endpoint_config,
    model,
    notebook,
    pipeline,
    training,
)

pytestmark = pytest.mark.e2e


class Sent:
    """Counts HTTP requests per operation with a before-send hook."""

    def __init__(self, client: Any) -> None:
        self.ops: list[str] = []
        client.meta.events.register("before-send", self._count)

    def _count(self, request: Any, **kwargs: Any) -> None:
        self.ops.append(kwargs["event_name"].rsplit(".", 1)[-1])


@pytest.fixture
def session(fresh_aws: Any) -> Iterator[boto3.Session]:
    yield fresh_aws.session()
    ss.uninstall()


def strip(params: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in fields}


INSECURE = [
    ("create_training_job", "CreateTrainingJob", training(EnableNetworkIsolation=False), "SM202"),
    ("create_notebook_instance", "CreateNotebookInstance", notebook(DirectInternetAccess="Enabled"), "SM103"),
    ("create_model", "CreateModel", model(VpcConfig={"Subnets": ["subnet-0fffffffffffffff0"],
                                                     "SecurityGroupIds": [SG]}), "SM302"),
    ("create_endpoint_config", "CreateEndpointConfig", endpoint_config(KmsKeyId="alias/aws/sagemaker"), "SM310"),
]


@pytest.mark.parametrize(("method", "operation", "params", "rule_id"), INSECURE,
                         ids=[i[1] for i in INSECURE])
def test_insecure_requests_are_refused_with_zero_http_requests(
    session: boto3.Session, method: str, operation: str, params: dict[str, Any], rule_id: str
) -> None:
    client = session.client("sagemaker")
    sent = Sent(client)
    ss.install(POLICY)
    with pytest.raises(ss.InsecureRequestError) as info:
        getattr(client, method)(**params)
    assert sent.ops == []
    assert info.value.operation == operation and rule_id in {f.rule_id for f in info.value.findings}


def test_secure_versions_create_the_resources(session: boto3.Session) -> None:
    client = session.client("sagemaker")
    sent = Sent(client)
    ss.install(POLICY)
    client.create_training_job(**strip(training(), "VpcConfig", "EnableNetworkIsolation"))
    client.create_notebook_instance(**strip(notebook(), "SubnetId", "KmsKeyId", "RootAccess"))
    client.create_model(**strip(model(), "VpcConfig"))
    client.create_endpoint_config(**strip(endpoint_config(), "KmsKeyId", "DataCaptureConfig"))
    assert sent.ops == ["CreateTrainingJob", "CreateNotebookInstance", "CreateModel", "CreateEndpointConfig"]
    job = client.describe_training_job(TrainingJobName="train-1")
    assert job["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    assert job["EnableNetworkIsolation"] is True and job["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    nb = client.describe_notebook_instance(NotebookInstanceName="nb")
    assert nb["SubnetId"] == SUBNET and nb["RootAccess"] == "Disabled" and nb["KmsKeyId"] == KEY
    epc = client.describe_endpoint_config(EndpointConfigName="epc-1")
    assert epc["KmsKeyId"] == KEY
    assert epc["DataCaptureConfig"]["DestinationS3Uri"].startswith("s3://ml-artifacts-bucket/data-capture/")


def test_a_client_created_before_install_is_guarded_and_uninstall_really_removes_it(
    session: boto3.Session,
) -> None:
    early = session.client("sagemaker")
    sent = Sent(early)
    ss.install(POLICY)
    with pytest.raises(ss.InsecureRequestError):
        early.create_model(**model(EnableNetworkIsolation=False))
    ss.uninstall()
    early.create_model(**model(EnableNetworkIsolation=False))
    assert sent.ops == ["CreateModel"]
    assert early.describe_model(ModelName="model-1")["ModelName"] == "model-1"


def test_a_pipeline_definition_in_s3_is_fetched_and_judged(session: boto3.Session) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="pipeline-defs")
    s3.put_bucket_versioning(Bucket="pipeline-defs", VersioningConfiguration={"Status": "Enabled"})
    bad = json.loads(pipeline(training(EnableNetworkIsolation=False))["PipelineDefinition"])
    good = json.loads(pipeline(training())["PipelineDefinition"])
    s3.put_object(Bucket="pipeline-defs", Key="bad.json", Body=json.dumps(bad).encode())
    s3.put_object(Bucket="pipeline-defs", Key="good.json", Body=json.dumps(good).encode())
    sm = session.client("sagemaker")
    sent = Sent(sm)
    ss.install(POLICY)
    base = {"PipelineName": "p", "RoleArn": ROLE, "Tags": [{"Key": "owner", "Value": "x"}]}
    with pytest.raises(ss.InsecureRequestError) as info:
        sm.create_pipeline(**base, PipelineDefinitionS3Location={"Bucket": "pipeline-defs",
                                                                 "ObjectKey": "bad.json"})
    assert [f.rule_id for f in info.value.findings] == ["SM202"]
    with pytest.raises(ss.InsecureRequestError) as missing:
        sm.create_pipeline(**base, PipelineDefinitionS3Location={"Bucket": "pipeline-defs",
                                                                 "ObjectKey": "absent.json"})
    assert [f.rule_id for f in missing.value.findings] == ["SM250"]
    assert sent.ops == []
    sm.create_pipeline(**base, PipelineDefinitionS3Location={"Bucket": "pipeline-defs",
                                                             "ObjectKey": "good.json"})
    assert sent.ops == ["CreatePipeline"]


def test_streaming_uploads_pass_through_the_guard(session: boto3.Session, tmp_path: Any) -> None:
    """Bodies are file objects the guard must not copy; the transfer manager works guarded."""
    s3 = ss.protect(session.client("s3"), POLICY)
    s3.create_bucket(Bucket="ml-artifacts-bucket")
    path = tmp_path / "model.bin"
    path.write_bytes(b"\x00" * (9 * 1024 * 1024))  # above the multipart threshold
    s3.upload_file(str(path), "ml-artifacts-bucket", "models/model.bin")
    with path.open("rb") as body:
        s3.put_object(Bucket="ml-artifacts-bucket", Key="models/small.bin", Body=body)
    for key in ("models/model.bin", "models/small.bin"):
        head = s3.head_object(Bucket="ml-artifacts-bucket", Key=key)
        assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == KEY
