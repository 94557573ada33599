"""The secure ``Transformer``: SDK 2.x ``sagemaker.transformer.Transformer`` or SDK 3.x
``sagemaker.core.transformer.Transformer``, whichever SDK is installed.

``Estimator.transformer()`` and ``Model.transformer()`` return the SDK's own class;
the guard fills and judges their transform jobs when they are sent.  Every other
name is the SDK's own.  Raises :class:`ImportError` on import, naming the extra to
install, without the SageMaker Python SDK.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.transformer", 3: "sagemaker.core.transformer"})

Transformer = _base.secure_class(_sdk.Transformer, _specs.TRANSFORMER, __name__)

__all__ = ["Transformer"]
__getattr__ = _base.forward(_sdk)
