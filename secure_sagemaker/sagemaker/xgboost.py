"""SDK 2.x ``sagemaker.xgboost`` with the secure
``XGBoost``, ``XGBoostModel`` and ``XGBoostProcessor``.

Every other name is the SDK's own (``sagemaker.xgboost``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.xgboost"})

XGBoost = _base.secure_class(_sdk.XGBoost, _specs.TRAINING, __name__)
XGBoostModel = _base.secure_class(_sdk.XGBoostModel, _specs.MODEL, __name__)
XGBoostProcessor = _base.secure_class(_sdk.XGBoostProcessor, _specs.PROCESSOR, __name__)

__all__ = ["XGBoost", "XGBoostModel", "XGBoostProcessor"]
__getattr__ = _base.forward(_sdk)
