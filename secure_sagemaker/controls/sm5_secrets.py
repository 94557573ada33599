"""SM5xx - Secrets Manager, and credentials that must not travel in requests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.controls.sm3_inference import MONITORING_DEFINITIONS
from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail

SECRET_VIEW = "@Secret"  # noqa: S105 - a resource view: DescribeSecret output + AssessedAt

_ENVIRONMENTS: dict[str, tuple[str, ...]] = {
    "CreateTrainingJob": ("Environment", "HyperParameters"),
    "CreateHyperParameterTuningJob": tuple(
        prefix + p
        for prefix in ("TrainingJobDefinition?.", "TrainingJobDefinitions[].")
        for p in ("Environment", "StaticHyperParameters")
    ),
    "CreateProcessingJob": ("Environment",),
    "CreateTransformJob": ("Environment",),
    "CreateModel": ("PrimaryContainer?.Environment", "Containers[].Environment"),
    **{op: (f"{kind}AppSpecification.Environment",) for op, kind in MONITORING_DEFINITIONS.items()},
    "CreateMonitoringSchedule": ("MonitoringScheduleConfig?.MonitoringJobDefinition?.Environment",),
    "UpdateMonitoringSchedule": ("MonitoringScheduleConfig?.MonitoringJobDefinition?.Environment",),
}

_WITHIN_90_DAYS = c.rotation_within(90)
_MANAGED_NAME = re.compile(r"^[a-z0-9-]+!")
"""Secrets another AWS service manages (``rds!db-...``, ``redshift!...``) rotate with
managed rotation, without a Lambda function."""


def rotated_by_something(params: Mapping[str, Any]) -> bool:
    """Whether a RotateSecret request (or a DescribeSecret view) names what rotates the
    secret: a Lambda function, managed external rotation (a partner secret), or the
    AWS service that owns the secret (managed rotation)."""
    lam = params.get("RotationLambdaARN")
    if isinstance(lam, str) and lam.startswith("arn:") and ":lambda:" in lam:
        return True
    if params.get("ExternalSecretRotationRoleArn") or params.get("OwningService"):
        return True
    secret = params.get("SecretId", params.get("Name"))
    if not isinstance(secret, str):
        return False
    return _MANAGED_NAME.match(secret.partition(":secret:")[2] or secret) is not None


def _rotation(value: Any, ctx: Context) -> Verdict:
    """Rotation at least every 90 days, by a function (or managed rotation): a
    schedule alone rotates nothing."""
    verdict = _WITHIN_90_DAYS(value, ctx)
    if not verdict.passed:
        return verdict
    if rotated_by_something(ctx.params):
        return PASS
    return fail(
        "sets a schedule but names no rotation function (RotationLambdaARN), so nothing "
        "rotates the secret"
    )


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM503",
        name="secret-rotated-recently",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secrets were actually rotated within the last 90 days",
        fields={SECRET_VIEW: ("LastRotatedDate",)},
        check=c.changed_within(90, "rotated"),
        rationale="A rotation schedule only helps if rotation succeeds: a failing rotation "
        "function leaves the same credential in use indefinitely.",
        remediation="Check the rotation function's CloudWatch logs, fix it, then run "
        "`aws secretsmanager rotate-secret --secret-id <name>`.",
        references=(
            "Seed:4",
            "SecurityHub:SecretsManager.4",
            "Config:secretsmanager-secret-periodic-rotation",
            "Prowler:secretsmanager_secret_rotated_periodically",
        ),
    ),
    Rule(
        id="SM504",
        name="secret-recently-used",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secrets were used within the last 90 days",
        fields={SECRET_VIEW: ("LastAccessedDate",)},
        check=c.changed_within(90, "accessed"),
        rationale="An unused secret is a credential nobody needs that can still be read "
        "and misused; removing it shrinks what a compromised role can reach.",
        remediation="Delete the secret if nothing uses it (`aws secretsmanager delete-secret "
        "--secret-id <name>`, with a recovery window), or waive SM504 for break-glass secrets.",
        references=(
            "Seed:4",
            "SecurityHub:SecretsManager.3",
            "Config:secretsmanager-secret-unused",
            "Prowler:secretsmanager_secret_unused",
        ),
    ),
    Rule(
        id="SM501",
        name="secret-cmk",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secrets are encrypted with a customer-managed KMS key",
        fields={
            "CreateSecret": ("KmsKeyId",),
            "UpdateSecret": ("KmsKeyId?",),
            SECRET_VIEW: ("KmsKeyId",),
        },
        check=c.customer_kms_key,
        default=c.kms_key("secrets"),
        rationale="A customer key lets you restrict which roles can decrypt a secret, "
        "independently of secretsmanager:GetSecretValue.",
        remediation="Set KmsKeyId to a customer-managed key (policy kms-keys.secrets).",
        references=("Seed:4", "Config:secretsmanager-using-cmk", "Checkov:CKV_AWS_149"),
    ),
    Rule(
        id="SM502",
        name="secret-rotation-90-days",
        severity=Severity.MEDIUM,
        service="secretsmanager",
        title="Secrets rotate automatically at least every 90 days, by a rotation function",
        fields={"RotateSecret": ("RotationRules?",), SECRET_VIEW: ("RotationRules",)},
        check=_rotation,
        rationale="Rotation bounds how long a leaked credential stays useful; a schedule "
        "without a rotation function (or managed rotation) changes nothing.",
        remediation="Call RotateSecret with RotationLambdaARN (omit it only for secrets "
        "another AWS service manages) and RotationRules.AutomaticallyAfterDays <= 90 (or a "
        "schedule that rotates at least that often).",
        references=(
            "Seed:4",
            "SecurityHub:SecretsManager.1",
            "Config:secretsmanager-rotation-enabled-check",
            "Prowler:secretsmanager_automatic_rotation_enabled",
            "Checkov:CKV2_AWS_57",
            "Checkov:CKV_AWS_304",
        ),
    ),
    Rule(
        id="SM510",
        name="no-secrets-in-environment",
        severity=Severity.CRITICAL,
        title="No credentials in environment variables or hyperparameters",
        fields=_ENVIRONMENTS,
        check=c.no_secrets,
        rationale="Environment variables and hyperparameters are returned in plain text by "
        "Describe* calls, shown in the console and copied into logs and lineage.",
        remediation="Store the credential in Secrets Manager and pass a reference "
        "(secure_sagemaker.SecretRef(name)); resolve it in the container at run time.",
        references=("Seed:4",),
    ),
)
