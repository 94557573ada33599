"""Issue 14: no SageMaker operation that creates compute, stores data or grants
access is ``unknown``.

An operation whose name starts with one of :data:`MUTATING_PREFIXES` must be judged
by a rule or allowed with a reason.  A botocore upgrade that adds such an operation
fails this test until someone classifies it."""

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


def _classes() -> dict[str, str]:
    return {
        op: REGISTRY.classify("sagemaker", op)
        for op in botocore_operations("sagemaker")
        if op.startswith(MUTATING_PREFIXES)
    }


def test_every_mutating_operation_is_judged_or_allowed() -> None:
    classes = _classes()
    assert len(classes) > 120  # the prefixes still select SageMaker's mutating operations
    unknown = sorted(op for op, cls in classes.items() if cls == "unknown")
    assert unknown == []


def test_the_last_operations_of_issue_14_are_judged_by_rules() -> None:
    for op in (
        "AddInferenceGateway",
        "CreateGlobalInferenceGateway",
        "UpdateGlobalInferenceGateway",
        "AttachClusterNodeNetworkInterface",
        "CreateClusterExtension",
        "UpdateClusterExtension",
        "CreateHubContentPresignedUrls",
        "RegisterDevices",
        "UpdateDevices",
        "UpdatePartnerApp",
        "CreateProject",
        "UpdateProject",
        "EnableSagemakerServicecatalogPortfolio",
        "UpdateMonitoringAlert",
    ):
        assert REGISTRY.classify("sagemaker", op) == "judged", op


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
