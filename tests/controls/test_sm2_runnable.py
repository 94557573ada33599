"""SM240, SM380 examples: an isolated job or model gets its code without the network.

One secure and one insecure request per rule, beside the rule's table
(``secure_sagemaker/controls/sm2_runnable.py``); the shapes are the ones SDK 2.x
script mode builds with isolation off (code fetched from S3) and on (a ``code``
channel, a repacked model).  The rules judge the *filled* request: isolation the
guard fills counts as isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, POLICY, drop, model, training, tuning
from tests.controls._check import check_example

SOURCEDIR = f"s3://{BUCKET}/train-1/source/sourcedir.tar.gz"
IN_CHANNEL = "/opt/ml/input/data/code/sourcedir.tar.gz"
CODE = {
    "ChannelName": "code",
    "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": SOURCEDIR}},
}


def script_hyperparameters(submit: str) -> dict[str, str]:
    """What SDK 2.x sends: every value JSON-encoded."""
    return {
        k: json.dumps(v)
        for k, v in {
            "sagemaker_program": "train.py",
            "sagemaker_submit_directory": submit,
            "sagemaker_region": "us-east-1",
        }.items()
    }


def script_training(submit: str, *channels: dict[str, Any], **kw: Any) -> dict[str, Any]:
    base = training(HyperParameters=script_hyperparameters(submit), **kw)
    base["InputDataConfig"] = [*base["InputDataConfig"], *channels]
    return base


def script_model(submit: str, **kw: Any) -> dict[str, Any]:
    m = model(**kw)
    m["PrimaryContainer"]["Environment"] = {
        "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": submit,
    }
    return m


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM240": (
        "CreateTrainingJob",
        script_training(IN_CHANNEL, CODE),
        script_training(SOURCEDIR),
    ),
    "SM380": (
        "CreateModel",
        script_model("/opt/ml/model/code"),
        script_model(f"s3://{BUCKET}/model-1/sourcedir.tar.gz"),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(rule_id: str, operation: str, params: dict[str, Any]) -> set[str]:
    return {f.status for f in ss.evaluate(operation, params, POLICY) if f.rule_id == rule_id}


def test_code_in_s3_is_fine_without_isolation() -> None:
    # SM202 refuses the missing isolation; SM240 has nothing to add
    assert _status(
        "SM240", "CreateTrainingJob", script_training(SOURCEDIR, EnableNetworkIsolation=False)
    ) == {"pass"}
    assert _status(
        "SM380", "CreateModel", script_model(SOURCEDIR, EnableNetworkIsolation=False)
    ) == {"pass"}


def test_the_guard_filling_isolation_makes_code_in_s3_fail() -> None:
    absent = drop(script_training(SOURCEDIR), "EnableNetworkIsolation")
    filled, _ = ss.secure_request("CreateTrainingJob", absent, POLICY)
    assert filled["EnableNetworkIsolation"] is True
    assert _status("SM240", "CreateTrainingJob", filled) == {"fail"}
    absent_model = drop(script_model(SOURCEDIR), "EnableNetworkIsolation")
    filled_model, _ = ss.secure_request("CreateModel", absent_model, POLICY)
    assert _status("SM380", "CreateModel", filled_model) == {"fail"}


def test_tuning_definitions_are_judged_each() -> None:
    good = tuning(StaticHyperParameters=script_hyperparameters(IN_CHANNEL), InputDataConfig=[CODE])
    bad = tuning(StaticHyperParameters=script_hyperparameters(SOURCEDIR))
    assert _status("SM240", "CreateHyperParameterTuningJob", good) == {"pass"}
    assert _status("SM240", "CreateHyperParameterTuningJob", bad) == {"fail"}
    several = {k: v for k, v in bad.items() if k != "TrainingJobDefinition"}
    several["TrainingJobDefinitions"] = [
        {**good["TrainingJobDefinition"], "DefinitionName": "ok"},
        {**bad["TrainingJobDefinition"], "DefinitionName": "broken"},
    ]
    assert _status("SM240", "CreateHyperParameterTuningJob", several) == {"fail"}
    several["TrainingJobDefinitions"].pop()
    assert _status("SM240", "CreateHyperParameterTuningJob", several) == {"pass"}


def test_plain_and_multi_container_models() -> None:
    multi = model(
        Containers=[
            {"Image": "img", "Environment": {"SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}},
            {"Image": "img", "Environment": {"SAGEMAKER_SUBMIT_DIRECTORY": SOURCEDIR}},
        ]
    )
    del multi["PrimaryContainer"]
    assert _status("SM380", "CreateModel", multi) == {"fail"}
    multi["Containers"].pop()
    assert _status("SM380", "CreateModel", multi) == {"pass"}
    assert _status("SM380", "CreateModel", model()) == {"pass"}


def test_the_refusal_says_what_to_pass_and_names_no_value() -> None:
    finding = next(
        f
        for f in ss.evaluate("CreateTrainingJob", script_training(SOURCEDIR), POLICY)
        if f.rule_id == "SM240"
    )
    assert "enable_network_isolation=True" in finding.remediation
    assert finding.field.startswith("HyperParameters")
    assert BUCKET not in f"{finding.message} {finding.remediation} {finding.field}"
