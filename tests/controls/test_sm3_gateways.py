"""SM39x examples: model packages of other accounts, global inference gateways,
presigned hub downloads, Edge Manager devices, monitoring alerts.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm3_gateways.py``); tests/test_catalog.py checks
every catalog rule has one."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import secure_sagemaker as ss
from tests._examples import POLICY, ROLE, model
from tests.controls._check import check_example

OWN = "123456789012"
FOREIGN = "999988887777"
TRUSTING = attrs.evolve(POLICY, trusted_accounts=[OWN])
ALLOWING = attrs.evolve(TRUSTING, allow_global_inference_gateways=True)


def package(account: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{account}:model-package/churn/3"


def cluster(account: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:{account}:cluster/abcdef123456"


def from_package(name: str) -> dict[str, Any]:
    return model(PrimaryContainer={"ModelPackageName": name})


def gateway(account: str = OWN, **kw: Any) -> dict[str, Any]:
    return {
        "Name": "global-gw",
        "ExecutionRoleArn": ROLE,
        "Gateways": [{"Name": "gw", "Namespace": "inference", "ClusterArn": cluster(account)}],
        **kw,
    }


def hub_urls(hub: str) -> dict[str, Any]:
    return {"HubName": hub, "HubContentType": "Model", "HubContentName": "llama"}


def devices(**kw: Any) -> dict[str, Any]:
    return {
        "DeviceFleetName": "fleet-1",
        "Devices": [{"DeviceName": "d1", "IotThingName": "t1"}],
        **kw,
    }


def alert(datapoints: int, period: int) -> dict[str, Any]:
    return {
        "MonitoringScheduleName": "sched-1",
        "MonitoringAlertName": "drift",
        "DatapointsToAlert": datapoints,
        "EvaluationPeriod": period,
    }


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM390": ("CreateModel", from_package("churn-package"), from_package(package(FOREIGN))),
    # the shared POLICY allows no global gateway: the secure request is judged below
    "SM391": ("CreateGlobalInferenceGateway", None, gateway()),
    "SM392": (
        "AddInferenceGateway",
        None,
        {
            "Identifier": "global-gw",
            "ClusterArn": cluster(FOREIGN),
            "Namespace": "inference",
            "Name": "gw",
        },
    ),
    "SM393": (
        "CreateHubContentPresignedUrls",
        hub_urls("SageMakerPublicHub"),
        hub_urls("private-models"),
    ),
    "SM394": ("RegisterDevices", None, devices()),
    "SM395": ("UpdateMonitoringAlert", alert(3, 5), alert(6, 5)),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _status(
    rule_id: str, op: str, params: dict[str, Any], policy: ss.SecurityPolicy = POLICY
) -> list[str]:
    return [f.status for f in ss.evaluate(op, params, policy) if f.rule_id == rule_id]


def test_model_packages_of_trusted_accounts_pass_and_others_fail() -> None:
    own = from_package(package(OWN))
    assert _status("SM390", "CreateModel", own, TRUSTING) == ["pass"]
    assert _status("SM390", "CreateModel", own) == ["fail"]  # no trusted accounts: unverifiable
    containers = model(
        Containers=[{"ModelPackageName": "a"}, {"ModelPackageName": package(FOREIGN)}]
    )
    del containers["PrimaryContainer"]
    found = [f for f in ss.evaluate("CreateModel", containers, TRUSTING) if f.rule_id == "SM390"]
    assert [f.status for f in found] == ["fail"] and found[
        0
    ].field == "Containers[1].ModelPackageName"


def test_global_gateways_need_the_policy_switch_and_trusted_clusters_and_role() -> None:
    assert _status("SM391", "CreateGlobalInferenceGateway", gateway(), ALLOWING) == ["pass"]
    assert _status("SM392", "CreateGlobalInferenceGateway", gateway(), ALLOWING) == ["pass"]
    assert _status("SM392", "CreateGlobalInferenceGateway", gateway(FOREIGN), ALLOWING) == ["fail"]
    foreign_role = gateway(ExecutionRoleArn=f"arn:aws:iam::{FOREIGN}:role/r")
    assert _status("SM392", "CreateGlobalInferenceGateway", foreign_role, ALLOWING) == ["fail"]
    routing = {"Identifier": "global-gw", "Routing": {"Weights": {"QueueDepth": 1.0}}}
    assert _status("SM391", "UpdateGlobalInferenceGateway", routing) == ["fail"]
    assert _status("SM391", "UpdateGlobalInferenceGateway", routing, ALLOWING) == ["pass"]


def test_the_public_hub_by_arn_passes_and_lookalikes_fail() -> None:
    op = "CreateHubContentPresignedUrls"
    assert _status(
        "SM393", op, hub_urls("arn:aws:sagemaker:us-east-1:aws:hub/SageMakerPublicHub")
    ) == ["pass"]
    for hub in (
        f"arn:aws:sagemaker:us-east-1:{OWN}:hub/SageMakerPublicHub",
        "arn:aws:sagemaker:us-east-1:aws:hub/SageMakerPublicHubX",
        "sagemakerpublichub",
    ):
        assert _status("SM393", op, hub_urls(hub)) == ["fail"], hub


def test_edge_devices_pass_only_where_the_policy_allows_them() -> None:
    allowing = attrs.evolve(POLICY, allow_edge_devices=True)
    assert _status("SM394", "UpdateDevices", devices(), allowing) == ["pass"]
    assert _status("SM394", "UpdateDevices", devices()) == ["fail"]


def test_alert_thresholds() -> None:
    assert _status("SM395", "UpdateMonitoringAlert", alert(5, 5)) == ["pass"]
    assert _status("SM395", "UpdateMonitoringAlert", alert(0, 5)) == ["fail"]
    assert _status("SM395", "UpdateMonitoringAlert", {**alert(1, 5), "EvaluationPeriod": "5"}) == [
        "fail"
    ]
