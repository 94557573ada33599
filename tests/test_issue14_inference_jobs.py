"""Inference components and model-building jobs are judged (issue 14), end to end:
through a real client (HTTPS to the embedded moto server) with the guard installed,
each insecure request is refused before anything is sent (0 HTTP requests on that
client) with its rule ID, and the secure variant - the bare request, completed by the
guard from the policy where it can - is sent.  moto implements few of these
operations: the secure variant is only asserted *sent* and moto's error accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore import xform_name

from tests._examples import KEY, SUBNET, VPC, drop
from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm2_more_jobs import (
    PUBLIC_IMAGE,
    algorithm,
    compilation,
    edge_packaging,
    model_package,
    optimization,
    recommendation,
)
from tests.controls.test_sm3_components import component, component_config, update, variant

pytestmark = pytest.mark.e2e

AWS_KEY = "alias/aws/sagemaker"
OTHER_VPC = {"Subnets": ["subnet-0fffffffffffffff0"], "SecurityGroupIds": VPC["SecurityGroupIds"]}
TOKEN = "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"


def _with(params: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    edit(params)
    return params


def _validation_output_key(params: dict[str, Any], key: str) -> None:
    profile = params["ValidationSpecification"]["ValidationProfiles"][0]
    profile["TransformJobDefinition"]["TransformOutput"]["KmsKeyId"] = key


# (operation, rule, insecure request, secure request); the secure one leaves the
# fields the policy supplies absent, so the guard fills them
CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "CreateEndpointConfig",
        "SM360",
        component_config(EnableNetworkIsolation=False),
        drop(drop(component_config(), "EnableNetworkIsolation"), "VpcConfig"),
    ),
    ("CreateEndpointConfig", "SM361", component_config(VpcConfig=OTHER_VPC), component_config()),
    ("CreateEndpointConfig", "SM362", variant(EnableSSMAccess=True), variant()),
    (
        "CreateEndpointConfig",
        "SM363",
        variant(
            CoreDumpConfig={
                "DestinationS3Uri": "s3://ml-artifacts-bucket/core",
                "KmsKeyId": AWS_KEY,
            }
        ),
        variant(CoreDumpConfig={"DestinationS3Uri": "s3://ml-artifacts-bucket/core"}),
    ),
    ("CreateInferenceComponent", "SM364", component(PUBLIC_IMAGE), component()),
    ("UpdateInferenceComponent", "SM365", update(HF_TOKEN=TOKEN), update()),
    (
        "CreateCompilationJob",
        "SM280",
        compilation(VpcConfig=OTHER_VPC),
        drop(compilation(), "VpcConfig"),
    ),
    (
        "CreateOptimizationJob",
        "SM286",
        optimization(OptimizationEnvironment={"HF_TOKEN": TOKEN}),
        drop(drop(optimization(), "VpcConfig"), "OutputConfig", "KmsKeyId"),
    ),
    (
        "CreateEdgePackagingJob",
        "SM282",
        edge_packaging(ResourceKey=AWS_KEY),
        drop(drop(edge_packaging(), "ResourceKey"), "OutputConfig", "KmsKeyId"),
    ),
    (
        "CreateInferenceRecommendationsJob",
        "SM281",
        recommendation(OutputConfig={"KmsKeyId": AWS_KEY}),
        drop(drop(recommendation(), "InputConfig", "VpcConfig"), "InputConfig", "VolumeKmsKeyId"),
    ),
    (
        "CreateModelPackage",
        "SM284",
        _with(model_package(), lambda p: _validation_output_key(p, AWS_KEY)),
        model_package(),
    ),
    ("CreateAlgorithm", "SM283", algorithm(PUBLIC_IMAGE), algorithm()),
]


@pytest.mark.parametrize(
    ("operation", "rule_id", "insecure", "secure"), CASES, ids=lambda v: str(v)[:40]
)
def test_insecure_refused_unsent_and_secure_sent(
    sagemaker: tuple[Any, Sent],
    operation: str,
    rule_id: str,
    insecure: dict[str, Any],
    secure: dict[str, Any],
) -> None:
    client, sent = sagemaker
    call = getattr(client, xform_name(operation))
    error = refused(call, sent, rule_id, **insecure)
    assert TOKEN not in str(error) and AWS_KEY not in str(error)
    assert sent.ops == []
    sent_anyway(call, sent, operation, **secure)



def test_the_guard_completes_a_component_endpoint_config_from_the_policy(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    bare = drop(drop(component_config(), "EnableNetworkIsolation"), "VpcConfig")
    sent_anyway(client.create_endpoint_config, sent, "CreateEndpointConfig", **bare)
    body = sent.last_json()
    assert body["EnableNetworkIsolation"] is True
    assert body["VpcConfig"] == {"Subnets": [SUBNET], "SecurityGroupIds": VPC["SecurityGroupIds"]}


def test_the_guard_completes_a_model_build_job_from_the_policy(sagemaker: tuple[Any, Sent]) -> None:
    client, sent = sagemaker
    bare = drop(drop(compilation(), "VpcConfig"), "OutputConfig", "KmsKeyId")
    sent_anyway(client.create_compilation_job, sent, "CreateCompilationJob", **bare)
    body = sent.last_json()
    assert body["VpcConfig"]["Subnets"] == [SUBNET] and body["OutputConfig"]["KmsKeyId"] == KEY
    bare = drop(drop(edge_packaging(), "ResourceKey"), "OutputConfig", "KmsKeyId")
    sent_anyway(client.create_edge_packaging_job, sent, "CreateEdgePackagingJob", **bare)
    body = sent.last_json()
    assert body["ResourceKey"] == KEY and body["OutputConfig"]["KmsKeyId"] == KEY
