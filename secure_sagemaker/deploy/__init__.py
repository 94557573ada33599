"""CloudFormation templates that deploy secure-sagemaker outside Python.

:func:`detector_template` is the event-driven detector (``secure-sagemaker watch
template``), :func:`audit_template` and :func:`member_template` the distributed
organisation audit and its member-account role (``secure-sagemaker audit
template``); the building blocks in :mod:`secure_sagemaker.deploy._cfn` (code
parameters, encrypted queue, least-privilege service role) are shared by every
template.
"""

from __future__ import annotations

from secure_sagemaker.deploy._audit import audit_template
from secure_sagemaker.deploy._auditor import auditor_policy, member_template
from secure_sagemaker.deploy._detector import SINKS, detector_policy, detector_template

__all__ = [
    "SINKS",
    "audit_template",
    "auditor_policy",
    "detector_policy",
    "detector_template",
    "member_template",
]
