"""The model and endpoint-config requests :class:`SecureEndpoint` sends, and the model
artifact check that runs before any of them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

import attrs

from secure_sagemaker._aws.clients import resource_name
from secure_sagemaker._aws.rollback import UndoStack
from secure_sagemaker._aws.s3uri import S3Uri, bucket_of, s3_uri, split_s3_uri
from secure_sagemaker._wrapper import AwsContext
from secure_sagemaker.artifacts import ArtifactRef, ArtifactStore
from secure_sagemaker.exceptions import IntegrityError, InvalidArgumentError

__all__ = [
    "DataCapture",
    "ModelSource",
    "config_request",
    "create_generation",
    "model_request",
    "resolve_model_data",
]

logger = logging.getLogger("secure_sagemaker.endpoint")

VARIANT = "AllTraffic"


def _percentage(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise InvalidArgumentError("sampling_percentage must be an integer from 0 to 100")


@attrs.frozen
class DataCapture:
    """What an endpoint captures for monitoring.  On by default: 100% of requests and
    responses, encrypted with the policy's ``data_capture`` key (filled by the guard
    when ``kms_key_id`` is ``None``).

    ``destination`` defaults to ``s3://<policy's first artifact bucket, else the model
    artifact's bucket>/data-capture/<endpoint-name>/``.  ``DataCapture(enabled=False)``
    is sent as such, so the guard refuses it (SM311) unless the policy waives SM311.

    >>> DataCapture(sampling_percentage=20)                # doctest: +SKIP
    """

    enabled: bool = True
    sampling_percentage: int = attrs.field(default=100, validator=_percentage)
    capture_request: bool = True
    capture_response: bool = True
    destination: str | None = None
    kms_key_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not (self.capture_request or self.capture_response):
            raise InvalidArgumentError("DataCapture must capture requests, responses or both")

    def request(self, endpoint_name: str, default_bucket: str) -> dict[str, Any]:
        """The ``DataCaptureConfig`` of a CreateEndpointConfig request."""
        destination = self.destination or s3_uri(default_bucket, f"data-capture/{endpoint_name}/")
        modes = [
            m
            for m, on in (("Input", self.capture_request), ("Output", self.capture_response))
            if on
        ]
        config: dict[str, Any] = {
            "EnableCapture": self.enabled,
            "InitialSamplingPercentage": self.sampling_percentage,
            "DestinationS3Uri": destination,
            "CaptureOptions": [{"CaptureMode": m} for m in modes],
        }
        if self.kms_key_id is not None:
            config["KmsKeyId"] = self.kms_key_id
        return config

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> DataCapture:
        """The capture settings of an endpoint config's ``DataCaptureConfig`` (the
        default when it has none)."""
        if not config:
            return DEFAULT_CAPTURE
        modes = {o.get("CaptureMode") for o in config.get("CaptureOptions", [])}
        return cls(
            enabled=bool(config.get("EnableCapture", True)),
            sampling_percentage=int(config.get("InitialSamplingPercentage", 100)),
            capture_request="Input" in modes,
            capture_response="Output" in modes,
            destination=config.get("DestinationS3Uri"),
            kms_key_id=config.get("KmsKeyId"),
        )


DEFAULT_CAPTURE = DataCapture()


@attrs.frozen
class ModelSource:
    """The verified model artifact: its S3 URI (as SageMaker reads it), bucket and,
    when pinned, the version that was verified."""

    uri: str
    bucket: str
    version_id: str | None = None

    @classmethod
    def unverified(cls, uri: str) -> ModelSource:
        """A model's current ``ModelDataUrl``, used again as it is."""
        return cls(uri, bucket_of(uri))


def _pin(model_data: object) -> tuple[ArtifactRef | None, str, str, str | None]:
    """``(ref or None, bucket, key, version_id or None)``; ``ref`` when a content hash
    is known (an ``ArtifactRef`` or a URI with ``sha256=``)."""
    if not isinstance(model_data, str):
        if not isinstance(model_data, ArtifactRef):
            raise InvalidArgumentError("model_data must be an ArtifactRef or an s3:// URI")
        return model_data, model_data.bucket, model_data.key, model_data.version_id
    uri = S3Uri.parse(model_data)
    if uri.values("sha256"):
        ref = ArtifactRef.parse(model_data)
        return ref, ref.bucket, ref.key, ref.version_id
    bucket, key = split_s3_uri(uri.without_query)
    versions = uri.values("versionId")
    return None, bucket, unquote(key), versions[0] if len(versions) == 1 else None


def resolve_model_data(model_data: object, *, allow_unpinned: bool, ctx: AwsContext) -> ModelSource:
    """Verify the model artifact before anything is created.

    * an :class:`~secure_sagemaker.artifacts.ArtifactRef`, or its URI
      ``s3://bucket/key?versionId=...&sha256=...``: the content is checked with
      :meth:`ArtifactStore.verify`;
    * ``s3://bucket/key?versionId=...``: pinned to an immutable S3 version;
    * a plain ``s3://bucket/key``: refused unless ``allow_unpinned=True``.

    A pinned version must also be the object's current version, since SageMaker
    always reads the latest one.

    Raises :class:`~secure_sagemaker.IntegrityError` for a tampered, superseded or
    unpinned artifact; ``ValueError`` for something that is not an S3 artifact.
    """
    ref, bucket, key, version = _pin(model_data)
    uri = s3_uri(bucket, key)
    if version is None:
        if not allow_unpinned:
            raise IntegrityError(
                "model_data is not version-pinned, so its content cannot be verified; pass "
                "an ArtifactRef or an s3://...?versionId=... URI (ArtifactStore.put returns "
                "one), or allow_unpinned=True to deploy it unverified"
            )
        logger.warning("deploying an unpinned, unverified model artifact (allow_unpinned=True)")
        return ModelSource(uri, bucket)
    if ref is not None:
        ArtifactStore(ref.bucket, session=ctx.session, policy=ctx.policy).verify(ref)
    current = ctx.client("s3").head_object(Bucket=bucket, Key=key).get("VersionId")
    if current != version:
        raise IntegrityError(
            "the pinned model artifact version is not the object's current version; "
            "SageMaker deploys the current version, so deploy a ref to that one"
        )
    return ModelSource(uri, bucket, version)


def model_request(
    name: str,
    *,
    source: ModelSource,
    image_uri: str,
    role: str,
    environment: Mapping[str, str] | None,
    tags: list[dict[str, str]],
) -> dict[str, Any]:
    """CreateModel: network isolation on; VpcConfig is filled by the guard (SM302)."""
    container: dict[str, Any] = {"Image": image_uri, "ModelDataUrl": source.uri}
    if environment:
        container["Environment"] = dict(environment)
    request: dict[str, Any] = {
        "ModelName": name,
        "PrimaryContainer": container,
        "ExecutionRoleArn": role,
        "EnableNetworkIsolation": True,
    }
    if tags:
        request["Tags"] = tags
    return request


def config_request(
    name: str,
    *,
    model_name: str,
    instance_type: str,
    instance_count: int,
    capture: Mapping[str, Any],
    tags: list[dict[str, str]],
) -> dict[str, Any]:
    """CreateEndpointConfig: KmsKeyId and capture KmsKeyId are filled by the guard."""
    request: dict[str, Any] = {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": VARIANT,
                "ModelName": model_name,
                "InstanceType": instance_type,
                "InitialInstanceCount": instance_count,
            }
        ],
        "DataCaptureConfig": dict(capture),
    }
    if tags:
        request["Tags"] = tags
    return request


def create_generation(
    ctx: AwsContext,
    undo: UndoStack,
    endpoint_name: str,
    *,
    source: ModelSource,
    image_uri: str,
    role: str,
    environment: Mapping[str, str] | None,
    instance_type: str,
    instance_count: int,
    capture: DataCapture,
    tags: list[dict[str, str]],
) -> tuple[str, str]:
    """CreateModel then CreateEndpointConfig for ``endpoint_name`` (an undo for each);
    their names."""
    sm = ctx.client("sagemaker")
    model = resource_name(endpoint_name)
    sm.create_model(
        **model_request(
            model,
            source=source,
            image_uri=image_uri,
            role=role,
            environment=environment,
            tags=tags,
        )
    )
    undo.push(f"model {model}", lambda: sm.delete_model(ModelName=model))
    config = resource_name(endpoint_name)
    bucket = next(iter(ctx.policy.artifact_buckets), source.bucket)
    sm.create_endpoint_config(
        **config_request(
            config,
            model_name=model,
            instance_type=instance_type,
            instance_count=instance_count,
            capture=capture.request(endpoint_name, bucket),
            tags=tags,
        )
    )
    undo.push(
        f"endpoint config {config}",
        lambda: sm.delete_endpoint_config(EndpointConfigName=config),
    )
    return model, config
