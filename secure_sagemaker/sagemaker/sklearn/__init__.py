"""SDK 2.x ``sagemaker.sklearn`` with the secure ``SKLearn``, ``SKLearnModel`` and
``SKLearnProcessor`` (also importable from :mod:`.processing`, like the SDK's).

Every other name is the SDK's own (``sagemaker.sklearn``).  Raises :class:`ImportError`
on import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs
from secure_sagemaker.sagemaker.sklearn.processing import SKLearnProcessor

_sdk = _base.require(__name__, {2: "sagemaker.sklearn"})

SKLearn = _base.secure_class(_sdk.SKLearn, _specs.TRAINING, __name__)
SKLearnModel = _base.secure_class(_sdk.SKLearnModel, _specs.MODEL, __name__)

__all__ = ["SKLearn", "SKLearnModel", "SKLearnProcessor"]
__getattr__ = _base.forward(_sdk)
