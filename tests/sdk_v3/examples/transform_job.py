"""ModelBuilder.build, then a batch Transformer over the model.

Provenance: adapted from aws/sagemaker-python-sdk,
v3-examples/ml-ops-examples/v3-transform-job-example.ipynb (SageMaker Python SDK 3.x).
Changes for the emulator: a fixed role and bucket (the notebook resolves them through
STS/IAM); the notebook's ``!aws s3 cp`` uploads are done by the test; the model URL is
an ``s3://`` URI (the notebook writes the https form of the same object); transform()
does not wait or stream logs.
"""

import boto3
from sagemaker.core.helper.session_helper import Session
from sagemaker.core.image_uris import retrieve
from sagemaker.core.transformer import Transformer
from sagemaker.serve.model_builder import ModelBuilder

region = boto3.Session().region_name
role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role

sagemaker_session = Session(default_bucket="sdk-test-artifacts")  # emulator: fixed bucket
bucket = sagemaker_session.default_bucket()
prefix = "demo-transform"
transform_output_path = f"s3://{bucket}/{prefix}/transform-outputs"

model_file_name = "xgb-churn-prediction-model.tar.gz"
model_url = f"s3://{bucket}/{prefix}/{model_file_name}"  # emulator: s3:// form

image_uri = retrieve("xgboost", boto3.Session().region_name, "0.90-1")

model_builder = ModelBuilder(
    image_uri=image_uri,
    s3_model_data_url=model_url,
    role_arn=role,
    sagemaker_session=sagemaker_session,
)
model_builder.build(model_name="my-transform-model")

transformer = Transformer(
    model_name="my-transform-model",
    instance_count=1,
    instance_type="ml.m5.xlarge",
    accept="text/csv",
    assemble_with="Line",
    output_path=transform_output_path,
    sagemaker_session=sagemaker_session,
)

data_input = f"s3://{bucket}/{prefix}/transform_input/validation"
transform_arg = transformer.transform(
    data_input,
    content_type="text/csv",
    split_type="Line",
    input_filter="$[1:]",
    wait=False,  # emulator
    logs=False,  # emulator
)
