"""SDK 2.x ``sagemaker.processing`` with the secure ``Processor``,
``ScriptProcessor`` and ``FrameworkProcessor``.

Every other name is the SDK's own (``sagemaker.processing``).  Raises :class:`ImportError` on
import, naming the extra to install, without SageMaker Python SDK 2.x.
"""

from __future__ import annotations

from secure_sagemaker.sagemaker import _base, _specs

_sdk = _base.require(__name__, {2: "sagemaker.processing"})

Processor = _base.secure_class(_sdk.Processor, _specs.PROCESSOR, __name__)
ScriptProcessor = _base.secure_class(_sdk.ScriptProcessor, _specs.PROCESSOR, __name__)
FrameworkProcessor = _base.secure_class(_sdk.FrameworkProcessor, _specs.PROCESSOR, __name__)

__all__ = ["FrameworkProcessor", "Processor", "ScriptProcessor"]
__getattr__ = _base.forward(_sdk)
