"""evaluate() and secure_request(): semantics, pipelines, waivers, robustness."""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import secure_sagemaker as ss
from secure_sagemaker.controls import CATALOG
from tests._examples import KEY, POLICY, SUBNET, pipeline, training


def by_id(findings: list[ss.Finding]) -> dict[str, ss.Finding]:
    return {f.rule_id: f for f in findings}


def test_an_empty_request_is_judged_by_the_insecure_service_defaults() -> None:
    found = by_id(ss.evaluate("CreateNotebookInstance", {}))
    for rule_id in ("SM101", "SM103", "SM104", "SM105", "SM106"):
        assert found[rule_id].status == "fail"
    assert "Enabled" in found["SM103"].message  # names the service default it fell back to


def test_findings_carry_the_documented_fields() -> None:
    f = by_id(ss.evaluate("CreateTrainingJob", training(VpcConfig={"Subnets": ["subnet-0fffffffffffffff0"],
                                                                     "SecurityGroupIds": ["sg-0123456789abcdef0"]}), POLICY))["SM201"]
    assert (f.rule_id, f.severity, f.status) == ("SM201", ss.Severity.HIGH, "fail")
    assert f.field == "VpcConfig.Subnets"
    assert "policy" in f.message and f.remediation
    assert f.to_dict()["severity"] == "high"


def test_policy_dependent_rules_apply_only_when_the_policy_sets_them() -> None:
    assert "SM206" not in by_id(ss.evaluate("CreateTrainingJob", training(), ss.SecurityPolicy()))
    assert by_id(ss.evaluate("CreateTrainingJob", training(), POLICY))["SM206"].status == "pass"


def test_waived_failures_are_reported_as_waived_not_dropped() -> None:
    policy = attrs.evolve(POLICY, waivers={"SM202": "needs pip at runtime; owner ml-platform; expires 2027-01"})
    f = by_id(ss.evaluate("CreateTrainingJob", training(EnableNetworkIsolation=False), policy))["SM202"]
    assert f.status == "waived"
    assert by_id(ss.evaluate("CreateTrainingJob", training(), policy))["SM202"].status == "pass"


def test_wrong_types_in_security_fields_fail_instead_of_crashing() -> None:
    params = training(VpcConfig="subnet-1", EnableNetworkIsolation="true", Environment=["A=B"],
                      ResourceConfig=None, OutputDataConfig=7)
    found = by_id(ss.evaluate("CreateTrainingJob", params, POLICY))
    for rule_id in ("SM201", "SM202", "SM204", "SM205", "SM510"):
        assert found[rule_id].status == "fail", rule_id


def test_a_secret_in_the_environment_is_refused_without_quoting_it() -> None:
    token = "ghp_" + "a1B2c3D4" * 5
    f = by_id(ss.evaluate("CreateTrainingJob", training(Environment={"GH": token}), POLICY))["SM510"]
    assert f.status == "fail" and f.field == "Environment.GH"
    assert token not in repr(f) and "GitHub token" in f.message


def test_secret_references_are_accepted() -> None:
    env = {"DB_PASSWORD": "secretsmanager:prod/db",
           "API_KEY": "arn:aws:secretsmanager:us-east-1:123456789012:secret:api-AbCdEf"}
    assert by_id(ss.evaluate("CreateProcessingJob", {"Environment": env}, POLICY))["SM510"].status == "pass"


def test_update_calls_judge_only_the_fields_they_change() -> None:
    found = by_id(ss.evaluate("UpdateNotebookInstance", {"NotebookInstanceName": "nb"}))
    assert "SM104" not in found and "SM106" not in found


def test_every_pipeline_step_is_judged_as_the_request_it_becomes() -> None:
    bad = training(EnableNetworkIsolation=False)
    condition = {"Name": "Check", "Type": "Condition", "Arguments": {
        "Conditions": [], "IfSteps": [{"Name": "Retrain", "Type": "Training", "Arguments": bad}],
        "ElseSteps": []}}
    params = pipeline(training())
    definition = json.loads(params["PipelineDefinition"])
    definition["Steps"].append(condition)
    params["PipelineDefinition"] = json.dumps(definition)
    fails = [f for f in ss.evaluate("CreatePipeline", params, POLICY) if f.status == "fail"]
    assert [(f.rule_id, f.field) for f in fails] == [
        ("SM202", "PipelineDefinition.Steps[Check].Arguments.IfSteps[Retrain].Arguments.EnableNetworkIsolation")
    ]


def test_pipeline_parameters_in_security_fields_fail_with_their_own_message() -> None:
    params = pipeline(training(VpcConfig={"Get": "Parameters.Vpc"}))
    f = next(f for f in ss.evaluate("UpdatePipeline", params, POLICY) if f.rule_id == "SM201")
    assert f.status == "fail" and "pipeline parameter with no DefaultValue" in f.message
    step = pipeline(training(VpcConfig={"Get": "Steps.Prep.Properties.Vpc"}))
    f = next(f for f in ss.evaluate("UpdatePipeline", step, POLICY) if f.rule_id == "SM201")
    assert f.status == "fail" and "pipeline expression" in f.message


def test_a_pipeline_definition_in_s3_is_refused_by_pure_evaluate() -> None:
    params = {"PipelineName": "p", "RoleArn": "r",
              "PipelineDefinitionS3Location": {"Bucket": "b", "ObjectKey": "k"}}
    f = by_id(ss.evaluate("CreatePipeline", params, POLICY))["SM250"]
    assert f.status == "fail" and "S3" in f.message


def test_secure_request_fills_absent_fields_and_never_overwrites_present_ones() -> None:
    params = {"NotebookInstanceName": "nb", "InstanceType": "ml.t3.medium", "RoleArn": "r",
              "RootAccess": "Enabled"}
    new, filled = ss.secure_request("CreateNotebookInstance", params, POLICY)
    assert new["SubnetId"] == SUBNET and new["KmsKeyId"] == KEY
    assert new["DirectInternetAccess"] == "Disabled"
    assert new["RootAccess"] == "Enabled"  # insecure, explicit: left for evaluate() to refuse
    assert ("SM104", "RootAccess") not in filled and ("SM101", "SubnetId") in filled
    assert "SubnetId" not in params  # the input is not modified
    assert by_id(ss.evaluate("CreateNotebookInstance", new, POLICY))["SM104"].status == "fail"


def test_secure_request_fills_inside_pipeline_steps_but_not_into_expressions() -> None:
    args = {k: v for k, v in training().items() if k not in ("VpcConfig", "EnableNetworkIsolation")}
    args["NetworkConfig"] = {"Get": "Parameters.X"}  # not a training field: left alone
    new, filled = ss.secure_request("CreatePipeline", pipeline(args), POLICY)
    step = json.loads(new["PipelineDefinition"])["Steps"][0]["Arguments"]
    assert step["VpcConfig"]["Subnets"] == [SUBNET] and step["EnableNetworkIsolation"] is True
    assert step["NetworkConfig"] == {"Get": "Parameters.X"}
    assert ("SM201", "PipelineDefinition.Steps[Train].Arguments.VpcConfig") in filled


def test_data_capture_default_goes_to_the_first_artifact_bucket() -> None:
    new, _ = ss.secure_request("CreateEndpointConfig", {"EndpointConfigName": "e1",
                                                        "ProductionVariants": []}, POLICY)
    capture = new["DataCaptureConfig"]
    assert capture["DestinationS3Uri"] == "s3://ml-artifacts-bucket/data-capture/e1"
    assert capture["KmsKeyId"] == KEY and capture["InitialSamplingPercentage"] == 100


def test_unjudged_operations_return_no_findings() -> None:
    assert ss.evaluate("DescribeTrainingJob", {"TrainingJobName": "x"}) == []
    assert "InvokeEndpoint" not in CATALOG.judged_operations()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
field_names = st.sampled_from(sorted({seg.split(".")[0].rstrip("?").removesuffix("[]")
                                      for r in CATALOG for ps in r.fields.values() for seg in ps}))
operations = st.sampled_from(sorted(CATALOG.judged_operations()))


@settings(max_examples=300, deadline=None)
@given(operations, st.dictionaries(field_names | st.text(max_size=8), json_values, max_size=8))
def test_evaluate_never_raises_on_arbitrary_params(operation: str, params: dict[str, Any]) -> None:
    findings = ss.evaluate(operation, params, POLICY)
    assert all(f.status in ("pass", "fail", "waived") for f in findings)
    new, _ = ss.secure_request(operation, params, POLICY)
    assert isinstance(new, dict)


@settings(max_examples=100, deadline=None)
@given(operations, json_values)
def test_evaluate_never_raises_on_non_mapping_params(operation: str, params: Any) -> None:
    findings = ss.evaluate(operation, params, POLICY)
    assert all(f.status in ("pass", "fail", "waived") for f in findings)
