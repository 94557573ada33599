"""The operation registry's data: how each watched service's operations are classified.

One module per service, each defining ``SERVICE`` (a
:class:`~secure_sagemaker._operations.ServiceOperations`).  The stances:

==================  ==============================================================
``refuse``          sagemaker, s3control, secretsmanager, iam: every unclassified
                    mutating operation is refused (SM000)
``protected``       s3 (artifact buckets), kms (the policy's keys): refused when the
                    request targets a protected resource, else logged (SM001)
``log``             ec2, apigateway, logs, wafv2, cloudformation, sts,
                    sagemaker-runtime: logged (SM001), refused only with
                    ``block_at = "low"``
==================  ==============================================================

``tests/test_operations.py`` fails when the installed botocore has an operation
none of these tables (or a rule) classifies, and prints the list to classify.
"""

from __future__ import annotations

from secure_sagemaker._operations import ServiceOperations
from secure_sagemaker.controls.operations import (
    apigateway,
    cloudformation,
    ec2,
    iam,
    kms,
    logs,
    s3,
    s3control,
    sagemaker,
    sagemaker_runtime,
    secretsmanager,
    sts,
    wafv2,
)

__all__ = ["SERVICES", "SERVICE_IDS"]

SERVICES: tuple[ServiceOperations, ...] = tuple(
    m.SERVICE
    for m in (
        sagemaker,
        s3,
        s3control,
        kms,
        secretsmanager,
        iam,
        ec2,
        apigateway,
        logs,
        wafv2,
        sts,
        sagemaker_runtime,
        cloudformation,
    )
)
"""Every watched service, SageMaker first (an operation name two services share
resolves to the first, unless the caller names the service)."""

SERVICE_IDS: dict[str, str] = {s.service: s.service for s in SERVICES} | {
    "s3control": "s3-control",
    "secretsmanager": "secrets-manager",
    "apigateway": "api-gateway",
    "logs": "cloudwatch-logs",
}
"""Botocore service name -> the hyphenized service ID botocore emits events under
(``before-parameter-build.s3-control.PutPublicAccessBlock``); a test checks each
against the installed models."""
