"""Model.deploy with data capture to S3.

Provenance: adapted from aws/amazon-sagemaker-examples,
sagemaker_model_monitor/introduction/SageMaker-ModelMonitoring.ipynb ("Deploy the
model to Amazon SageMaker" with DataCaptureConfig; SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket (the notebook uploads its
pre-trained XGBoost churn model; here model_data is an S3 key); deploy() does not
wait.
"""

from time import gmtime, strftime

import boto3
import sagemaker
from sagemaker import image_uris
from sagemaker.model import Model
from sagemaker.model_monitor import DataCaptureConfig

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
bucket = "sdk-test-artifacts"  # emulator: fixed bucket
prefix = "sagemaker/DEMO-ModelMonitor"
region = boto3.Session().region_name
session = sagemaker.Session(default_bucket=bucket)  # emulator: explicit bucket

data_capture_prefix = f"{prefix}/datacapture"
s3_capture_upload_path = f"s3://{bucket}/{data_capture_prefix}"
model_url = f"s3://{bucket}/{prefix}/xgb-churn-prediction-model.tar.gz"

model_name = "DEMO-xgb-churn-pred-model-monitor-" + strftime("%Y-%m-%d-%H-%M-%S", gmtime())
image_uri = image_uris.retrieve("xgboost", region, "0.90-1")
model = Model(
    image_uri=image_uri,
    model_data=model_url,
    role=role,
    sagemaker_session=session,
)

endpoint_name = "DEMO-xgb-churn-pred-model-monitor-" + strftime("%Y-%m-%d-%H-%M-%S", gmtime())
data_capture_config = DataCaptureConfig(
    enable_capture=True,
    sampling_percentage=100,
    destination_s3_uri=s3_capture_upload_path,
)
predictor = model.deploy(
    initial_instance_count=1,
    instance_type="ml.m4.xlarge",
    endpoint_name=endpoint_name,
    data_capture_config=data_capture_config,
    wait=False,  # emulator
)
