"""SageMaker IAM condition keys: which Create*/Update* action carries which key.

Data only.  A condition key is in the request context of an action only when the
Service Authorization Reference lists it for that action; a Deny that tests an absent
key with ``Null: true`` or a negated operator (``StringNotEquals``, ``ArnNotEquals``)
is *true*, so it denies every call of an action that never carries the key.  The
guardrail generator therefore only names the actions listed here for each key.

Source: ``udondan/iam-floyd`` ``lib/generated/policy-statements/sagemaker.ts`` at
commit 0323fa9d (generated from the AWS Service Authorization Reference,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html),
the "Applies to actions" list of each ``if<Key>()`` method; cross-checked with
``/work/shared/reference/controls.md`` section 5 (iam-floyd @bccdf23f).  That newer
reference marks the KMS keys ``VolumeKmsKey``, ``OutputKmsKey``,
``FeatureGroupOfflineStoreKmsKey``, ``FeatureGroupOnlineStoreKmsKey`` and
``DomainSharingOutputKmsKey`` as deprecated, replaced by their ``...Arn`` variants
(which need the key ARN, not an alias or key ID, in the request); the deprecated keys
keep their older action lists here, with ``replaced_by`` set, and are never emitted.
Only Create*/Update* actions are recorded (the keys' other actions are irrelevant to
guardrails).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

__all__ = ["CONDITION_KEYS", "SOURCE", "ConditionKey", "current"]

SOURCE = (
    "udondan/iam-floyd lib/generated/policy-statements/sagemaker.ts @0323fa9d, generated "
    "from https://docs.aws.amazon.com/service-authorization/latest/reference/"
    "list_amazonsagemaker.html; cross-checked with controls.md section 5 (iam-floyd @bccdf23f)"
)

KeyType = Literal["String", "ArrayOfString", "Bool", "ARN", "ArrayOfARN", "Numeric"]


def _ops(text: str) -> frozenset[str]:
    return frozenset(text.split())


@attrs.frozen
class ConditionKey:
    """One condition key: its IAM type, the API actions (operation names, without the
    ``sagemaker:`` prefix) whose request context carries it, and the request fields
    it reflects.  ``replaced_by`` names the current key when this one is deprecated."""

    name: str
    type: KeyType
    actions: frozenset[str]
    request_fields: str
    replaced_by: str = ""


_MONITORING = (
    "CreateDataQualityJobDefinition CreateModelBiasJobDefinition "
    "CreateModelExplainabilityJobDefinition CreateModelQualityJobDefinition "
    "CreateMonitoringSchedule UpdateMonitoringSchedule"
)
_VPC = (
    "CreateAutoMLJob CreateAutoMLJobV2 CreateCluster CreateDomain CreateEndpointConfig "
    "CreateHyperParameterTuningJob CreateJob CreateModel CreateNotebookInstance "
    "CreateProcessingJob CreateTrainingJob UpdateCluster UpdateDomain " + _MONITORING
)
_OLD_VOLUME = (
    "CreateAutoMLJob CreateAutoMLJobV2 CreateDomain CreateEndpointConfig "
    "CreateHyperParameterTuningJob CreateLabelingJob CreateNotebookInstance "
    "CreateProcessingJob CreateTrainingJob CreateTransformJob " + _MONITORING
)
_OLD_OUTPUT = (
    "CreateAutoMLJob CreateAutoMLJobV2 CreateHyperParameterTuningJob CreateLabelingJob "
    "CreateProcessingJob CreateTrainingJob CreateTransformJob " + _MONITORING
)
_STUDIO = (
    "CreateApp CreateDomain CreateSpace CreateUserProfile UpdateDomain UpdateSpace "
    "UpdateUserProfile"
)

_KEYS: tuple[ConditionKey, ...] = (
    ConditionKey(
        "sagemaker:VpcSubnets",
        "ArrayOfString",
        _ops(_VPC),
        "VpcConfig.Subnets, NetworkConfig.VpcConfig.Subnets, SubnetId, SubnetIds",
    ),
    ConditionKey(
        "sagemaker:VpcSecurityGroupIds",
        "ArrayOfString",
        _ops(_VPC + " CreateUserProfile UpdateUserProfile"),
        "VpcConfig.SecurityGroupIds, SecurityGroupIds, *Settings.SecurityGroups",
    ),
    ConditionKey(
        "sagemaker:VolumeKmsKeyArn",
        "ARN",
        _ops(_OLD_VOLUME),
        "ResourceConfig.VolumeKmsKeyId, ClusterConfig.VolumeKmsKeyId, "
        "TransformResources.VolumeKmsKeyId, notebook/endpoint-config/domain KmsKeyId",
    ),
    ConditionKey(
        "sagemaker:OutputKmsKeyArn",
        "ARN",
        _ops(_OLD_OUTPUT + " CreateJob"),
        "OutputDataConfig.KmsKeyId, ProcessingOutputConfig.KmsKeyId, "
        "TransformOutput.KmsKeyId, *JobOutputConfig.KmsKeyId",
    ),
    ConditionKey(
        "sagemaker:InterContainerTrafficEncryption",
        "Bool",
        _ops(
            "CreateAutoMLJob CreateAutoMLJobV2 CreateHyperParameterTuningJob "
            "CreateProcessingJob CreateTrainingJob " + _MONITORING
        ),
        "EnableInterContainerTrafficEncryption",
    ),
    ConditionKey(
        "sagemaker:NetworkIsolation",
        "Bool",
        _ops(
            "CreateEndpointConfig CreateHyperParameterTuningJob CreateModel "
            "CreateProcessingJob CreateTrainingJob " + _MONITORING
        ),
        "EnableNetworkIsolation",
    ),
    ConditionKey(
        "sagemaker:DirectInternetAccess",
        "String",
        _ops("CreateNotebookInstance"),
        "DirectInternetAccess",
    ),
    ConditionKey(
        "sagemaker:RootAccess",
        "String",
        _ops("CreateNotebookInstance UpdateNotebookInstance"),
        "RootAccess",
    ),
    ConditionKey(
        "sagemaker:MinimumInstanceMetadataServiceVersion",
        "String",
        _ops("CreateNotebookInstance UpdateNotebookInstance"),
        "InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion",
    ),
    ConditionKey(
        "sagemaker:InstanceTypes",
        "ArrayOfString",
        _ops(
            "CreateApp CreateCluster CreateDomain CreateEndpointConfig "
            "CreateHyperParameterTuningJob CreateNotebookInstance CreateProcessingJob "
            "CreateSpace CreateTrainingJob CreateTransformJob CreateUserProfile "
            "UpdateCluster UpdateDomain UpdateNotebookInstance UpdateSpace "
            "UpdateTrainingJob UpdateUserProfile "
            "CreateDataQualityJobDefinition CreateModelBiasJobDefinition "
            "CreateModelExplainabilityJobDefinition CreateModelQualityJobDefinition "
            "CreateMonitoringSchedule UpdateMonitoringSchedule"
        ),
        "InstanceType, ResourceConfig.InstanceType, ProductionVariants[].InstanceType",
    ),
    ConditionKey(
        "sagemaker:AcceleratorTypes",
        "ArrayOfString",
        _ops("CreateEndpointConfig CreateNotebookInstance UpdateNotebookInstance"),
        "AcceleratorTypes, ProductionVariants[].AcceleratorType",
    ),
    ConditionKey(
        "sagemaker:AppNetworkAccessType",
        "String",
        _ops("CreateDomain UpdateDomain"),
        "AppNetworkAccessType",
    ),
    ConditionKey("sagemaker:ImageArns", "ArrayOfARN", _ops(_STUDIO), "SageMakerImageArn"),
    ConditionKey(
        "sagemaker:ImageVersionArns", "ArrayOfARN", _ops(_STUDIO), "SageMakerImageVersionArn"
    ),
    ConditionKey(
        "sagemaker:StudioLifecycleConfigArns", "ArrayOfARN", _ops(_STUDIO), "LifecycleConfigArn"
    ),
    ConditionKey(
        "sagemaker:NotebookInstanceLifecycleConfigArns",
        "ArrayOfARN",
        _ops("CreateNotebookInstance UpdateNotebookInstance"),
        "LifecycleConfigName",
    ),
    ConditionKey(
        "sagemaker:FeatureGroupOfflineStoreKmsKeyArn",
        "ARN",
        _ops("CreateFeatureGroup"),
        "OfflineStoreConfig.S3StorageConfig.KmsKeyId",
    ),
    ConditionKey(
        "sagemaker:FeatureGroupOnlineStoreKmsKeyArn",
        "ARN",
        _ops("CreateFeatureGroup"),
        "OnlineStoreConfig.SecurityConfig.KmsKeyId",
    ),
    ConditionKey(
        "sagemaker:DomainSharingOutputKmsKeyArn",
        "ARN",
        _ops("CreateDomain CreateUserProfile UpdateDomain UpdateUserProfile"),
        "SharingSettings.S3KmsKeyId",
    ),
    ConditionKey(
        "sagemaker:EnableRemoteDebug",
        "Bool",
        _ops("CreateTrainingJob UpdateTrainingJob"),
        "RemoteDebugConfig.EnableRemoteDebug",
    ),
    ConditionKey(
        "sagemaker:MaxRuntimeInSeconds",
        "Numeric",
        _ops(
            "CreateHyperParameterTuningJob CreateProcessingJob CreateTrainingJob "
            "CreateDataQualityJobDefinition CreateModelBiasJobDefinition "
            "CreateModelExplainabilityJobDefinition CreateModelQualityJobDefinition "
            "CreateMonitoringSchedule UpdateMonitoringSchedule"
        ),
        "StoppingCondition.MaxRuntimeInSeconds",
    ),
    ConditionKey(
        "sagemaker:ModelArn",
        "ARN",
        _ops("CreateEndpointConfig CreateInferenceComponent CreateTransformJob"),
        "ModelName (as an ARN)",
    ),
    # deprecated; kept for lint and for reading older policies, never emitted
    ConditionKey(
        "sagemaker:VolumeKmsKey",
        "ARN",
        _ops(_OLD_VOLUME),
        "see sagemaker:VolumeKmsKeyArn",
        "sagemaker:VolumeKmsKeyArn",
    ),
    ConditionKey(
        "sagemaker:OutputKmsKey",
        "ARN",
        _ops(_OLD_OUTPUT),
        "see sagemaker:OutputKmsKeyArn",
        "sagemaker:OutputKmsKeyArn",
    ),
    ConditionKey(
        "sagemaker:FeatureGroupOfflineStoreKmsKey",
        "ARN",
        _ops("CreateFeatureGroup"),
        "see sagemaker:FeatureGroupOfflineStoreKmsKeyArn",
        "sagemaker:FeatureGroupOfflineStoreKmsKeyArn",
    ),
    ConditionKey(
        "sagemaker:FeatureGroupOnlineStoreKmsKey",
        "ARN",
        _ops("CreateFeatureGroup"),
        "see sagemaker:FeatureGroupOnlineStoreKmsKeyArn",
        "sagemaker:FeatureGroupOnlineStoreKmsKeyArn",
    ),
    ConditionKey(
        "sagemaker:DomainSharingOutputKmsKey",
        "ARN",
        _ops("CreateDomain CreateUserProfile UpdateDomain UpdateUserProfile"),
        "see sagemaker:DomainSharingOutputKmsKeyArn",
        "sagemaker:DomainSharingOutputKmsKeyArn",
    ),
)

#: condition key name -> :class:`ConditionKey`
CONDITION_KEYS: Mapping[str, ConditionKey] = {k.name: k for k in _KEYS}


def current(name: str) -> ConditionKey | None:
    """The table entry for ``name``, following ``replaced_by`` for a deprecated key;
    ``None`` for a key the table does not know."""
    key = CONDITION_KEYS.get(name)
    while key is not None and key.replaced_by:
        key = CONDITION_KEYS.get(key.replaced_by)
    return key
