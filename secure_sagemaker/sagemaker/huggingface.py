"""SDK 2.x ``sagemaker.huggingface`` with the secure
``HuggingFace``, ``HuggingFaceModel`` and ``HuggingFaceProcessor``.

Every other name is the SDK's own (``sagemaker.huggingface``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.huggingface"})

HuggingFace = _base.secure_class(_sdk.HuggingFace, _specs.TRAINING, __name__)
HuggingFaceModel = _base.secure_class(_sdk.HuggingFaceModel, _specs.MODEL, __name__)
HuggingFaceProcessor = _base.secure_class(_sdk.HuggingFaceProcessor, _specs.PROCESSOR, __name__)

__all__ = ["HuggingFace", "HuggingFaceModel", "HuggingFaceProcessor"]
__getattr__ = _base.forward(_sdk)
