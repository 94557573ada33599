"""XGBoost framework estimator in script mode (entry_point + source_dir).

Provenance: adapted from aws/amazon-sagemaker-examples,
introduction_to_amazon_algorithms/xgboost_abalone/xgboost_abalone_dist_script_mode.ipynb
(SageMaker Python SDK 2.x).
Changes for the emulator: fixed role and bucket; the example's abalone.py is the
stand-in in code/; fit() does not wait.
"""

import os

import sagemaker
from sagemaker.inputs import TrainingInput
from sagemaker.xgboost.estimator import XGBoost

role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role
bucket = "sdk-test-artifacts"  # emulator: fixed bucket
prefix = "sagemaker/DEMO-xgboost-dist-script"
session = sagemaker.Session(default_bucket=bucket)  # emulator: explicit default bucket
here = os.path.dirname(os.path.abspath(__file__))  # emulator: the stand-in's folder

hyperparams = {
    "max_depth": "5",
    "eta": "0.2",
    "gamma": "4",
    "min_child_weight": "6",
    "subsample": "0.7",
    "objective": "reg:squarederror",
    "num_round": "50",
    "verbosity": "2",
}
output_path = f"s3://{bucket}/{prefix}/abalone-dist-xgb/output"

xgb_script_mode_estimator = XGBoost(
    entry_point="abalone.py",
    source_dir=os.path.join(here, "code"),
    hyperparameters=hyperparams,
    role=role,
    instance_count=2,
    instance_type="ml.m5.2xlarge",
    framework_version="1.7-1",
    output_path=output_path,
    sagemaker_session=session,
)

train_input = TrainingInput(f"s3://{bucket}/{prefix}/train/", content_type="libsvm")
validation_input = TrainingInput(f"s3://{bucket}/{prefix}/validation/", content_type="libsvm")
xgb_script_mode_estimator.fit(
    {"train": train_input, "validation": validation_input},
    wait=False,  # emulator
)
