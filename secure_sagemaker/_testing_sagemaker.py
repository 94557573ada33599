"""Adaptations of the emulator (moto), never of the product: moto's SageMaker drops
some security fields, so Describe calls report them insecure and an audit of an
embedded account would flag secure resources.  While an
:class:`~secure_sagemaker.testing.EmbeddedAWS` runs, these are kept as sent:

* CreateModel ``EnableNetworkIsolation`` (moto always describes ``false``);
* CreateNotebookInstance ``InstanceMetadataServiceConfiguration`` and
  ``PlatformIdentifier`` (moto omits both).
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_installed = 0
_originals: dict[str, Any] = {}
_NOTEBOOK_FIELDS = ("InstanceMetadataServiceConfiguration", "PlatformIdentifier")


def _create_model(self: Any) -> Any:
    result = _originals["create_model"](self)
    model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
    if model is not None:
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


def _create_notebook_instance(self: Any) -> Any:
    result = _originals["create_notebook_instance"](self)
    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    notebook.secure_sagemaker_kept = {
        k: v for k in _NOTEBOOK_FIELDS if (v := self._get_param(k)) is not None
    }
    return result


def _describe_notebook_instance(self: Any) -> Any:
    from moto.core.responses import ActionResult

    notebook = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    return ActionResult({**notebook.to_dict(), **getattr(notebook, "secure_sagemaker_kept", {})})


_PATCHES = {
    "create_model": _create_model,
    "create_notebook_instance": _create_notebook_instance,
    "describe_notebook_instance": _describe_notebook_instance,
}


def install() -> None:
    """Patch moto's SageMaker handlers (reference-counted, like
    :mod:`secure_sagemaker._testing_s3policy`)."""
    global _installed
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _installed == 0:
            for name, patch in _PATCHES.items():
                _originals[name] = getattr(SageMakerResponse, name)
                setattr(SageMakerResponse, name, patch)
        _installed += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores moto's handlers."""
    global _installed
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _installed == 0:
            return
        _installed -= 1
        if _installed == 0:
            for name in _PATCHES:
                setattr(SageMakerResponse, name, _originals.pop(name))
