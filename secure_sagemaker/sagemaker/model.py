"""SDK 2.x ``sagemaker.model`` with the secure ``Model`` and ``FrameworkModel``.

Every other name is the SDK's own (``sagemaker.model``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.model"})

Model = _base.secure_class(_sdk.Model, _specs.MODEL, __name__)
FrameworkModel = _base.secure_class(_sdk.FrameworkModel, _specs.MODEL, __name__)

__all__ = ["FrameworkModel", "Model"]
__getattr__ = _base.forward(_sdk)
