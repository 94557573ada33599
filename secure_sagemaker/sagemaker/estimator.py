"""SDK 2.x ``sagemaker.estimator`` with the secure ``Estimator``.

Every other name is the SDK's own (``sagemaker.estimator``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.estimator"})

Estimator = _base.secure_class(_sdk.Estimator, _specs.TRAINING, __name__)

__all__ = ["Estimator"]
__getattr__ = _base.forward(_sdk)
