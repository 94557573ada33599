"""CloudFormation templates that deploy secure-sagemaker outside Python.

:func:`detector_template` is the event-driven detector (``secure-sagemaker watch
template``); the building blocks in :mod:`secure_sagemaker.deploy._cfn` (code
parameters, encrypted queue, least-privilege service role) are shared by every
template.
"""

from __future__ import annotations

from secure_sagemaker.deploy._detector import SINKS, detector_policy, detector_template

__all__ = ["SINKS", "detector_policy", "detector_template"]
