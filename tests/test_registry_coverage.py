"""Issue 14: no SageMaker operation that creates compute, stores data or grants
access is ``unknown``.

An operation whose name starts with one of :data:`MUTATING_PREFIXES` must be judged
by a rule or allowed with a reason, unless it is one of :data:`DELIBERATELY_UNKNOWN`
below: those stay refused (SM000) until a rule judges them, each for the reason
given.  A botocore upgrade that adds such an operation fails this test until
someone classifies it."""

from __future__ import annotations

from secure_sagemaker._operations import botocore_operations
from secure_sagemaker.controls import REGISTRY

MUTATING_PREFIXES = (
    "Create",
    "Update",
    "Start",
    "Put",
    "Import",
    "Attach",
    "Register",
    "Add",
    "Batch",
    "Move",
    "Enable",
)

DELIBERATELY_UNKNOWN = {
    # exposure of inference through gateways: no rule judges who may call them yet
    "AddInferenceGateway": "opens an inference gateway on a cluster namespace",
    "CreateGlobalInferenceGateway": "routes traffic across regions under an execution role",
    "UpdateGlobalInferenceGateway": "changes the routing of a global gateway",
    # network: an ENI may sit in any subnet with any security group
    "AttachClusterNodeNetworkInterface": "attaches an ENI the policy's VPC rules never saw",
    # software with free-form configuration installed on a cluster
    "CreateClusterExtension": "installs an add-on with free-form configuration",
    "UpdateClusterExtension": "reconfigures an add-on with free-form configuration",
    # access to data
    "CreateHubContentPresignedUrls": "hands out presigned URLs to a hub's model artifacts",
    "RegisterDevices": "adds devices (IoT things) that receive the fleet's models",
    "UpdateDevices": "re-points devices at other IoT things",
    "UpdatePartnerApp": "changes a partner app's authentication and identity settings",
    # Service Catalog provisions CloudFormation no rule sees
    "CreateProject": "provisions a Service Catalog product under its launch role",
    "UpdateProject": "re-provisions a Service Catalog product under its launch role",
    "EnableSagemakerServicecatalogPortfolio": "lets Studio users provision project templates",
    # monitoring: can make alerts fire late or never
    "UpdateMonitoringAlert": "changes when a model monitoring alert fires",
}


def _classes() -> dict[str, str]:
    return {
        op: REGISTRY.classify("sagemaker", op)
        for op in botocore_operations("sagemaker")
        if op.startswith(MUTATING_PREFIXES)
    }


def test_every_mutating_operation_is_judged_or_allowed_or_a_deliberate_exception() -> None:
    unknown = {op for op, cls in _classes().items() if cls == "unknown"}
    assert sorted(unknown - set(DELIBERATELY_UNKNOWN)) == []


def test_the_deliberate_exceptions_are_real_and_still_unknown() -> None:
    classes = _classes()
    stale = {op for op in DELIBERATELY_UNKNOWN if classes.get(op) != "unknown"}
    assert sorted(stale) == [], "judged, allowed or removed: drop them from the exceptions"
    assert all(reason for reason in DELIBERATELY_UNKNOWN.values())


def test_protections_removed_by_delete_and_stop_stay_unknown() -> None:
    for op in (
        "DeleteMonitoringSchedule",
        "StopMonitoringSchedule",
        "DeleteModelPackage",
        "DeleteModelCard",
        "DeleteModelPackageGroupPolicy",
        "DeleteEndpointPolicy",
    ):
        assert REGISTRY.classify("sagemaker", op) == "unknown", op
