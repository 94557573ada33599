"""SM251 examples, and pipeline parameters judged by their values (issue 15): a
``{"Get": "Parameters.X"}`` in a security field is judged against X's DefaultValue,
and - with the guard - against the value a StartPipelineExecution passes; only an
expression nothing decides is refused, with a fix line saying how."""

from __future__ import annotations

import json
from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker._pipelines import unresolve, with_execution_values
from secure_sagemaker.controls import CATALOG
from secure_sagemaker.rules import Unresolved
from tests._examples import POLICY, ROLE, pipeline, training
from tests.controls._check import check_example

START = {"PipelineName": "p1", "ClientRequestToken": "token-0123456789abcdef0123456789",
         "PipelineParameters": [{"Name": "Instance", "Value": "ml.m5.large"}]}

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM251": ("StartPipelineExecution", dict(START), {**START, "@Pipeline": None}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def parameterised(*parameters: dict[str, Any]) -> dict[str, Any]:
    """A CreatePipeline whose training step takes its instance type from a parameter."""
    args = training()
    args["ResourceConfig"]["InstanceType"] = {"Get": "Parameters.Instance"}
    params = pipeline(args)
    definition = json.loads(params["PipelineDefinition"])
    definition["Parameters"] = list(parameters)
    return {**params, "PipelineDefinition": json.dumps(definition)}


def instance_findings(params: dict[str, Any], operation: str = "CreatePipeline") -> list[ss.Finding]:
    return [f for f in ss.evaluate(operation, params, POLICY)
            if f.field.endswith("ResourceConfig.InstanceType")]


def test_a_parameter_is_judged_by_its_default_value() -> None:
    allowed = {"Name": "Instance", "Type": "String", "DefaultValue": "ml.m5.xlarge"}
    assert [f.status for f in instance_findings(parameterised(allowed))] == ["pass"]
    denied = {**allowed, "DefaultValue": "ml.p4d.24xlarge"}
    (finding,) = instance_findings(parameterised(denied))
    assert finding.failed and "not in the policy's allowed instance types" in finding.message
    assert "ml.p4d" not in finding.message + finding.remediation


def test_a_parameter_without_a_default_is_refused_with_a_fix_that_says_how() -> None:
    (finding,) = instance_findings(parameterised({"Name": "Instance", "Type": "String"}))
    assert finding.failed and "pipeline parameter with no DefaultValue" in finding.message
    assert finding.remediation.startswith("Give this field a literal value, or a pipeline "
                                          "parameter whose DefaultValue passes the rule")
    assert finding.remediation.endswith(CATALOG.rule("SM206").remediation)


def test_join_of_decided_parts_is_judged_and_other_expressions_stay_unresolved() -> None:
    node = {
        "Uri": {"Std:Join": {"On": "/", "Values": ["s3:/", {"Get": "Parameters.Bucket"}, "x"]}},
        "Flag": {"Get": "Parameters.On"},
        "Step": {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"},
        "Missing": {"Get": "Parameters.Absent"},
    }
    out = unresolve(node, {"Bucket": "b1", "On": True})
    assert out["Uri"] == "s3://b1/x" and out["Flag"] is True
    assert out["Step"] == Unresolved("Get") and out["Missing"] == Unresolved("Get", parameter=True)


def test_an_s3_uri_joined_around_an_execution_variable_is_judged_by_its_bucket() -> None:
    """What SDK 2.x writes for a ProcessingOutput without a destination."""
    def output(bucket: str) -> dict[str, Any]:
        join = {"Std:Join": {"On": "/", "Values": [
            "s3:/", bucket, "p1", {"Get": "Execution.PipelineExecutionId"}, "Prep", "train"]}}
        return {"Outputs": [{"OutputName": "train", "S3Output": {
            "S3Uri": join, "LocalPath": "/opt/ml/processing/train", "S3UploadMode": "EndOfJob"}}]}

    uri = unresolve(output("ml-artifacts-bucket"))["Outputs"][0]["S3Output"]["S3Uri"]
    assert uri == "s3://ml-artifacts-bucket/p1/pipeline-execution-variable/Prep/train"
    alone = unresolve({"KmsKeyId": {"Get": "Execution.PipelineExecutionId"}})
    assert alone["KmsKeyId"] == "pipeline-execution-variable"  # fails a key check by itself


def test_execution_values_become_typed_defaults() -> None:
    definition = {"Parameters": [
        {"Name": "N", "Type": "Integer", "DefaultValue": 1},
        {"Name": "On", "Type": "Boolean", "DefaultValue": False},
        {"Name": "Rate", "Type": "Float"},
        {"Name": "Kept", "Type": "String", "DefaultValue": "a"},
    ]}
    given = [{"Name": "N", "Value": "4"}, {"Name": "On", "Value": "true"},
             {"Name": "Rate", "Value": "not-a-number"}, {"Name": "Other", "Value": "x"}]
    with_execution_values(definition, given)
    assert [p.get("DefaultValue") for p in definition["Parameters"]] == [4, True, "not-a-number", "a"]


def test_start_pipeline_execution_judges_the_pipeline_with_the_values_given() -> None:
    allowed = {"Name": "Instance", "Type": "String", "DefaultValue": "ml.m5.xlarge"}
    described = parameterised(allowed)
    definition = with_execution_values(
        json.loads(described["PipelineDefinition"]),
        [{"Name": "Instance", "Value": "ml.p4d.24xlarge"}],
    )
    fetched = {"PipelineName": "p1", "RoleArn": ROLE, "PipelineDefinition": json.dumps(definition)}
    found = ss.evaluate("StartPipelineExecution", {**START, "@Pipeline": fetched}, POLICY)
    failed = {f.rule_id: f.field for f in found if f.failed}
    assert failed == {"SM206": "(pipeline).PipelineDefinition.Steps[Train].Arguments."
                                "ResourceConfig.InstanceType"}
