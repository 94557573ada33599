"""An adaptation of the emulator (moto), never of the product: moto's CreateModel
ignores ``EnableNetworkIsolation``, so DescribeModel always says ``false`` and an
audit of an embedded account would flag every model.  While an
:class:`~secure_sagemaker.testing.EmbeddedAWS` runs, the flag is kept as sent.
"""

from __future__ import annotations

from typing import Any

_original: Any = None


def _create_model(self: Any) -> Any:
    result = _original(self)
    name = self._get_param("ModelName")
    model = self.sagemaker_backend._models.get(name)
    if model is not None:
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


def install() -> None:
    """Patch moto's SageMaker CreateModel handler (idempotent)."""
    global _original
    from moto.sagemaker.responses import SageMakerResponse

    if _original is None:
        _original = SageMakerResponse.create_model
        SageMakerResponse.create_model = _create_model  # type: ignore[method-assign]


def uninstall() -> None:
    """Restore moto's handler (idempotent)."""
    global _original
    from moto.sagemaker.responses import SageMakerResponse

    if _original is not None:
        SageMakerResponse.create_model = _original  # type: ignore[method-assign]
        _original = None
