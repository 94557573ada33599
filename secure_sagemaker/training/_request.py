"""The ``CreateTrainingJob`` request a :class:`SecureEstimator` sends, built from the
2.x ``Estimator`` arguments (no AWS call; the guard fills and judges it)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from secure_sagemaker._aws.s3uri import SCHEME
from secure_sagemaker._aws.tags import Tags, normalize_tags
from secure_sagemaker.artifacts._pinning import PinnedInput
from secure_sagemaker.exceptions import ArgumentTypeError
from secure_sagemaker.secrets._env import PREFIX as _SECRET_PREFIX

__all__ = [
    "DEFAULT_CHANNEL",
    "PROVENANCE_TAG",
    "TRAIN",
    "base_name",
    "channel",
    "channels",
    "is_secret_ref",
    "job_name",
    "provenance_tags",
    "training_request",
]

TRAIN = "CreateTrainingJob"
DEFAULT_CHANNEL = "training"
PROVENANCE_TAG = "secure-sagemaker:input"
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9-]")
_MAX_NAME = 63


def job_name(base: str) -> str:
    """``base`` plus a UTC timestamp, within SageMaker's name limit."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    return f"{base[: _MAX_NAME - len(stamp) - 1]}-{stamp}"


def base_name(image_uri: str) -> str:
    """A job name base from the image's repository name."""
    repo = image_uri.rsplit("/", 1)[-1].split("@")[0].split(":")[0]
    return _NAME_CHARS.sub("-", repo).strip("-") or "training"


def is_secret_ref(value: Any) -> bool:
    return str(value).startswith(_SECRET_PREFIX)


def training_request(
    *,
    image_uri: str,
    role: str,
    instance_type: str,
    instance_count: int,
    output_path: str,
    env: dict[str, str],
    hyperparameters: Mapping[str, Any] | None,
    tags: Tags | None,
    input_mode: str,
    volume_size: int,
    max_run: int,
    max_wait: int | None,
    use_spot_instances: bool,
    checkpoint: tuple[str | None, str | None],
    vpc: tuple[Sequence[str] | None, Sequence[str] | None],
    kms: tuple[str | None, str | None],
    network: tuple[bool | None, bool | None],
    metric_definitions: Sequence[Mapping[str, str]] | None,
) -> dict[str, Any]:
    """The request template: everything but the job name and the input channels."""
    algorithm: dict[str, Any] = {
        "TrainingImage": image_uri,
        "TrainingInputMode": input_mode,
    }
    if metric_definitions:
        algorithm["MetricDefinitions"] = [dict(m) for m in metric_definitions]
    resources: dict[str, Any] = {
        "InstanceType": instance_type,
        "InstanceCount": instance_count,
        "VolumeSizeInGB": volume_size,
    }
    output: dict[str, Any] = {"S3OutputPath": output_path}
    stopping: dict[str, Any] = {"MaxRuntimeInSeconds": max_run}
    params: dict[str, Any] = {
        "AlgorithmSpecification": algorithm,
        "RoleArn": role,
        "OutputDataConfig": output,
        "ResourceConfig": resources,
        "StoppingCondition": stopping,
    }
    optional: dict[str, tuple[dict[str, Any], str, Any]] = {
        "volume_kms_key": (resources, "VolumeKmsKeyId", kms[0]),
        "output_kms_key": (output, "KmsKeyId", kms[1]),
        "max_wait": (stopping, "MaxWaitTimeInSeconds", max_wait),
        "enable_network_isolation": (params, "EnableNetworkIsolation", network[0]),
        "encrypt_inter_container_traffic": (
            params,
            "EnableInterContainerTrafficEncryption",
            network[1],
        ),
    }
    for target, field, value in optional.values():
        if value is not None:
            target[field] = value
    if use_spot_instances:
        params["EnableManagedSpotTraining"] = True
    if hyperparameters:
        params["HyperParameters"] = {str(k): str(v) for k, v in hyperparameters.items()}
    if env:
        params["Environment"] = env
    if checkpoint[0] is not None:
        params["CheckpointConfig"] = {"S3Uri": checkpoint[0]}
        if checkpoint[1] is not None:
            params["CheckpointConfig"]["LocalPath"] = checkpoint[1]
    subnets, groups = vpc
    if subnets is not None or groups is not None:
        params["VpcConfig"] = {
            "Subnets": list(subnets or ()),
            "SecurityGroupIds": list(groups or ()),
        }
    if tags:
        params["Tags"] = normalize_tags(tags)
    return params


def channel(name: str, uri: str) -> dict[str, Any]:
    """One S3 input channel reading every object under ``uri``."""
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


def channels(inputs: Any) -> tuple[list[dict[str, Any]], dict[str, PinnedInput]]:
    """The channels of ``fit()``'s ``inputs`` and the pinned inputs among them."""
    if inputs is None:
        return [], {}
    named = inputs if isinstance(inputs, Mapping) else {DEFAULT_CHANNEL: inputs}
    out: list[dict[str, Any]] = []
    pinned: dict[str, PinnedInput] = {}
    for name, value in named.items():
        ref = PinnedInput.of(value)
        config = getattr(value, "config", None)  # an SDK TrainingInput
        if ref is not None:
            pinned[str(name)] = ref
            out.append(channel(str(name), ref.uri))
        elif isinstance(config, Mapping):
            out.append({**config, "ChannelName": str(name)})
        elif isinstance(value, str) and value.startswith(SCHEME):
            out.append(channel(str(name), value))
        else:
            raise ArgumentTypeError(
                f"input {name!r} must be an s3:// URI, an ArtifactRef or a TrainingInput"
            )
    return out, pinned


def provenance_tags(pinned: Mapping[str, PinnedInput]) -> list[dict[str, str]]:
    """The job tags recording each pinned input's version and SHA-256."""
    tags = []
    for name, ref in pinned.items():
        tags.append({"Key": f"{PROVENANCE_TAG}:{name}:version-id", "Value": ref.version_id})
        if ref.sha256:
            tags.append({"Key": f"{PROVENANCE_TAG}:{name}:sha256", "Value": ref.sha256})
    return tags
