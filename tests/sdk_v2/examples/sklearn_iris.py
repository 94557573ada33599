"""Scikit-learn framework estimator in script mode.

Provenance: adapted from aws/amazon-sagemaker-examples,
sagemaker-python-sdk/scikit_learn_iris/scikit_learn_estimator_example_with_batch_transform.ipynb
(SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket (the notebook uploads the iris data
with upload_data; here the input is an S3 prefix); scikit_learn_iris.py is the
stand-in in code/; fit() does not wait (the batch-transform half needs a finished job).
"""

import os

import sagemaker
from sagemaker.sklearn.estimator import SKLearn

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
bucket = "sdk-test-artifacts"  # emulator: fixed bucket
sagemaker_session = sagemaker.Session(default_bucket=bucket)  # emulator: explicit bucket
here = os.path.dirname(os.path.abspath(__file__))  # emulator: the stand-in's folder
train_input = f"s3://{bucket}/data"  # emulator: was sagemaker_session.upload_data(...)

FRAMEWORK_VERSION = "1.2-1"
script_path = os.path.join(here, "code", "scikit_learn_iris.py")

sklearn = SKLearn(
    entry_point=script_path,
    framework_version=FRAMEWORK_VERSION,
    instance_type="ml.c4.xlarge",
    role=role,
    sagemaker_session=sagemaker_session,
    hyperparameters={"max_leaf_nodes": 30},
)
sklearn.fit({"train": train_input}, wait=False)  # emulator
