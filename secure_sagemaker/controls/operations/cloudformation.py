"""CloudFormation: unknown operations are logged (SM001), refused only with
``block_at = "low"``.

A stack can create any resource with any settings, beyond the guard's reach: creating,
updating, deleting, importing or rolling back stacks, stack sets, change sets, stack
policies and registry types is unknown.  Allowed: drift detection and resource scans, which
change no stack.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations, names

_DETECTION = names("""
    DetectStackDrift DetectStackResourceDrift DetectStackSetDrift
""")

SERVICE = ServiceOperations(
    service="cloudformation",
    stance="log",
    allowed={
        **dict.fromkeys(_DETECTION, "starts drift detection; changes no stack"),
        "StartResourceScan": "scans the account's resources; changes none",
    },
    unknown=names("""
        ActivateOrganizationsAccess ActivateType CancelUpdateStack ContinueUpdateRollback
        CreateChangeSet CreateGeneratedTemplate CreateStack CreateStackInstances
        CreateStackRefactor CreateStackSet DeactivateOrganizationsAccess DeactivateType
        DeleteChangeSet DeleteGeneratedTemplate DeleteStack DeleteStackInstances DeleteStackSet
        DeregisterType ExecuteChangeSet ExecuteStackRefactor ImportStacksToStackSet PublishType
        RecordHandlerProgress RegisterPublisher RegisterType RemoveAlias RollbackStack SetAlias
        SetStackPolicy SetTypeConfiguration SetTypeDefaultVersion SignalResource
        StopStackSetOperation TestType UpdateGeneratedTemplate UpdateStack UpdateStackInstances
        UpdateStackSet UpdateTerminationProtection
    """),
)
