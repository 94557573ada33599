"""The SageMaker Python SDK's own ``config.yaml`` ("intelligent defaults") from a policy.

SDK 2.x and 3.x read defaults from ``~/.config/sagemaker/config.yaml`` (or the file
named by ``SAGEMAKER_USER_CONFIG_OVERRIDE``).  Writing the policy's values there means
the SDK builds secure requests by itself; the guard still judges every request,
because the SDK's defaults only fill values and an explicit argument always wins.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from secure_sagemaker.policy import SecurityPolicy

__all__ = ["render_sagemaker_config", "sagemaker_config", "write_sagemaker_config"]


def _drop_empty(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _drop_empty(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    return node


def sagemaker_config(policy: SecurityPolicy) -> dict[str, Any]:
    """The config document (``SchemaVersion: '1.0'``) with telemetry opted out."""
    vpc = policy.vpc_config
    volume, output = policy.kms_key("volume"), policy.kms_key("output")
    network = {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": vpc,
    }
    doc = {
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
    result: dict[str, Any] = _drop_empty(doc)
    return result


def render_sagemaker_config(policy: SecurityPolicy) -> str:
    """The config as text: JSON, which is valid YAML, behind a comment header."""
    header = (
        "# SageMaker Python SDK defaults written by `secure-sagemaker sagemaker-config`.\n"
        "# JSON is valid YAML. The secure-sagemaker guard still judges every request.\n"
    )
    return header + json.dumps(sagemaker_config(policy), indent=2) + "\n"


def default_config_path() -> Path:
    """Where the SDK looks: ``$SAGEMAKER_USER_CONFIG_OVERRIDE`` or
    ``~/.config/sagemaker/config.yaml``."""
    override = os.environ.get("SAGEMAKER_USER_CONFIG_OVERRIDE")
    return Path(override) if override else Path.home() / ".config" / "sagemaker" / "config.yaml"


def write_sagemaker_config(
    policy: SecurityPolicy, path: str | os.PathLike[str] | None = None
) -> Path:
    """Write the config (creating directories); returns the path written."""
    target = Path(path) if path is not None else default_config_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_sagemaker_config(policy), encoding="utf-8")
    return target
