"""The embedded emulator: real HTTPS, reliable stop, the bucket-policy condition
adaptation, and request capture."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

import secure_sagemaker as ss
from secure_sagemaker.testing import EmbeddedAWS, capture_requests
from secure_sagemaker.testing._s3policy import evaluate_conditions
from tests._examples import POLICY

pytestmark = pytest.mark.e2e

BUCKET = "emulator-policy-bucket"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def secure_policy(bucket: str = BUCKET) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "DenyUnencryptedUploads",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {
                        "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}
                    },
                },
                {
                    "Sid": "DenyOtherKeys",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {
                        "StringNotEqualsIfExists": {
                            "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN
                        }
                    },
                },
            ],
        }
    )


def code(err: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


SSE = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_ARN}


# ----------------------------------------------------------------- the server


def test_the_server_speaks_tls_with_a_certificate_for_loopback(aws: EmbeddedAWS) -> None:
    from cryptography import x509

    assert aws.endpoint_url.startswith("https://127.0.0.1:")
    assert aws.ca_bundle is not None
    cert = x509.load_pem_x509_certificate(Path(aws.ca_bundle).read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1"}
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    port = int(aws.endpoint_url.rsplit(":", 1)[1])
    ctx = ssl.create_default_context(cafile=aws.ca_bundle)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_a_client_that_does_not_trust_the_certificate_is_refused(aws: EmbeddedAWS) -> None:
    s3 = aws.session().client("s3", verify=True)  # system CAs only
    with pytest.raises(botocore.exceptions.SSLError):
        s3.list_buckets()


def test_env_has_what_a_process_needs_and_the_session_fixture_set_it(aws: EmbeddedAWS) -> None:
    env = aws.env()
    assert env["AWS_ENDPOINT_URL"] == aws.endpoint_url
    assert env["AWS_CA_BUNDLE"] == aws.ca_bundle
    assert env["AWS_MAX_ATTEMPTS"] == "1"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert all(os.environ[k] == v for k, v in env.items())


def test_plain_boto3_clients_reach_the_server_through_the_environment(
    fresh_aws: EmbeddedAWS,
) -> None:
    fresh_aws.session().client("s3").create_bucket(Bucket="made-through-session")
    names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert names == ["made-through-session"]


def test_reset_clears_every_backend(fresh_aws: EmbeddedAWS) -> None:
    session = fresh_aws.session()
    session.client("s3").create_bucket(Bucket="to-be-reset")
    session.client("sqs").create_queue(QueueName="q")
    fresh_aws.reset()
    assert session.client("s3").list_buckets()["Buckets"] == []
    assert session.client("sqs").list_queues().get("QueueUrls", []) == []


def test_stop_is_reliable_on_exceptions_and_removes_the_certificate() -> None:
    server = EmbeddedAWS()
    with pytest.raises(ZeroDivisionError), server:
        port = int(server.endpoint_url.rsplit(":", 1)[1])
        cert_dir = Path(str(server.ca_bundle)).parent
        assert cert_dir.is_dir()
        raise ZeroDivisionError
    assert not cert_dir.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.endpoint_url
    server.stop()  # idempotent


def test_importing_the_package_imports_no_emulator_and_stop_restores_moto() -> None:
    script = (
        "import sys, secure_sagemaker\n"
        "assert 'moto' not in sys.modules and 'flask' not in sys.modules, 'eager import'\n"
        "from moto.s3.models import FakeBucket\n"
        "from moto.s3.responses import S3Response\n"
        "before = (FakeBucket.get_permission, S3Response._bucket_response, S3Response._key_response)\n"
        "from secure_sagemaker.testing import EmbeddedAWS\n"
        "with EmbeddedAWS(), EmbeddedAWS():\n"
        "    assert FakeBucket.get_permission is not before[0]\n"
        "after = (FakeBucket.get_permission, S3Response._bucket_response, S3Response._key_response)\n"
        "assert after == before, 'moto not restored'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]


# ----------------------------------------------------------------- bucket-policy conditions


@pytest.fixture
def secure_bucket(fresh_aws: EmbeddedAWS) -> Any:
    s3 = fresh_aws.session().client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=secure_policy())
    return s3


def test_over_https_an_sse_kms_write_to_a_secure_bucket_succeeds(secure_bucket: Any) -> None:
    secure_bucket.put_object(Bucket=BUCKET, Key="model.tar.gz", Body=b"weights", **SSE)
    got = secure_bucket.get_object(Bucket=BUCKET, Key="model.tar.gz")
    assert got["Body"].read() == b"weights"
    assert got["ServerSideEncryption"] == "aws:kms"
    assert secure_bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"ServerSideEncryption": "AES256"},
        {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/other"},
    ],
    ids=["no-sse", "sse-s3", "other-key"],
)
def test_over_https_writes_that_are_not_sse_kms_with_the_key_are_denied(
    secure_bucket: Any, extra: dict[str, str]
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as err:
        secure_bucket.put_object(Bucket=BUCKET, Key="plain", Body=b"x", **extra)
    assert code(err) == "AccessDenied"
    assert secure_bucket.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0


def test_a_multipart_upload_inherits_its_encryption_for_every_part(secure_bucket: Any) -> None:
    up = secure_bucket.create_multipart_upload(Bucket=BUCKET, Key="big", **SSE)
    part = secure_bucket.upload_part(
        Bucket=BUCKET, Key="big", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 1024
    )
    secure_bucket.complete_multipart_upload(
        Bucket=BUCKET,
        Key="big",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    assert secure_bucket.head_object(Bucket=BUCKET, Key="big")["ContentLength"] == 1024
    plain = secure_bucket.create_multipart_upload(Bucket=BUCKET, Key="big2")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        secure_bucket.upload_part(
            Bucket=BUCKET, Key="big2", UploadId=plain["UploadId"], PartNumber=1, Body=b"p"
        )
    assert code(err) == "AccessDenied"


def test_over_plain_http_every_request_to_the_bucket_is_denied(secure_bucket: Any) -> None:
    secure_bucket.put_object(Bucket=BUCKET, Key="existing", Body=b"x", **SSE)
    with EmbeddedAWS(tls=False) as plain:
        assert plain.endpoint_url.startswith("http://") and plain.ca_bundle is None
        s3 = plain.session().client("s3")
        calls = {
            "PutObject": lambda: s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", **SSE),
            "GetObject": lambda: s3.get_object(Bucket=BUCKET, Key="existing"),
            "ListObjectsV2": lambda: s3.list_objects_v2(Bucket=BUCKET),
            "GetBucketPolicy": lambda: s3.get_bucket_policy(Bucket=BUCKET),
            "PutBucketVersioning": lambda: s3.put_bucket_versioning(
                Bucket=BUCKET, VersioningConfiguration={"Status": "Suspended"}
            ),
            "DeleteBucketPolicy": lambda: s3.delete_bucket_policy(Bucket=BUCKET),
            "DeleteObject": lambda: s3.delete_object(Bucket=BUCKET, Key="existing"),
        }
        for name, call in calls.items():
            with pytest.raises(botocore.exceptions.ClientError) as err:
                call()
            assert code(err) == "AccessDenied", name
        # other buckets (no policy) still work over plain HTTP
        s3.create_bucket(Bucket="no-policy-bucket")
        s3.put_object(Bucket="no-policy-bucket", Key="k", Body=b"x")
    assert secure_bucket.get_bucket_policy(Bucket=BUCKET)["Policy"]
    assert secure_bucket.get_object(Bucket=BUCKET, Key="existing")["Body"].read() == b"x"


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:securetransport": "true"}, (False, {})),
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:securetransport": "false"}, (True, {})),
        (
            {"Bool": {"AWS:SECURETRANSPORT": ["false"]}},
            {"aws:securetransport": "false"},
            (True, {}),
        ),
        ({"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {}, (True, {})),
        (
            {"StringNotEquals": {"s3:x-amz-server-side-encryption": ["aws:kms", "aws:kms:dsse"]}},
            {"s3:x-amz-server-side-encryption": "aws:kms:dsse"},
            (False, {}),
        ),
        (
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "k"}},
            {},
            (True, {}),
        ),  # IfExists: an absent key makes the condition true
        (
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "k"}},
            {"s3:x-amz-server-side-encryption-aws-kms-key-id": "k"},
            (False, {}),
        ),
        (
            {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "k"}},
            {"s3:x-amz-server-side-encryption-aws-kms-key-id": "other"},
            (True, {}),
        ),
        ({"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}, {}, (False, {})),
        ({"Null": {"s3:x-amz-server-side-encryption": "true"}}, {}, (True, {})),
        ({"Null": {"s3:x-amz-server-side-encryption": "false"}}, {}, (False, {})),
        (
            {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            {},
            (True, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        ),
        (
            {
                "StringEquals": {
                    "aws:PrincipalOrgID": "o-1",
                    "s3:x-amz-server-side-encryption": "aws:kms",
                }
            },
            {"s3:x-amz-server-side-encryption": "aws:kms"},
            (True, {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}),
        ),
    ],
)
def test_condition_operators(
    condition: dict[str, Any], values: dict[str, str], expected: tuple[bool, dict[str, Any]]
) -> None:
    assert evaluate_conditions(condition, values) == expected


# ----------------------------------------------------------------- request capture


def test_capture_sees_the_guards_defaults_and_counts_requests(fresh_aws: EmbeddedAWS) -> None:
    s3 = ss.protect(fresh_aws.session().client("s3"), POLICY)
    s3.create_bucket(Bucket="ml-artifacts-bucket")
    with capture_requests(s3) as seen:
        s3.put_object(Bucket="ml-artifacts-bucket", Key="models/m", Body=b"x")
        with pytest.raises(ss.InsecureRequestError):
            s3.put_object(
                Bucket="ml-artifacts-bucket",
                Key="models/n",
                Body=b"x",
                ServerSideEncryption="AES256",
            )
    # the refused call was stopped while its parameters were built: nothing was sent
    assert seen.operations == ["PutObject"]
    assert seen.sent_operations == ["PutObject"]
    first = seen.params("PutObject")[0]
    assert first["ServerSideEncryption"] == "aws:kms"
    assert first["SSEKMSKeyId"] == POLICY.kms_key_id
    with capture_requests(s3) as after:
        pass
    s3.list_buckets()
    assert after.calls == [] and after.sent == 0  # handlers are gone after the block


def test_capture_on_a_session_observes_clients_made_inside(fresh_aws: EmbeddedAWS) -> None:
    session = fresh_aws.session()
    with capture_requests(session) as seen:
        session.client("s3").list_buckets()
    assert seen.operations == ["ListBuckets"] and seen.sent == 1
    with pytest.raises(TypeError), capture_requests(object()):
        pass


def test_the_emulator_keeps_a_models_network_isolation_flag(fresh_aws: Any) -> None:
    """moto alone answers DescribeModel with EnableNetworkIsolation=false whatever was sent."""
    sm = fresh_aws.session().client("sagemaker")
    for name, flag in (("isolated", True), ("open", False)):
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/i:1"},
            EnableNetworkIsolation=flag,
        )
        assert sm.describe_model(ModelName=name)["EnableNetworkIsolation"] is flag


def test_the_emulator_keeps_a_notebooks_imds_and_platform(fresh_aws: Any) -> None:
    """moto alone omits both from DescribeNotebookInstance."""
    sm = fresh_aws.session().client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/r",
        PlatformIdentifier="notebook-al2023-v1",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    described = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert described["PlatformIdentifier"] == "notebook-al2023-v1"
    assert described["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }


# ----------------------------------------------------- emulation of what moto lacks


def test_emulated_actions_exist_only_while_the_emulator_runs() -> None:
    from moto.apigateway.models import APIGatewayBackend
    from moto.sagemaker.responses import SageMakerResponse

    before = hasattr(SageMakerResponse, "update_endpoint")  # another emulator may run
    original = APIGatewayBackend.put_integration
    with EmbeddedAWS():
        assert hasattr(SageMakerResponse, "update_endpoint")
        assert hasattr(SageMakerResponse, "create_monitoring_schedule")
        assert hasattr(SageMakerResponse, "create_presigned_notebook_instance_url")
    assert hasattr(SageMakerResponse, "update_endpoint") is before
    assert APIGatewayBackend.put_integration is original


def test_emulated_update_endpoint_presigned_url_and_caller_credentials(
    fresh_aws: EmbeddedAWS,
) -> None:
    session = fresh_aws.session()
    sm = session.client("sagemaker")
    role = "arn:aws:iam::123456789012:role/r"
    sm.create_model(ModelName="m", ExecutionRoleArn=role, PrimaryContainer={"Image": "i"})
    for name, count in (("c1", 1), ("c2", 3)):
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "m",
                    "InitialInstanceCount": count,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    sm.create_endpoint(EndpointName="e", EndpointConfigName="c1")
    sm.update_endpoint(EndpointName="e", EndpointConfigName="c2")
    described = sm.describe_endpoint(EndpointName="e")
    assert described["EndpointConfigName"] == "c2"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 3
    with pytest.raises(sm.exceptions.ClientError, match="ValidationException"):
        sm.update_endpoint(EndpointName="e", EndpointConfigName="nope")

    with pytest.raises(sm.exceptions.ClientError):
        sm.create_presigned_notebook_instance_url(NotebookInstanceName="absent")

    api = session.client("apigateway")
    rest = api.create_rest_api(name="a")["id"]
    root = api.get_resources(restApiId=rest)["items"][0]["id"]
    api.put_method(restApiId=rest, resourceId=root, httpMethod="POST", authorizationType="AWS_IAM")
    uri = "arn:aws:apigateway:us-east-1:runtime.sagemaker:path//endpoints/e/invocations"
    got = api.put_integration(
        restApiId=rest,
        resourceId=root,
        httpMethod="POST",
        type="AWS",
        integrationHttpMethod="POST",
        uri=uri,
        credentials="arn:aws:iam::*:user/*",
    )
    assert got["credentials"] == "arn:aws:iam::*:user/*"
    with pytest.raises(api.exceptions.ClientError, match="Cross-account"):
        api.put_integration(
            restApiId=rest,
            resourceId=root,
            httpMethod="POST",
            type="AWS",
            integrationHttpMethod="POST",
            uri=uri,
            credentials="arn:aws:iam::999999999999:role/x",
        )


def test_emulated_training_job_leaves_its_model(fresh_aws: EmbeddedAWS) -> None:
    from secure_sagemaker.testing._sagemaker import EMULATED_MODEL

    session = fresh_aws.session()
    session.client("s3").create_bucket(Bucket="out")
    sm = session.client("sagemaker")
    sm.create_training_job(
        TrainingJobName="j",
        RoleArn="arn:aws:iam::123456789012:role/r",
        AlgorithmSpecification={"TrainingImage": "i", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://out/models"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    uri = sm.describe_training_job(TrainingJobName="j")["ModelArtifacts"]["S3ModelArtifacts"]
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    assert session.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == EMULATED_MODEL
