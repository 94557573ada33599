"""The catalog: every rule, as data, one table per concern.

=========  ==============================================================
``SM1xx``  notebook instances, lifecycle configs, Studio domains
``SM2xx``  training, processing, transform, tuning, AutoML, labeling jobs;
           pipelines
``SM3xx``  models, endpoint configs, inference experiments, monitoring
``SM4xx``  S3 artifact buckets, KMS keys, feature-store encryption
``SM5xx``  secrets: Secrets Manager and credentials in requests
``SM7xx``  network and region
=========  ==============================================================

IDs are stable: never reuse or renumber one.
"""

from __future__ import annotations

from secure_sagemaker.controls.account import RULES as _ACCOUNT
from secure_sagemaker.controls.exposure import RULES as _EXPOSURE
from secure_sagemaker.controls.iam import RULES as _IAM
from secure_sagemaker.controls.inference import RULES as _INFERENCE
from secure_sagemaker.controls.jobs import PIPELINE_RULE_ID
from secure_sagemaker.controls.jobs import RULES as _JOBS
from secure_sagemaker.controls.network import region_rule
from secure_sagemaker.controls.notebooks import RULES as _NOTEBOOKS
from secure_sagemaker.controls.secrets import RULES as _SECRETS
from secure_sagemaker.controls.storage import RULES as _STORAGE
from secure_sagemaker.controls.vpc import RULES as _VPC
from secure_sagemaker.rules import Rule

__all__ = ["CATALOG", "PIPELINE_RULE_ID"]

_REQUEST_RULES: tuple[Rule, ...] = _NOTEBOOKS + _JOBS + _INFERENCE + _STORAGE + _SECRETS
_REQUEST_RULES += _ACCOUNT
_REQUEST_RULES += _EXPOSURE
_REQUEST_RULES += _VPC
_REQUEST_RULES += _IAM

CATALOG: tuple[Rule, ...] = tuple(
    sorted((*_REQUEST_RULES, region_rule(_REQUEST_RULES)), key=lambda r: r.id)
)
