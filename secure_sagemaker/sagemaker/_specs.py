"""Which constructor arguments of each SDK class feed which request fields, and how
the policy fills them.  SDK objects (``NetworkConfig``, ``Networking``) are imported
inside the functions: they run only after the SDK was imported.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterable
from typing import Any

from secure_sagemaker.policy import SecurityPolicy
from secure_sagemaker.sagemaker._base import Entry, Kwargs, Spec, fill, strings, table

__all__ = ["MODEL", "MODEL_BUILDER", "MODEL_TRAINER", "PROCESSOR", "TRAINING", "TRANSFORMER"]


def _get(obj: object, name: str) -> Any:
    """``obj.name``, with sagemaker-core's ``Unassigned()`` placeholder read as ``None``."""
    value = getattr(obj, name, None)
    return None if type(value).__name__ == "Unassigned" else value


def _vpc(policy: SecurityPolicy) -> dict[str, list[str]]:
    return policy.vpc_config or {}


# --------------------------------------------------------------------------- SDK 2.x


def _fill_training(kw: Kwargs, policy: SecurityPolicy) -> None:
    fill(kw, "subnets", _vpc(policy).get("Subnets"))
    fill(kw, "security_group_ids", _vpc(policy).get("SecurityGroupIds"))
    fill(kw, "volume_kms_key", policy.kms_key("volume"))
    fill(kw, "output_kms_key", policy.kms_key("output"))
    fill(kw, "enable_network_isolation", True)
    fill(kw, "encrypt_inter_container_traffic", True)


def _training_entries(kw: Kwargs) -> Iterable[Entry]:
    yield from table(
        kw,
        {
            "subnets": "VpcConfig.Subnets",
            "security_group_ids": "VpcConfig.SecurityGroupIds",
            "volume_kms_key": "ResourceConfig.VolumeKmsKeyId",
            "output_kms_key": "OutputDataConfig.KmsKeyId",
            "enable_network_isolation": "EnableNetworkIsolation",
            "encrypt_inter_container_traffic": "EnableInterContainerTrafficEncryption",
            "environment": "Environment",
        },
    )
    if isinstance(kw.get("hyperparameters"), dict):
        yield "hyperparameters", "HyperParameters", strings(kw["hyperparameters"])


TRAINING = Spec("CreateTrainingJob", _fill_training, _training_entries)


def _fill_model(kw: Kwargs, policy: SecurityPolicy) -> None:
    fill(kw, "vpc_config", policy.vpc_config)
    fill(kw, "enable_network_isolation", True)
    fill(kw, "model_kms_key", policy.kms_key("output"))  # the repacked model's upload


def _model_entries(kw: Kwargs) -> Iterable[Entry]:
    yield from table(
        kw,
        {
            "vpc_config": "VpcConfig",
            "enable_network_isolation": "EnableNetworkIsolation",
            "env": "PrimaryContainer.Environment",
        },
    )


MODEL = Spec("CreateModel", _fill_model, _model_entries)


def _fill_transformer(kw: Kwargs, policy: SecurityPolicy) -> None:
    fill(kw, "output_kms_key", policy.kms_key("output"))
    fill(kw, "volume_kms_key", policy.kms_key("volume"))


def _transformer_entries(kw: Kwargs) -> Iterable[Entry]:
    yield from table(
        kw,
        {
            "output_kms_key": "TransformOutput.KmsKeyId",
            "volume_kms_key": "TransformResources.VolumeKmsKeyId",
            "env": "Environment",
        },
    )


TRANSFORMER = Spec("CreateTransformJob", _fill_transformer, _transformer_entries)

_NETWORK_FIELDS = {  # NetworkConfig attribute -> (its request field, the policy's value)
    "enable_network_isolation": "EnableNetworkIsolation",
    "encrypt_inter_container_traffic": "EnableInterContainerTrafficEncryption",
    "subnets": "VpcConfig.Subnets",
    "security_group_ids": "VpcConfig.SecurityGroupIds",
}


def _fill_processor(kw: Kwargs, policy: SecurityPolicy) -> None:
    fill(kw, "volume_kms_key", policy.kms_key("volume"))
    fill(kw, "output_kms_key", policy.kms_key("output"))
    network_config = importlib.import_module("sagemaker.network").NetworkConfig
    given = kw.get("network_config")
    config = copy.copy(given) if given is not None else network_config()
    secure = {
        "enable_network_isolation": True,
        "encrypt_inter_container_traffic": True,
        "subnets": _vpc(policy).get("Subnets"),
        "security_group_ids": _vpc(policy).get("SecurityGroupIds"),
    }
    for name, value in secure.items():
        if getattr(config, name, None) is None and value is not None:
            setattr(config, name, value)
    kw["network_config"] = config


def _processor_entries(kw: Kwargs) -> Iterable[Entry]:
    yield from table(
        kw,
        {
            "volume_kms_key": "ProcessingResources.ClusterConfig.VolumeKmsKeyId",
            "output_kms_key": "ProcessingOutputConfig.KmsKeyId",
            "env": "Environment",
        },
    )
    config = kw.get("network_config")
    for name, path in _NETWORK_FIELDS.items():
        value = getattr(config, name, None)
        if value is not None:
            yield f"network_config.{name}", f"NetworkConfig.{path}", value


PROCESSOR = Spec("CreateProcessingJob", _fill_processor, _processor_entries)


# --------------------------------------------------------------------------- SDK 3.x


def _networking(kw: Kwargs, name: str, policy: SecurityPolicy, encryption: bool) -> None:
    networking = importlib.import_module("sagemaker.core.training.configs").Networking
    secure: dict[str, Any] = {
        "subnets": _vpc(policy).get("Subnets"),
        "security_group_ids": _vpc(policy).get("SecurityGroupIds"),
        "enable_network_isolation": True,
    }
    if encryption:
        secure["enable_inter_container_traffic_encryption"] = True
    given = kw.get(name)
    if given is None:
        kw[name] = networking(**{k: v for k, v in secure.items() if v is not None})
        return
    missing = {k: v for k, v in secure.items() if _get(given, k) is None and v is not None}
    kw[name] = given.model_copy(update=missing) if missing else given


def _networking_entries(kw: Kwargs, name: str) -> Iterable[Entry]:
    fields = {
        "subnets": "VpcConfig.Subnets",
        "security_group_ids": "VpcConfig.SecurityGroupIds",
        "enable_network_isolation": "EnableNetworkIsolation",
        "enable_inter_container_traffic_encryption": "EnableInterContainerTrafficEncryption",
    }
    networking = kw.get(name)
    for attr, path in fields.items():
        value = _get(networking, attr)
        if value is not None:
            yield f"{name}.{attr}", path, value


def _fill_model_trainer(kw: Kwargs, policy: SecurityPolicy) -> None:
    _networking(kw, "networking", policy, encryption=True)
    for name, attr, purpose in (
        ("compute", "volume_kms_key_id", "volume"),
        ("output_data_config", "kms_key_id", "output"),
    ):
        given, key = kw.get(name), policy.kms_key(purpose)
        if given is not None and _get(given, attr) is None and key is not None:
            kw[name] = given.model_copy(update={attr: key})


def _model_trainer_entries(kw: Kwargs) -> Iterable[Entry]:
    yield from _networking_entries(kw, "networking")
    volume = _get(kw.get("compute"), "volume_kms_key_id")
    if volume is not None:
        yield "compute.volume_kms_key_id", "ResourceConfig.VolumeKmsKeyId", volume
    output = _get(kw.get("output_data_config"), "kms_key_id")
    if output is not None:
        yield "output_data_config.kms_key_id", "OutputDataConfig.KmsKeyId", output
    yield from table(kw, {"environment": "Environment"})
    if isinstance(kw.get("hyperparameters"), dict):
        yield "hyperparameters", "HyperParameters", strings(kw["hyperparameters"])


MODEL_TRAINER = Spec("CreateTrainingJob", _fill_model_trainer, _model_trainer_entries)


def _fill_model_builder(kw: Kwargs, policy: SecurityPolicy) -> None:
    _networking(kw, "network", policy, encryption=False)


def _model_builder_entries(kw: Kwargs) -> Iterable[Entry]:
    for name, path, value in _networking_entries(kw, "network"):
        if path != "EnableInterContainerTrafficEncryption":  # not a CreateModel field
            yield name, path, value
    yield from table(kw, {"env_vars": "PrimaryContainer.Environment"})


MODEL_BUILDER = Spec("CreateModel", _fill_model_builder, _model_builder_entries)
