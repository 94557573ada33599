"""Pipeline definitions are judged step by step: every SageMaker step type the SDK
emits becomes its request, unknown step types and unreadable ``Arguments`` fail
SM250 (never skipped), string ``Arguments`` are parsed and judged, duplicate JSON
keys are refused, and a ``PipelineDefinitionS3Location`` is pinned to the version
the guard judged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

import secure_sagemaker as ss
from secure_sagemaker._pipelines import NO_REQUEST_STEPS, STEP_OPERATIONS
from tests._examples import POLICY, ROLE, TAGS, endpoint_config, model, pipeline, training
from tests._guarded import Sent, refused
from tests.controls.test_sm2_more_jobs import PUBLIC_IMAGE, model_package


def definition(*steps: dict[str, Any]) -> str:
    return json.dumps({"Version": "2020-12-01", "Parameters": [], "Steps": list(steps)})


def create(body: str) -> dict[str, Any]:
    return {**pipeline(training()), "PipelineDefinition": body}


def failed(params: dict[str, Any], operation: str = "CreatePipeline") -> dict[str, ss.Finding]:
    return {f.rule_id: f for f in ss.evaluate(operation, params, POLICY) if f.failed}


def step(kind: str, args: Any, name: str = "S") -> dict[str, Any]:
    return {"Name": name, "Type": kind, "Arguments": args}


# --------------------------------------------------------------------------- step types


def test_every_sagemaker_step_type_of_the_sdk_is_mapped_or_known_to_send_no_request() -> None:
    sdk = {
        "Condition",
        "Model",
        "Processing",
        "RegisterModel",
        "Training",
        "Transform",
        "Callback",
        "Tuning",
        "Lambda",
        "QualityCheck",
        "ClarifyCheck",
        "EMR",
        "Fail",
        "AutoML",
        "EndpointConfig",
        "Endpoint",
        "InferenceComponent",
        "Lineage",
        "Cleanup",
        "ForEach",
    }  # StepTypeEnum of sagemaker 2.x and 3.x, less EMRServerless and Job (refused)
    assert sdk <= set(STEP_OPERATIONS) | NO_REQUEST_STEPS
    assert not set(STEP_OPERATIONS) & NO_REQUEST_STEPS
    assert STEP_OPERATIONS["RegisterModel"] == "CreateModelPackage"


def test_a_register_model_step_is_judged_as_create_model_package() -> None:
    assert failed(pipeline(model_package(), "RegisterModel")) == {}
    package = model_package()
    package["InferenceSpecification"]["Containers"][0]["Image"] = PUBLIC_IMAGE
    found = failed(pipeline(package, "RegisterModel"))
    assert set(found) == {"SM283"}
    assert found["SM283"].field.startswith("PipelineDefinition.Steps[Train].Arguments.")


def test_model_and_endpoint_config_steps_are_judged_as_their_requests() -> None:
    insecure_model = model(EnableNetworkIsolation=False)
    assert set(failed(pipeline(insecure_model, "Model"))) == set(
        failed(insecure_model, "CreateModel")
    )
    assert failed(pipeline(insecure_model, "Model"))
    insecure_config = endpoint_config(KmsKeyId="alias/aws/sagemaker")
    assert "SM310" in failed(pipeline(insecure_config, "EndpointConfig"))
    assert failed(pipeline(endpoint_config(), "EndpointConfig")) == {}


@pytest.mark.parametrize("kind", ["EMRServerless", "Job", "ShinyNewStep", 7, None])
def test_a_step_type_the_catalog_cannot_judge_fails_closed(kind: Any) -> None:
    found = failed(create(definition(step(kind, {"Anything": "x"}, "Odd"))))
    assert set(found) == {"SM250"}
    assert "type the catalog cannot judge" in found["SM250"].message
    assert "Steps[Odd]" in found["SM250"].message


def test_steps_that_send_no_sagemaker_request_pass_and_unknown_steps_without_arguments_too() -> (
    None
):
    body = definition(
        step("Fail", {"ErrorMessage": "stop"}, "F"),
        step("Lambda", {"x": 1}, "L"),
        step("EMR", {"ClusterId": "j-1", "StepConfig": {}}, "E"),
        {"Name": "NoArgs", "Type": "ShinyNewStep"},
    )
    assert failed(create(body)) == {}


def test_steps_inside_for_each_bodies_are_walked() -> None:
    bad = step("Training", training(EnableNetworkIsolation=False), "Inner")
    loop = step("ForEach", {"IterableItems": [1, 2], "ForEachBody": [bad]}, "Loop")
    found = failed(create(definition(loop)))
    assert set(found) == {"SM202"}
    assert "Steps[Loop].Arguments.ForEachBody[Inner].Arguments" in found["SM202"].field
    odd = step("ForEach", {"ForEachBody": [step("ShinyNewStep", {})]}, "Loop")
    assert set(failed(create(definition(odd)))) == {"SM250"}


def test_arguments_that_are_no_json_object_fail() -> None:
    found = failed(create(definition(step("Training", [1, 2], "T"))))
    assert set(found) == {"SM250"} and "not a JSON object" in found["SM250"].message


# --------------------------------------------------------------------------- string Arguments


def test_arguments_given_as_a_json_string_are_parsed_and_judged() -> None:
    bad = step("Training", json.dumps(training(EnableNetworkIsolation=False)), "T")
    found = failed(create(definition(bad)))
    assert set(found) == {"SM202"}
    assert found["SM202"].field.startswith("PipelineDefinition.Steps[T].Arguments.")
    assert failed(create(definition(step("Training", json.dumps(training()))))) == {}


def test_a_condition_with_string_arguments_has_its_branches_walked() -> None:
    inner = step("Training", json.dumps(training(EnableNetworkIsolation=False)), "Inner")
    cond = step("Condition", json.dumps({"Conditions": [], "IfSteps": [inner]}), "C")
    assert set(failed(create(definition(cond)))) == {"SM202"}


def test_string_arguments_that_are_no_json_object_fail_sm250() -> None:
    for args in ("{not json", "[1, 2]", '"text"'):
        found = failed(create(definition(step("Training", args, "T"))))
        assert set(found) == {"SM250"}, args
        assert "Steps[T]" in found["SM250"].message


def test_secure_request_fills_string_arguments() -> None:
    args = training()
    del args["VpcConfig"]
    params = create(definition(step("Training", json.dumps(args), "T")))
    new, filled = ss.secure_request("CreatePipeline", params, POLICY)
    sent = json.loads(new["PipelineDefinition"])["Steps"][0]["Arguments"]
    assert isinstance(sent, dict) and sent["VpcConfig"]["Subnets"] == list(POLICY.subnets)
    assert any(field.startswith("PipelineDefinition.Steps[T].Arguments.") for _, field in filled)
    assert failed(new) == {}


# --------------------------------------------------------------------------- duplicate keys


def test_duplicate_keys_in_the_definition_are_refused() -> None:
    args = json.dumps(training(EnableNetworkIsolation=False))
    body = (  # a last-wins reader sees the secure value; a first-wins one the insecure
        '{"Version": "2020-12-01", "Steps": [{"Name": "T", "Type": "Training", '
        f'"Arguments": {args[:-1]}, "EnableNetworkIsolation": true}}}}]}}'
    )
    assert json.loads(body)["Steps"][0]["Arguments"]["EnableNetworkIsolation"] is True
    found = failed(create(body))
    assert set(found) == {"SM250"} and "duplicate keys" in found["SM250"].message
    twice = '{"Version": "2020-12-01", "Steps": [], "Steps": []}'
    assert "duplicate keys" in failed(create(twice))["SM250"].message


def test_duplicate_keys_in_string_arguments_are_refused() -> None:
    args = json.dumps(training())[:-1] + ', "EnableNetworkIsolation": false}'
    found = failed(create(definition(step("Training", args, "T"))))
    assert set(found) == {"SM250"} and "duplicate keys" in found["SM250"].message


def test_wide_definitions_stay_linear_and_deep_string_arguments_stay_bounded() -> None:
    wide = definition(*(step("Fail", {"ErrorMessage": str(i)}, f"F{i}") for i in range(20000)))
    assert failed(create(wide)) == {}
    shallow = step("Fail", "[" * 50 + "]" * 50)
    assert failed(create(definition(shallow))) == {}
    deep = step("Fail", "[" * 70 + "]" * 70)  # 3 levels above it: deeper than MAX_DEPTH
    assert "nests deeper than" in failed(create(definition(deep)))["SM250"].message
    recursion = step("Training", "[" * 100000 + "]" * 100000, "T")
    assert set(failed(create(definition(recursion)))) == {"SM250"}


# --------------------------------------------------------------------------- S3 locations


def test_an_s3_location_without_version_id_asks_for_one_in_pure_evaluate() -> None:
    params = {
        "PipelineName": "p",
        "RoleArn": ROLE,
        "PipelineDefinitionS3Location": {"Bucket": "b", "ObjectKey": "k"},
    }
    message = failed(params)["SM250"].message
    assert "needs a VersionId (enable versioning on the bucket)" in message
    pinned = {
        **params,
        "PipelineDefinitionS3Location": {"Bucket": "b", "ObjectKey": "k", "VersionId": "v1"},
    }
    assert "was not fetched" in failed(pinned)["SM250"].message


@pytest.fixture
def session(fresh_aws: Any) -> Iterator[boto3.Session]:
    yield fresh_aws.session()
    ss.uninstall()


@pytest.mark.e2e
def test_the_guard_pins_the_version_it_judged(session: boto3.Session) -> None:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="pipeline-defs")
    s3.put_bucket_versioning(Bucket="pipeline-defs", VersioningConfiguration={"Status": "Enabled"})
    body = pipeline(training())["PipelineDefinition"]
    version = s3.put_object(Bucket="pipeline-defs", Key="p.json", Body=body.encode())["VersionId"]
    s3.create_bucket(Bucket="plain-defs")
    s3.put_object(Bucket="plain-defs", Key="p.json", Body=body.encode())
    sm = session.client("sagemaker")
    sent = Sent(sm)
    ss.install(POLICY)
    base = {"PipelineName": "p", "RoleArn": ROLE, "Tags": TAGS}
    location = {"Bucket": "pipeline-defs", "ObjectKey": "p.json"}
    sm.create_pipeline(**base, PipelineDefinitionS3Location=location)
    assert sent.ops == ["CreatePipeline"]
    request = json.loads(sent.bodies[0])
    assert request["PipelineDefinitionS3Location"] == {**location, "VersionId": version}
    assert location == {"Bucket": "pipeline-defs", "ObjectKey": "p.json"}  # caller's untouched
    error = refused(
        sm.create_pipeline,
        sent,
        "SM250",
        **base,
        PipelineDefinitionS3Location={"Bucket": "plain-defs", "ObjectKey": "p.json"},
    )
    message = next(f.message for f in error.findings if f.rule_id == "SM250")
    assert "needs a VersionId (enable versioning on the bucket)" in message
