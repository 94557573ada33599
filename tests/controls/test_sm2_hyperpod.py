"""SM27x examples: SageMaker HyperPod clusters.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm2_hyperpod.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests._examples import BUCKET, KEY, ROLE, SG, SUBNET, VPC, drop
from tests.controls._check import check_example

OTHER_SUBNET = "subnet-0fffffffffffffff0"


def group(**kw: Any) -> dict[str, Any]:
    return {
        "InstanceGroupName": "workers", "InstanceType": "ml.g5.8xlarge", "InstanceCount": 2,
        "ExecutionRole": ROLE,
        "LifeCycleConfig": {"SourceS3Uri": f"s3://{BUCKET}/lifecycle/", "OnCreate": "on_create.sh"},
        "InstanceStorageConfigs": [{"EbsVolumeConfig": {"VolumeSizeInGB": 500, "VolumeKmsKeyId": KEY}}],
        **kw,
    }


def cluster(*groups: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"ClusterName": "hp-1", "InstanceGroups": list(groups) or [group()],
            "VpcConfig": dict(VPC), **kw}


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM270": ("CreateCluster", cluster(), drop(cluster(), "VpcConfig")),
    "SM271": ("CreateCluster", cluster(), cluster(group(InstanceStorageConfigs=[
        {"EbsVolumeConfig": {"VolumeSizeInGB": 500, "VolumeKmsKeyId": "alias/aws/ebs"}}]))),
    "SM272": ("UpdateCluster", {"ClusterName": "hp-1", "InstanceGroups": [group()]},
              {"ClusterName": "hp-1", "InstanceGroups": [group(LifeCycleConfig={
                  "SourceS3Uri": "s3://someone-elses-bucket/lifecycle/", "OnCreate": "on_create.sh"})]}),
    "SM273": ("CreateCluster", cluster(), cluster(group(InstanceType="ml.p5.48xlarge"))),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def test_an_instance_group_s_vpc_override_stays_in_the_policy_s_network() -> None:
    from secure_sagemaker import evaluate
    from tests._examples import POLICY

    outside = {"Subnets": [OTHER_SUBNET], "SecurityGroupIds": [SG]}
    inside = {"Subnets": [SUBNET], "SecurityGroupIds": [SG]}
    for params, failed in ((cluster(group(OverrideVpcConfig=outside)), True),
                           (cluster(group(OverrideVpcConfig=inside)), False)):
        found = [f for f in evaluate("CreateCluster", params, POLICY) if f.rule_id == "SM270"]
        assert any(f.failed for f in found) is failed, found
