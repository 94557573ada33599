"""Only the organisation's destinations, no credentials in commands: through a real
client (HTTPS to the embedded moto server) with the guard installed, a request that
writes outside the artifact buckets, or carries a credential in its container command
line, is refused with 0 HTTP requests and a rule ID; the secure variant is sent."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

import secure_sagemaker as ss
from tests._examples import (
    BUCKET,
    IMAGE,
    KEY,
    endpoint_config,
    pipeline,
    processing,
    training,
)
from tests._guarded import Sent

pytestmark = pytest.mark.e2e

FOREIGN = "s3://someone-elses-bucket/loot/"
LITERAL = "hunter2!x"


def refused(client: Any, sent: Sent, operation: str, params: dict[str, Any]) -> set[str]:
    """The rule IDs that refused the request; asserts nothing went on the wire."""
    with pytest.raises(ss.InsecureRequestError) as info:
        getattr(client, xform_name(operation))(**params)
    assert sent.ops == []
    assert LITERAL not in str(info.value)
    return {f.rule_id for f in info.value.findings}


def is_sent(client: Any, sent: Sent, operation: str, params: dict[str, Any]) -> None:
    """The request went on the wire (moto may not implement the operation: its error
    is accepted, the guard's is not)."""
    with contextlib.suppress(ClientError):
        getattr(client, xform_name(operation))(**params)
    assert sent.ops == [operation]


def checkpoint(uri: str) -> dict[str, Any]:
    return training(CheckpointConfig={"S3Uri": uri})


def arguments(*args: str) -> dict[str, Any]:
    return training(
        AlgorithmSpecification={
            "TrainingImage": IMAGE,
            "TrainingInputMode": "File",
            "ContainerArguments": list(args),
        }
    )


def lifecycle(text: str) -> dict[str, Any]:
    return {
        "NotebookInstanceLifecycleConfigName": "lcc",
        "OnStart": [{"Content": base64.b64encode(text.encode()).decode()}],
    }


CASES = [
    # (what, operation, insecure, rule, secure)
    (
        "training output",
        "CreateTrainingJob",
        training(OutputDataConfig={"S3OutputPath": FOREIGN, "KmsKeyId": KEY}),
        "SM260",
        training(),
    ),
    (
        "checkpoints",
        "CreateTrainingJob",
        checkpoint(FOREIGN),
        "SM261",
        checkpoint(f"s3://{BUCKET}/ckpt/"),
    ),
    (
        "processing output",
        "CreateProcessingJob",
        processing(
            ProcessingOutputConfig={
                "Outputs": [
                    {
                        "OutputName": "o",
                        "S3Output": {
                            "S3Uri": FOREIGN,
                            "LocalPath": "/opt/ml/processing/o",
                            "S3UploadMode": "EndOfJob",
                        },
                    }
                ],
                "KmsKeyId": KEY,
            }
        ),
        "SM260",
        processing(),
    ),
    (
        "data capture",
        "CreateEndpointConfig",
        endpoint_config(
            DataCaptureConfig={
                "EnableCapture": True,
                "InitialSamplingPercentage": 100,
                "DestinationS3Uri": FOREIGN,
                "KmsKeyId": KEY,
                "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
            }
        ),
        "SM262",
        endpoint_config(),
    ),
    (
        "a pipeline step's output",
        "CreatePipeline",
        pipeline(training(OutputDataConfig={"S3OutputPath": FOREIGN, "KmsKeyId": KEY})),
        "SM260",
        pipeline(training()),
    ),
    (
        "a password in ContainerArguments",
        "CreateTrainingJob",
        arguments("--password", LITERAL),
        "SM209",
        arguments(
            "--password-secret-arn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"
        ),
    ),
    (
        "an API key in ContainerArguments",
        "CreateTrainingJob",
        arguments(f"--api-key={LITERAL}"),
        "SM209",
        arguments("--epochs", "3"),
    ),
    (
        "an API key in a hyperparameter value",
        "CreateTrainingJob",
        training(HyperParameters={"args": f"--api-key={LITERAL}"}),
        "SM510",
        training(HyperParameters={"args": "--epochs=3"}),
    ),
    (
        "a password in a JSON environment value",
        "CreateTrainingJob",
        training(Environment={"CONFIG": '{"user": "a", "password": "' + LITERAL + '"}'}),
        "SM510",
        training(Environment={"CONFIG": '{"user": "a", "password": "${DB_PASSWORD}"}'}),
    ),
    (
        "API_KEY=12345 in a lifecycle script",
        "CreateNotebookInstanceLifecycleConfig",
        lifecycle("#!/bin/bash\nset -e\ncd /tmp && API_KEY=12345 ./start.sh\n"),
        "SM109",
        lifecycle("#!/bin/bash\nset -e\ncd /tmp && ./start.sh\n"),
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize(("what", "operation", "insecure", "rule_id", "secure"), CASES, ids=IDS)
def test_the_insecure_request_is_refused_before_anything_is_sent(
    sagemaker: tuple[Any, Sent],
    what: str,
    operation: str,
    insecure: dict[str, Any],
    rule_id: str,
    secure: dict[str, Any],
) -> None:
    client, sent = sagemaker
    assert rule_id in refused(client, sent, operation, insecure), what


@pytest.mark.parametrize(("what", "operation", "insecure", "rule_id", "secure"), CASES, ids=IDS)
def test_the_secure_variant_is_sent(
    sagemaker: tuple[Any, Sent],
    what: str,
    operation: str,
    insecure: dict[str, Any],
    rule_id: str,
    secure: dict[str, Any],
) -> None:
    client, sent = sagemaker
    is_sent(client, sent, operation, secure)


def test_a_training_job_writing_to_the_artifact_bucket_is_created(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    client.create_training_job(**training())
    assert sent.ops == ["CreateTrainingJob"]
    job = client.describe_training_job(TrainingJobName="train-1")
    assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://{BUCKET}/out/"
