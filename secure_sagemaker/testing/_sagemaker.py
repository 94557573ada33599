"""Adaptations of the emulator (moto), never of the product: moto's SageMaker drops
some security fields, so Describe calls report them insecure and an audit of an
embedded account would flag secure resources.  While an
:class:`~secure_sagemaker.testing.EmbeddedAWS` runs, these are kept as sent:

* CreateModel ``EnableNetworkIsolation`` (moto always describes ``false``);
* CreateNotebookInstance ``InstanceMetadataServiceConfiguration`` and
  ``PlatformIdentifier`` (moto omits both).
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


def _targets() -> dict[tuple[Any, str], Any]:
    from moto.sagemaker.responses import SageMakerResponse

    return {
        (SageMakerResponse, "create_model"): _create_model,
        (SageMakerResponse, "create_notebook_instance"): _create_notebook_instance,
        (SageMakerResponse, "describe_notebook_instance"): _describe_notebook_instance,
    }


_PATCHES = PatchSet(_targets)
install = _PATCHES.install
uninstall = _PATCHES.uninstall
