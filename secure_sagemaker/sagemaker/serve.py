"""SDK 3.x ``sagemaker.serve`` with the secure ``ModelBuilder``.

Every other name is the SDK's own (``sagemaker.serve``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 3.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {3: "sagemaker.serve"})

ModelBuilder = _base.secure_class(_sdk.ModelBuilder, _specs.MODEL_BUILDER, __name__)

__all__ = ["ModelBuilder"]
__getattr__ = _base.forward(_sdk)
