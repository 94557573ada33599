"""SM28x examples: compilation, optimization, edge packaging and inference
recommendation jobs; model packages' and algorithms' images and validation jobs.

One secure and one insecure request per rule, beside the rule's ID range
(``secure_sagemaker/controls/sm2_more_jobs.py``); each is judged here, and
tests/test_catalog.py checks every catalog rule has one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import BUCKET, IMAGE, KEY, POLICY, ROLE, VPC, drop
from tests.controls._check import check_example

PUBLIC_IMAGE = "docker.io/library/python:3"
OUT = f"s3://{BUCKET}/out/"
DATA = f"s3://{BUCKET}/data/"
STOP = {"MaxRuntimeInSeconds": 3600}


def compilation(**kw: Any) -> dict[str, Any]:
    return {
        "CompilationJobName": "compile-1",
        "RoleArn": ROLE,
        "InputConfig": {
            "S3Uri": f"s3://{BUCKET}/m/model.tar.gz",
            "Framework": "PYTORCH",
            "DataInputConfig": '{"input0": [1, 3, 224, 224]}',
        },
        "OutputConfig": {"S3OutputLocation": OUT, "TargetDevice": "ml_c5", "KmsKeyId": KEY},
        "VpcConfig": dict(VPC),
        "StoppingCondition": STOP,
        **kw,
    }


def optimization(**kw: Any) -> dict[str, Any]:
    return {
        "OptimizationJobName": "optimize-1",
        "RoleArn": ROLE,
        "ModelSource": {"S3": {"S3Uri": f"s3://{BUCKET}/m/"}},
        "DeploymentInstanceType": "ml.g5.2xlarge",
        "OptimizationEnvironment": {"OPTION_TENSOR_PARALLEL_DEGREE": "1"},
        "OptimizationConfigs": [
            {
                "ModelQuantizationConfig": {
                    "Image": IMAGE,
                    "OverrideEnvironment": {"OPTION_QUANTIZE": "awq"},
                }
            }
        ],
        "OutputConfig": {"S3OutputLocation": OUT, "KmsKeyId": KEY},
        "StoppingCondition": STOP,
        "VpcConfig": dict(VPC),
        **kw,
    }


def edge_packaging(**kw: Any) -> dict[str, Any]:
    return {
        "EdgePackagingJobName": "edge-1",
        "CompilationJobName": "compile-1",
        "ModelName": "model-1",
        "ModelVersion": "1.0",
        "RoleArn": ROLE,
        "OutputConfig": {"S3OutputLocation": OUT, "KmsKeyId": KEY},
        "ResourceKey": KEY,
        **kw,
    }


def recommendation(**kw: Any) -> dict[str, Any]:
    return {
        "JobName": "recommend-1",
        "JobType": "Default",
        "RoleArn": ROLE,
        "InputConfig": {
            "ModelPackageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:model-package/pkg/1",
            "VolumeKmsKeyId": KEY,
            "VpcConfig": dict(VPC),
        },
        "OutputConfig": {"KmsKeyId": KEY},
        **kw,
    }


def _transform_definition() -> dict[str, Any]:
    return {
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": DATA}}
        },
        "TransformOutput": {"S3OutputPath": OUT, "KmsKeyId": KEY},
        "TransformResources": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeKmsKeyId": KEY,
        },
        "Environment": {"LOG_LEVEL": "info"},
    }


def _inference(image: str = IMAGE) -> dict[str, Any]:
    return {
        "Containers": [
            {
                "Image": image,
                "ModelDataUrl": f"s3://{BUCKET}/m/model.tar.gz",
                "Environment": {"WORKERS": "2"},
            }
        ],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["text/csv"],
    }


def model_package(**kw: Any) -> dict[str, Any]:
    return {
        "ModelPackageName": "pkg",
        "InferenceSpecification": _inference(),
        "ValidationSpecification": {
            "ValidationRole": ROLE,
            "ValidationProfiles": [
                {"ProfileName": "p1", "TransformJobDefinition": _transform_definition()}
            ],
        },
        **kw,
    }


def algorithm(image: str = IMAGE, **kw: Any) -> dict[str, Any]:
    return {
        "AlgorithmName": "algo",
        "TrainingSpecification": {
            "TrainingImage": image,
            "SupportedTrainingInstanceTypes": ["ml.m5.xlarge"],
            "TrainingChannels": [
                {
                    "Name": "train",
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedInputModes": ["File"],
                }
            ],
        },
        "InferenceSpecification": _inference(),
        "ValidationSpecification": {
            "ValidationRole": ROLE,
            "ValidationProfiles": [
                {
                    "ProfileName": "p1",
                    "TrainingJobDefinition": {
                        "TrainingInputMode": "File",
                        "InputDataConfig": [
                            {
                                "ChannelName": "train",
                                "DataSource": {
                                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": DATA}
                                },
                            }
                        ],
                        "OutputDataConfig": {"S3OutputPath": OUT, "KmsKeyId": KEY},
                        "ResourceConfig": {
                            "InstanceType": "ml.m5.xlarge",
                            "InstanceCount": 1,
                            "VolumeSizeInGB": 30,
                            "VolumeKmsKeyId": KEY,
                        },
                        "StoppingCondition": STOP,
                    },
                    "TransformJobDefinition": _transform_definition(),
                }
            ],
        },
        **kw,
    }


def _without_training_volume_key() -> dict[str, Any]:
    params = algorithm()
    profile = params["ValidationSpecification"]["ValidationProfiles"][0]
    del profile["TrainingJobDefinition"]["ResourceConfig"]["VolumeKmsKeyId"]
    return params


EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM280": ("CreateCompilationJob", compilation(), drop(compilation(), "VpcConfig")),
    "SM281": (
        "CreateEdgePackagingJob",
        edge_packaging(),
        drop(edge_packaging(), "OutputConfig", "KmsKeyId"),
    ),
    "SM282": (
        "CreateInferenceRecommendationsJob",
        recommendation(),
        drop(recommendation(), "InputConfig", "VolumeKmsKeyId"),
    ),
    "SM283": ("CreateAlgorithm", algorithm(), algorithm(PUBLIC_IMAGE)),
    "SM284": (
        "CreateModelPackage",
        model_package(),
        model_package(
            ValidationSpecification={
                "ValidationRole": ROLE,
                "ValidationProfiles": [
                    {
                        "ProfileName": "p1",
                        "TransformJobDefinition": {
                            **_transform_definition(),
                            "TransformOutput": {"S3OutputPath": OUT, "KmsKeyId": "alias/aws/s3"},
                        },
                    }
                ],
            }
        ),
    ),
    "SM285": ("CreateAlgorithm", algorithm(), _without_training_volume_key()),
    "SM286": (
        "CreateOptimizationJob",
        optimization(),
        optimization(OptimizationEnvironment={"HF_TOKEN": "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"}),
    ),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _failing(rule_id: str, operation: str, params: dict[str, Any]) -> ss.Finding:
    (finding,) = [f for f in ss.evaluate(operation, params, POLICY) if f.rule_id == rule_id]
    assert finding.status == "fail", finding
    return finding


@pytest.mark.parametrize(
    ("operation", "params", "vpc_path"),
    [
        ("CreateCompilationJob", compilation(), ("VpcConfig",)),
        ("CreateOptimizationJob", optimization(), ("VpcConfig",)),
        ("CreateInferenceRecommendationsJob", recommendation(), ("InputConfig", "VpcConfig")),
    ],
)
def test_vpc_and_output_key_are_filled_from_the_policy(
    operation: str, params: dict[str, Any], vpc_path: tuple[str, ...]
) -> None:
    bare = drop(drop(params, *vpc_path), "OutputConfig", "KmsKeyId")
    _failing("SM280", operation, bare)
    _failing("SM281", operation, bare)
    filled, done = ss.secure_request(operation, bare, POLICY)
    node = filled
    for key in vpc_path:
        node = node[key]
    assert node == VPC and filled["OutputConfig"]["KmsKeyId"] == KEY
    assert {("SM280", ".".join(vpc_path)), ("SM281", "OutputConfig.KmsKeyId")} <= set(done)
    found = {f.rule_id: f.status for f in ss.evaluate(operation, filled, POLICY)}
    assert found["SM280"] == found["SM281"] == "pass"


def test_edge_packaging_resource_key_is_filled_and_judged() -> None:
    finding = _failing(
        "SM282", "CreateEdgePackagingJob", edge_packaging(ResourceKey="alias/aws/sagemaker")
    )
    assert "alias/aws/sagemaker" not in finding.message
    filled, done = ss.secure_request(
        "CreateEdgePackagingJob", drop(edge_packaging(), "ResourceKey"), POLICY
    )
    assert filled["ResourceKey"] == KEY and ("SM282", "ResourceKey") in done


def test_every_image_of_packages_algorithms_and_optimizations_is_judged() -> None:
    package = model_package(
        AdditionalInferenceSpecifications=[
            {"Name": "extra", "Containers": [{"Image": PUBLIC_IMAGE}]}
        ]
    )
    finding = _failing("SM283", "CreateModelPackage", package)
    assert "AdditionalInferenceSpecifications[0].Containers[0].Image" in finding.field
    algo = algorithm(InferenceSpecification=_inference(PUBLIC_IMAGE))
    assert (
        "InferenceSpecification.Containers[0].Image"
        in _failing("SM283", "CreateAlgorithm", algo).field
    )
    opt = optimization(OptimizationConfigs=[{"ModelShardingConfig": {"Image": PUBLIC_IMAGE}}])
    assert "ModelShardingConfig.Image" in _failing("SM283", "CreateOptimizationJob", opt).field
    # a package that only references a source algorithm names no image
    source = {
        "ModelPackageName": "pkg",
        "SourceAlgorithmSpecification": {"SourceAlgorithms": [{"AlgorithmName": "algo"}]},
    }
    assert [
        f for f in ss.evaluate("CreateModelPackage", source, POLICY) if f.rule_id == "SM283"
    ] == []


def test_validation_keys_are_filled_only_where_validation_jobs_exist() -> None:
    bare = copy.deepcopy(model_package())
    definition = bare["ValidationSpecification"]["ValidationProfiles"][0]["TransformJobDefinition"]
    del (
        definition["TransformOutput"]["KmsKeyId"],
        definition["TransformResources"]["VolumeKmsKeyId"],
    )
    filled, done = ss.secure_request("CreateModelPackage", bare, POLICY)
    definition = filled["ValidationSpecification"]["ValidationProfiles"][0][
        "TransformJobDefinition"
    ]
    assert definition["TransformOutput"]["KmsKeyId"] == KEY
    assert definition["TransformResources"]["VolumeKmsKeyId"] == KEY
    assert {"SM284", "SM285"} <= {rule for rule, _ in done}
    unvalidated = drop(model_package(), "ValidationSpecification")
    filled, done = ss.secure_request("CreateModelPackage", unvalidated, POLICY)
    assert "ValidationSpecification" not in filled
    assert not {"SM284", "SM285"} & {rule for rule, _ in done}


def test_credentials_in_package_and_validation_environments_are_refused() -> None:
    package = model_package()
    package["InferenceSpecification"]["Containers"][0]["Environment"]["DB_PASSWORD"] = "hunter2!xyz"
    finding = _failing("SM286", "CreateModelPackage", package)
    assert "hunter2" not in finding.message
    algo = algorithm()
    algo["ValidationSpecification"]["ValidationProfiles"][0]["TransformJobDefinition"][
        "Environment"
    ] = {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
    _failing("SM286", "CreateAlgorithm", algo)
