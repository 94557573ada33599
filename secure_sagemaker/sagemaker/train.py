"""SDK 3.x ``sagemaker.train`` with the secure ``ModelTrainer``.

Every other name is the SDK's own (``sagemaker.train``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 3.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {3: "sagemaker.train"})

ModelTrainer = _base.secure_class(_sdk.ModelTrainer, _specs.MODEL_TRAINER, __name__)

__all__ = ["ModelTrainer"]
__getattr__ = _base.forward(_sdk)
