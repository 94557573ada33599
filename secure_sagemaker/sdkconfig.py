"""The SageMaker Python SDK's own ``config.yaml`` ("intelligent defaults") from a policy.

SDK 2.x and 3.x read defaults from ``~/.config/sagemaker/config.yaml`` (or the file
named by ``SAGEMAKER_USER_CONFIG_OVERRIDE``).  Writing the policy's values there means
the SDK builds secure requests by itself; the guard still judges every request,
because the SDK's defaults only fill values and an explicit argument always wins.

The document holds only keys the installed SDK accepts: both majors validate the
same schema, but SDK 3.x's ``sagemaker.core`` Transformer turns
``TransformJob.TransformOutput.KmsKeyId`` and ``TransformResources.VolumeKmsKeyId``
into arguments its request shapes refuse ("extra inputs are not permitted"), so 3.x
gets no such keys (the guard fills both transform keys itself).  With no SDK
installed the subset both accept is written.  Nothing here imports ``sagemaker``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "installed_sdk_major",
    "render_sagemaker_config",
    "sagemaker_config",
    "write_sagemaker_config",
]

# keys a major version of the SDK does not accept, as paths under ``SageMaker``
_UNSUPPORTED: dict[int, tuple[tuple[str, ...], ...]] = {
    # sagemaker.core's Transformer sets these PascalCase keys on its snake_case
    # request models, which refuse them ("extra inputs are not permitted")
    3: (
        ("TransformJob", "TransformOutput", "KmsKeyId"),
        ("TransformJob", "TransformResources", "VolumeKmsKeyId"),
    ),
}


def installed_sdk_major() -> int | None:
    """The major version of the installed ``sagemaker`` distribution, or ``None``
    (not installed, or a version this module cannot read).  Does not import it."""
    try:
        return int(importlib.metadata.version("sagemaker").split(".", 1)[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return None


def _without(node: dict[str, Any], path: tuple[str, ...]) -> None:
    *parents, leaf = path
    for name in parents:
        child = node.get(name)
        if not isinstance(child, dict):
            return
        node = child
    node.pop(leaf, None)


def _drop_empty(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _drop_empty(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    return node


def sagemaker_config(policy: SecurityPolicy, sdk_major: int | None = None) -> dict[str, Any]:
    """The config document (``SchemaVersion: '1.0'``) with telemetry opted out,
    holding only keys SDK ``sdk_major``.x accepts; ``None`` (no SDK): the keys
    every supported major accepts."""
    vpc = policy.vpc_config
    volume, output = policy.kms_key("volume"), policy.kms_key("output")
    network = {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": vpc,
    }
    doc: dict[str, Any] = {
        "SchemaVersion": "1.0",
        "SageMaker": {
            "PythonSDK": {"Modules": {"TelemetryOptOut": True}},
            "TrainingJob": {
                "EnableNetworkIsolation": True,
                "EnableInterContainerTrafficEncryption": True,
                "VpcConfig": vpc,
                "OutputDataConfig": {"KmsKeyId": output},
                "ResourceConfig": {"VolumeKmsKeyId": volume},
            },
            "ProcessingJob": {
                "NetworkConfig": network,
                "ProcessingOutputConfig": {"KmsKeyId": output},
                "ProcessingResources": {"ClusterConfig": {"VolumeKmsKeyId": volume}},
            },
            "TransformJob": {
                "TransformOutput": {"KmsKeyId": output},
                "TransformResources": {"VolumeKmsKeyId": volume},
            },
            "Model": {"EnableNetworkIsolation": True, "VpcConfig": vpc},
            "EndpointConfig": {
                "KmsKeyId": policy.kms_key("endpoint"),
                "DataCaptureConfig": {"KmsKeyId": policy.kms_key("data_capture")},
                "AsyncInferenceConfig": {"OutputConfig": {"KmsKeyId": output}},
            },
            "MonitoringSchedule": {
                "MonitoringScheduleConfig": {
                    "MonitoringJobDefinition": {
                        "NetworkConfig": network,
                        "MonitoringOutputConfig": {"KmsKeyId": output},
                        "MonitoringResources": {"ClusterConfig": {"VolumeKmsKeyId": volume}},
                    }
                }
            },
            "AutoMLJob": {
                "AutoMLJobConfig": {
                    "SecurityConfig": {
                        "EnableInterContainerTrafficEncryption": True,
                        "VolumeKmsKeyId": volume,
                        "VpcConfig": vpc,
                    }
                },
                "OutputDataConfig": {"KmsKeyId": output},
            },
            "FeatureGroup": {
                "OfflineStoreConfig": {"S3StorageConfig": {"KmsKeyId": policy.kms_key("s3")}},
                "OnlineStoreConfig": {"SecurityConfig": {"KmsKeyId": volume}},
            },
        },
    }
    majors = [sdk_major] if sdk_major is not None else list(_UNSUPPORTED)
    for major in majors:
        for path in _UNSUPPORTED.get(major, ()):
            _without(doc["SageMaker"], path)
    result: dict[str, Any] = _drop_empty(doc)
    return result


def _for(sdk_major: int | None) -> str:
    return f"SageMaker SDK {sdk_major}.x" if sdk_major is not None else "SageMaker SDK 2.x and 3.x"


def render_sagemaker_config(policy: SecurityPolicy, sdk_major: int | None = None) -> str:
    """The config as text: JSON, which is valid YAML, behind a comment header
    naming the SDK major version it was written for (see :func:`sagemaker_config`)."""
    header = (
        "# SageMaker Python SDK defaults written by `secure-sagemaker sagemaker-config`\n"
        f"# for {_for(sdk_major)}.\n"
        "# JSON is valid YAML. The secure-sagemaker guard still judges every request.\n"
    )
    return header + json.dumps(sagemaker_config(policy, sdk_major), indent=2) + "\n"


def default_config_path() -> Path:
    """Where the SDK looks: ``$SAGEMAKER_USER_CONFIG_OVERRIDE`` or
    ``~/.config/sagemaker/config.yaml``."""
    override = os.environ.get("SAGEMAKER_USER_CONFIG_OVERRIDE")
    return Path(override) if override else Path.home() / ".config" / "sagemaker" / "config.yaml"


def write_sagemaker_config(
    policy: SecurityPolicy,
    path: str | os.PathLike[str] | None = None,
    sdk_major: int | None = None,
) -> Path:
    """Write the config for ``sdk_major`` (creating directories); returns the path
    written.  Raises :class:`OSError` when the file cannot be written."""
    target = Path(path) if path is not None else default_config_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_sagemaker_config(policy, sdk_major), encoding="utf-8")
    return target
