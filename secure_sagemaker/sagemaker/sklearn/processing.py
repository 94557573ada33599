"""SDK 2.x ``sagemaker.sklearn.processing`` with the secure ``SKLearnProcessor``.

Every other name is the SDK's own.  Raises :class:`ImportError` on import, naming the
extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.sklearn.processing"})

SKLearnProcessor = _base.secure_class(_sdk.SKLearnProcessor, _specs.PROCESSOR, __name__)

__all__ = ["SKLearnProcessor"]
__getattr__ = _base.forward(_sdk)
