"""SDK 2.x ``sagemaker.tensorflow`` with the secure
``TensorFlow``, ``TensorFlowModel`` and ``TensorFlowProcessor``.

Every other name is the SDK's own (``sagemaker.tensorflow``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.tensorflow"})

TensorFlow = _base.secure_class(_sdk.TensorFlow, _specs.TRAINING, __name__)
TensorFlowModel = _base.secure_class(_sdk.TensorFlowModel, _specs.MODEL, __name__)
TensorFlowProcessor = _base.secure_class(_sdk.TensorFlowProcessor, _specs.PROCESSOR, __name__)

__all__ = ["TensorFlow", "TensorFlowModel", "TensorFlowProcessor"]
__getattr__ = _base.forward(_sdk)
