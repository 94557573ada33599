"""Hugging Face framework estimator in script mode (entry_point + source_dir).

Provenance: adapted from huggingface/notebooks,
sagemaker/01_getting_started_pytorch/sagemaker-notebook.ipynb (SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket; train.py is the stand-in in code/
(the notebook's ./scripts); fit() does not wait.
"""

import os

import sagemaker
from sagemaker.huggingface import HuggingFace

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
sess_bucket = "sdk-test-artifacts"  # emulator: fixed bucket
sess = sagemaker.Session(default_bucket=sess_bucket)  # emulator: explicit bucket
here = os.path.dirname(os.path.abspath(__file__))  # emulator: the stand-in's folder
s3_prefix = "samples/datasets/imdb"
training_input_path = f"s3://{sess.default_bucket()}/{s3_prefix}/train"
test_input_path = f"s3://{sess.default_bucket()}/{s3_prefix}/test"

hyperparameters = {"epochs": 1, "train_batch_size": 32, "model_name": "distilbert-base-uncased"}

huggingface_estimator = HuggingFace(
    entry_point="train.py",
    source_dir=os.path.join(here, "code"),
    instance_type="ml.p3.2xlarge",
    instance_count=1,
    role=role,
    transformers_version="4.26",
    pytorch_version="1.13",
    py_version="py39",
    hyperparameters=hyperparameters,
    sagemaker_session=sess,
)
huggingface_estimator.fit(
    {"train": training_input_path, "test": test_input_path},
    wait=False,  # emulator
)
