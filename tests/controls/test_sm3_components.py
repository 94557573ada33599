"""SM36x examples: inference component endpoints, variants' SSM access and core dumps,
the components' containers.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm3_components.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, IMAGE, KEY, POLICY, ROLE, SUBNET, VPC, drop, endpoint_config
from tests.controls._check import check_example

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-token"
_VARIANT = {"VariantName": "v1", "InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 2}


def component_config(**kw: Any) -> dict[str, Any]:
    """An endpoint config for inference components: a role, no ModelName."""
    fields: dict[str, Any] = {
        "ExecutionRoleArn": ROLE,
        "EnableNetworkIsolation": True,
        "VpcConfig": dict(VPC),
        **kw,
    }
    return endpoint_config(ProductionVariants=[dict(_VARIANT)], **fields)


def variant(**kw: Any) -> dict[str, Any]:
    return endpoint_config(ProductionVariants=[{**_VARIANT, "ModelName": "model-1", **kw}])


def update(**environment: str) -> dict[str, Any]:
    params = component(**environment)
    return {k: params[k] for k in ("InferenceComponentName", "Specification", "RuntimeConfig")}


def component(image: str = IMAGE, **environment: str) -> dict[str, Any]:
    return {
        "InferenceComponentName": "ic-1",
        "EndpointName": "ep-1",
        "VariantName": "v1",
        "Specification": {
            "Container": {
                "Image": image,
                "ArtifactUrl": f"s3://{BUCKET}/m/model.tar.gz",
                "Environment": {"HF_MODEL_ID": "/opt/ml/model", **environment},
            },
            "ComputeResourceRequirements": {
                "MinMemoryRequiredInMb": 1024,
                "NumberOfAcceleratorDevicesRequired": 1,
            },
        },
        "RuntimeConfig": {"CopyCount": 1},
    }


CORE_DUMP = {"DestinationS3Uri": f"s3://{BUCKET}/core-dumps"}

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM360": (
        "CreateEndpointConfig",
        component_config(),
        drop(component_config(), "EnableNetworkIsolation"),
    ),
    "SM361": (
        "CreateEndpointConfig",
        component_config(),
        component_config(
            VpcConfig={
                "Subnets": ["subnet-0fffffffffffffff0"],
                "SecurityGroupIds": VPC["SecurityGroupIds"],
            }
        ),
    ),
    "SM362": (
        "CreateEndpointConfig",
        variant(EnableSSMAccess=False),
        variant(EnableSSMAccess=True),
    ),
    "SM363": (
        "CreateEndpointConfig",
        variant(CoreDumpConfig={**CORE_DUMP, "KmsKeyId": KEY}),
        variant(CoreDumpConfig=dict(CORE_DUMP)),
    ),
    "SM364": (
        "CreateInferenceComponent",
        component(),
        component(
            "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2"
        ),
    ),
    "SM365": (
        "UpdateInferenceComponent",
        update(HF_TOKEN_SECRET_ARN=SECRET_ARN),
        update(HF_TOKEN="hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(
    rule_id: str, operation: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY
) -> list[str]:
    return [f.status for f in ss.evaluate(operation, params, policy) if f.rule_id == rule_id]


def test_config_level_network_is_judged_and_filled_only_with_an_execution_role() -> None:
    plain = variant()  # models from CreateModel: their own isolation and VPC govern
    assert _status("SM360", "CreateEndpointConfig", plain) == []
    assert _status("SM361", "CreateEndpointConfig", plain) == []
    filled, done = ss.secure_request("CreateEndpointConfig", plain, POLICY)
    assert "EnableNetworkIsolation" not in filled and "VpcConfig" not in filled
    bare = drop(drop(component_config(), "EnableNetworkIsolation"), "VpcConfig")
    filled, done = ss.secure_request("CreateEndpointConfig", bare, POLICY)
    assert filled["EnableNetworkIsolation"] is True and filled["VpcConfig"] == VPC
    assert {("SM360", "EnableNetworkIsolation"), ("SM361", "VpcConfig")} <= set(done)
    assert _status("SM360", "CreateEndpointConfig", filled) == ["pass"]
    assert _status("SM361", "CreateEndpointConfig", filled) == ["pass"]


def test_ssm_access_on_shadow_variants_and_the_policy_switch() -> None:
    shadow = variant()
    shadow["ShadowProductionVariants"] = [
        {**_VARIANT, "VariantName": "s1", "ModelName": "model-2", "EnableSSMAccess": True}
    ]
    assert _status("SM362", "CreateEndpointConfig", shadow) == ["fail"]
    allowing = ss.SecurityPolicy(**{**_policy_kwargs(), "allow_ssm_access": True})
    assert _status("SM362", "CreateEndpointConfig", shadow, allowing) == ["pass"]
    assert _status("SM362", "CreateEndpointConfig", variant(EnableSSMAccess="yes")) == ["fail"]


def _policy_kwargs() -> dict[str, Any]:
    return {"subnets": [SUBNET], "security_group_ids": VPC["SecurityGroupIds"], "kms_key_id": KEY}


def test_core_dump_key_filled_from_the_policy_only_when_core_dumps_are_configured() -> None:
    filled, _ = ss.secure_request(
        "CreateEndpointConfig", variant(CoreDumpConfig=dict(CORE_DUMP)), POLICY
    )
    assert filled["ProductionVariants"][0]["CoreDumpConfig"]["KmsKeyId"] == KEY
    filled, _ = ss.secure_request("CreateEndpointConfig", variant(), POLICY)
    assert "CoreDumpConfig" not in filled["ProductionVariants"][0]
    assert _status("SM363", "CreateEndpointConfig", variant()) == []


def test_component_specifications_list_is_judged_too() -> None:
    params = component()
    spec = params.pop("Specification")
    params["Specifications"] = [spec, copy.deepcopy(spec)]
    params["Specifications"][1]["Container"]["Image"] = "docker.io/library/python:3"
    (finding,) = [
        f for f in ss.evaluate("CreateInferenceComponent", params, POLICY) if f.rule_id == "SM364"
    ]
    assert finding.status == "fail" and "Specifications[1].Container.Image" in finding.field
    assert "docker.io" not in finding.message
    update = {"InferenceComponentName": "ic-1", "RuntimeConfig": {"CopyCount": 2}}
    assert _status("SM364", "UpdateInferenceComponent", update) == []
    assert _status("SM365", "UpdateInferenceComponent", update) == []
