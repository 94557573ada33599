"""SDK 2.x ``sagemaker.pytorch`` with the secure
``PyTorch``, ``PyTorchModel`` and ``PyTorchProcessor``.

Every other name is the SDK's own (``sagemaker.pytorch``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.pytorch"})

PyTorch = _base.secure_class(_sdk.PyTorch, _specs.TRAINING, __name__)
PyTorchModel = _base.secure_class(_sdk.PyTorchModel, _specs.MODEL, __name__)
PyTorchProcessor = _base.secure_class(_sdk.PyTorchProcessor, _specs.PROCESSOR, __name__)

__all__ = ["PyTorch", "PyTorchModel", "PyTorchProcessor"]
__getattr__ = _base.forward(_sdk)
