"""PyTorch framework estimator in script mode, then deploy of the trained model.

Provenance: adapted from aws/amazon-sagemaker-examples,
sagemaker-python-sdk/pytorch_mnist/pytorch_mnist.ipynb (SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket (the notebook uploads MNIST with
upload_data; here the input is an S3 prefix); mnist.py is the stand-in in code/;
fit() and deploy() do not wait; the model is attached from the training job's
artifacts explicitly (PyTorchModel) because the job never completes.
"""

import os

import sagemaker
from sagemaker.pytorch import PyTorch, PyTorchModel

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
bucket = "sdk-test-artifacts"  # emulator: fixed bucket
prefix = "sagemaker/DEMO-pytorch-mnist"
sagemaker_session = sagemaker.Session(default_bucket=bucket)  # emulator: explicit bucket
here = os.path.dirname(os.path.abspath(__file__))  # emulator: the stand-in's folder
inputs = f"s3://{bucket}/{prefix}"  # emulator: was sagemaker_session.upload_data(...)

estimator = PyTorch(
    entry_point="mnist.py",
    source_dir=os.path.join(here, "code"),
    role=role,
    py_version="py38",
    framework_version="1.11.0",
    instance_count=2,
    instance_type="ml.c5.2xlarge",
    hyperparameters={"epochs": 1, "backend": "gloo"},
    sagemaker_session=sagemaker_session,
)
estimator.fit({"training": inputs}, wait=False)  # emulator

model = PyTorchModel(  # emulator: the notebook calls estimator.deploy() after training
    model_data=f"s3://{bucket}/{prefix}/model.tar.gz",
    role=role,
    entry_point="mnist.py",
    source_dir=os.path.join(here, "code"),
    framework_version="1.11.0",
    py_version="py38",
    sagemaker_session=sagemaker_session,
)
predictor = model.deploy(initial_instance_count=1, instance_type="ml.m4.xlarge", wait=False)
