"""Generic ``Estimator`` with a built-in algorithm image: set_hyperparameters, fit.

Provenance: adapted from the Amazon SageMaker Developer Guide, "Train a Model"
(awsdocs/amazon-sagemaker-developer-guide, doc_source/ex1-train-model.md; XGBoost
adult-income example, SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket (was get_execution_role() and
Session().default_bucket()); the estimator is imported with a from-import (the guide
writes ``sagemaker.estimator.Estimator``); fit() does not wait for a job that never runs.
"""

import boto3
import sagemaker
from sagemaker.debugger import Rule, rule_configs
from sagemaker.estimator import Estimator
from sagemaker.session import TrainingInput

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
bucket = "sdk-test-artifacts"  # emulator: fixed bucket
prefix = "demo-sagemaker-xgboost-adult-income-prediction"
region = boto3.Session().region_name
session = sagemaker.Session(default_bucket=bucket)  # emulator: explicit default bucket

s3_output_location = f"s3://{bucket}/{prefix}/xgboost_model"
container = sagemaker.image_uris.retrieve("xgboost", region, "1.2-1")

xgb_model = Estimator(
    image_uri=container,
    role=role,
    instance_count=1,
    instance_type="ml.m4.xlarge",
    volume_size=5,
    output_path=s3_output_location,
    sagemaker_session=session,
    rules=[Rule.sagemaker(rule_configs.create_xgboost_report())],
)
xgb_model.set_hyperparameters(
    max_depth=5,
    eta=0.2,
    gamma=4,
    min_child_weight=6,
    subsample=0.7,
    objective="binary:logistic",
    num_round=1000,
)

train_input = TrainingInput(f"s3://{bucket}/{prefix}/data/train.csv", content_type="csv")
validation_input = TrainingInput(f"s3://{bucket}/{prefix}/data/validation.csv", content_type="csv")
xgb_model.fit({"train": train_input, "validation": validation_input}, wait=False)  # emulator
