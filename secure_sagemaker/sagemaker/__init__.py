"""The SageMaker Python SDK's own classes, under their own names, with the policy's values.

Swap the import, keep the script::

    from sagemaker.pytorch import PyTorch                      # before
    from secure_sagemaker.sagemaker.pytorch import PyTorch     # after

SDK 2.x: :mod:`.estimator`, :mod:`.pytorch`, :mod:`.xgboost`, :mod:`.sklearn`,
:mod:`.huggingface`, :mod:`.tensorflow`, :mod:`.model`, :mod:`.tuner`,
:mod:`.transformer`, :mod:`.processing`, :mod:`.workflow`.  SDK 3.x: :mod:`.train`
(``ModelTrainer``), :mod:`.serve` (``ModelBuilder``), :mod:`.transformer`.

Each class *is* the SDK's class, subclassed only to fill the policy's subnets,
security groups, KMS keys, network isolation and inter-container encryption into
its constructor's arguments and to judge them with the catalog: an explicit
insecure argument raises :class:`~secure_sagemaker.InsecureRequestError` at
construction, naming the argument (never its value).  Everything else - ``fit``,
tuners, ``PipelineSession`` step arguments, ``deploy``, ``transformer()`` - is the
SDK's own behaviour.  The first secure class constructed installs the guard
(:func:`secure_sagemaker.install`) with the same policy when none is installed.

This package imports no SDK; each submodule imports it on import and raises
:class:`ImportError` naming the extra to install (``secure-sagemaker[v2]`` or
``[v3]``) when it is missing or of the other major version.
"""

from __future__ import annotations

__all__: list[str] = []
