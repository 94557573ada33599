"""An adaptation of the emulator (moto), never of the product: moto's CreateModel
ignores ``EnableNetworkIsolation``, so DescribeModel always says ``false`` and an
audit of an embedded account would flag every model.  While an
:class:`~secure_sagemaker.testing.EmbeddedAWS` runs, the flag is kept as sent.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_installed = 0
_original: Any = None


def _create_model(self: Any) -> Any:
    result = _original(self)
    model = self.sagemaker_backend._models.get(self._get_param("ModelName"))
    if model is not None:
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


def install() -> None:
    """Patch moto's SageMaker CreateModel handler (reference-counted, like
    :mod:`secure_sagemaker._testing_s3policy`)."""
    global _installed, _original
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _installed == 0:
            _original = SageMakerResponse.create_model
            SageMakerResponse.create_model = _create_model  # type: ignore[method-assign]
        _installed += 1


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores moto's handler."""
    global _installed, _original
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _installed == 0:
            return
        _installed -= 1
        if _installed == 0:
            SageMakerResponse.create_model = _original  # type: ignore[method-assign]
            _original = None
