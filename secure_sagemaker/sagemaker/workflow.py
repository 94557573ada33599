"""SDK 2.x ``sagemaker.workflow``, re-exported: pipelines, steps, conditions, parameters.

``from secure_sagemaker.sagemaker.workflow.steps import TrainingStep`` is
``sagemaker.workflow.steps.TrainingStep``: importing this module imports the SDK's
workflow modules and registers each under this package's name (the same module
objects, not copies).  Nothing here needs securing: a ``PipelineSession`` makes
the secure classes return step arguments, and the guard judges every step of
``CreatePipeline``/``UpdatePipeline`` against the policy.  Raises
:class:`ImportError` on import, naming the extra to install, without SageMaker
Python SDK 2.x.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys

from secure_sagemaker.sagemaker import _base

_sdk = _base.require(__name__, {2: "sagemaker.workflow"})
_logger = logging.getLogger("secure_sagemaker.sagemaker")


def _alias_submodules() -> None:
    for info in pkgutil.walk_packages(_sdk.__path__, f"{_sdk.__name__}."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency of one workflow module
            _logger.debug("%s: not importable, not re-exported", info.name)
            continue
        sys.modules.setdefault(__name__ + info.name[len(_sdk.__name__) :], module)


_alias_submodules()

__getattr__ = _base.forward(_sdk)
