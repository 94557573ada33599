"""ModelTrainer in script mode (SourceCode: source_dir + entry_script) with file-based
hyperparameters.

Provenance: adapted from aws/sagemaker-python-sdk,
v3-examples/training-examples/hyperparameter-training-example.ipynb (SageMaker Python
SDK 3.x), its JSON-file half (the YAML half repeats it with another file format).
Changes for the emulator: a fixed role and bucket (the notebook resolves the role and
default bucket through STS/IAM); train() does not wait or stream logs.
"""

import json
import os
import tempfile

from sagemaker.core.helper.session_helper import Session
from sagemaker.train.configs import SourceCode
from sagemaker.train.model_trainer import ModelTrainer

sagemaker_session = Session(default_bucket="sdk-test-artifacts")  # emulator: fixed bucket
role = "arn:aws:iam::123456789012:role/sdk-test-execution"  # emulator: fixed role

EXPECTED_HYPERPARAMETERS = {
    "integer": 1,
    "boolean": True,
    "float": 3.14,
    "string": "Hello World",
    "list": [1, 2, 3],
    "dict": {
        "string": "value",
        "integer": 3,
        "float": 3.14,
        "list": [1, 2, 3],
        "dict": {"key": "value"},
        "boolean": True,
    },
}

DEFAULT_CPU_IMAGE = "763104351884.dkr.ecr.us-west-2.amazonaws.com/pytorch-training:2.0.0-cpu-py310"

temp_dir = tempfile.mkdtemp()
source_dir = os.path.join(temp_dir, "source")
os.makedirs(source_dir, exist_ok=True)

json_file = os.path.join(source_dir, "hyperparameters.json")
with open(json_file, "w") as f:
    json.dump(EXPECTED_HYPERPARAMETERS, f, indent=2)

training_script = """
import json
import os

if __name__ == "__main__":
    params = json.loads(os.environ["SM_HPS"])
    print(f"SM_HPS: {params}")
"""
with open(os.path.join(source_dir, "train.py"), "w") as f:
    f.write(training_script)
with open(os.path.join(source_dir, "requirements.txt"), "w") as f:
    f.write("omegaconf\n")

source_code = SourceCode(
    source_dir=source_dir,
    requirements="requirements.txt",
    entry_script="train.py",
)

json_trainer = ModelTrainer(
    sagemaker_session=sagemaker_session,
    role=role,  # emulator: the notebook lets the SDK resolve it
    training_image=DEFAULT_CPU_IMAGE,
    hyperparameters=json_file,
    source_code=source_code,
    base_job_name="hp-contract-hyperparameter-json",
)
assert json_trainer.hyperparameters == EXPECTED_HYPERPARAMETERS

json_trainer.train(wait=False, logs=False)  # emulator: the job never runs
