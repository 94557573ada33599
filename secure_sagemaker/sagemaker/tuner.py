"""SDK 2.x ``sagemaker.tuner``: ``HyperparameterTuner`` is the SDK's own class.

A tuner runs the training jobs of the estimator it is given; pass it a secure
estimator (:mod:`secure_sagemaker.sagemaker.estimator` or a framework module) and
its training job definition carries the policy's values.

Every other name is the SDK's own (``sagemaker.tuner``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base

_sdk = _base.require(__name__, {2: "sagemaker.tuner"})

HyperparameterTuner = _sdk.HyperparameterTuner

__all__ = ["HyperparameterTuner"]
__getattr__ = _base.forward(_sdk)
