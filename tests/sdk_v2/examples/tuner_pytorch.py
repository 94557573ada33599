"""HyperparameterTuner over a PyTorch script-mode estimator.

Provenance: adapted from aws/amazon-sagemaker-examples,
hyperparameter_tuning/pytorch_mnist/hpo_pytorch_mnist.ipynb (SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket (the notebook uploads MNIST with
upload_data; here the input is an S3 prefix); mnist.py is the stand-in in code/;
tuner.fit() does not wait.
"""

import os

import sagemaker
from sagemaker.pytorch import PyTorch
from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner

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
    py_version="py3",
    framework_version="1.4.0",
    instance_count=1,
    instance_type="ml.m4.xlarge",
    hyperparameters={"epochs": 5, "backend": "gloo"},
    sagemaker_session=sagemaker_session,
)

hyperparameter_ranges = {
    "lr": ContinuousParameter(0.001, 0.1),
    "batch-size": CategoricalParameter([32, 64, 128, 256, 512]),
}
objective_metric_name = "average test loss"
objective_type = "Minimize"
metric_definitions = [{"Name": "average test loss", "Regex": "Test set: Average loss: ([0-9\\.]+)"}]

tuner = HyperparameterTuner(
    estimator,
    objective_metric_name,
    hyperparameter_ranges,
    metric_definitions,
    max_jobs=9,
    max_parallel_jobs=3,
    objective_type=objective_type,
)
tuner.fit({"training": inputs}, wait=False)  # emulator
