"""Adaptations of the emulator (moto), never of the product: moto's SageMaker drops
some security fields, so Describe calls report them insecure and an audit of an
embedded account would flag secure resources.  While an
:class:`~secure_sagemaker.testing.EmbeddedAWS` runs, these are kept as sent:

* CreateModel ``EnableNetworkIsolation`` (moto always describes ``false``);
* CreateNotebookInstance ``InstanceMetadataServiceConfiguration`` and
  ``PlatformIdentifier`` (moto omits both).

And what moto lacks is emulated, just enough for the documented paths to run:

* CreateTrainingJob leaves its model artifact: a small placeholder object at
  ``ModelArtifacts.S3ModelArtifacts``, written SSE-KMS with the job's output key when
  the output bucket exists (moto's jobs complete at once but write nothing, so a
  ``deploy`` of the trained model would find no artifact);
* UpdateEndpoint switches the endpoint to the new endpoint config (moto answers 500);
* CreatePresignedNotebookInstanceUrl returns a URL on ``sagemaker.aws`` for an
  existing notebook instance (marked ``emulated``; it opens nothing).
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.testing._patch import PatchSet

_NOTEBOOK_FIELDS = ("InstanceMetadataServiceConfiguration", "PlatformIdentifier")


def _create_model(self: Any) -> Any:
    result = _PATCHES.original("create_model")(self)
    model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
    if model is not None:
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


def _create_notebook_instance(self: Any) -> Any:
    result = _PATCHES.original("create_notebook_instance")(self)
    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    notebook.secure_sagemaker_kept = {
        k: v for k in _NOTEBOOK_FIELDS if (v := self._get_param(k)) is not None
    }
    return result


def _describe_notebook_instance(self: Any) -> Any:
    from moto.core.responses import ActionResult

    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    return ActionResult({**notebook.to_dict(), **getattr(notebook, "secure_sagemaker_kept", {})})


EMULATED_MODEL = b"model artifact written by the emulator (secure_sagemaker.testing)"


def _create_training_job(self: Any) -> Any:
    from moto.s3.models import s3_backends

    result = _PATCHES.original("create_training_job")(self)
    job = self.sagemaker_backend.training_jobs.get(self._get_param("TrainingJobName"))
    uri = str(getattr(job, "model_artifacts", {}).get("S3ModelArtifacts", ""))
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    backend = s3_backends[self.current_account][self.partition]
    if uri.startswith("s3://") and key and bucket in backend.buckets:
        kms = (self._get_param("OutputDataConfig") or {}).get("KmsKeyId")
        backend.put_object(
            bucket,
            key,
            EMULATED_MODEL,
            encryption="aws:kms" if kms else None,
            kms_key_id=kms,
        )
    return result


def _update_endpoint(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.sagemaker.exceptions import ValidationError

    backend = self.sagemaker_backend
    name, config_name = self._get_param("EndpointName"), self._get_param("EndpointConfigName")
    endpoint, config = backend.endpoints.get(name), backend.endpoint_configs.get(config_name)
    if endpoint is None:
        raise ValidationError(message=f"Could not find endpoint {name!r}.")
    if config is None:
        raise ValidationError(message=f"Could not find endpoint configuration {config_name!r}.")
    endpoint.endpoint_config_name = config_name
    endpoint.production_variants = endpoint._process_production_variants(config.production_variants)
    endpoint.data_capture_config = config.data_capture_config
    endpoint.last_modified_time = utcnow()
    return ActionResult({"EndpointArn": endpoint.arn})


def _create_presigned_notebook_instance_url(self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("NotebookInstanceName")
    self.sagemaker_backend.get_notebook_instance(name)  # raises for an unknown notebook
    region = self.sagemaker_backend.region_name
    return ActionResult(
        {"AuthorizedUrl": f"https://{name}.notebook.{region}.sagemaker.aws?authToken=emulated"}
    )


def _targets() -> dict[tuple[Any, str], Any]:
    from moto.sagemaker.responses import SageMakerResponse

    return {
        (SageMakerResponse, "create_model"): _create_model,
        (SageMakerResponse, "create_notebook_instance"): _create_notebook_instance,
        (SageMakerResponse, "describe_notebook_instance"): _describe_notebook_instance,
        (SageMakerResponse, "create_training_job"): _create_training_job,
        (SageMakerResponse, "update_endpoint"): _update_endpoint,
        (
            SageMakerResponse,
            "create_presigned_notebook_instance_url",
        ): _create_presigned_notebook_instance_url,
    }


_PATCHES = PatchSet(_targets)
install = _PATCHES.install
uninstall = _PATCHES.uninstall
