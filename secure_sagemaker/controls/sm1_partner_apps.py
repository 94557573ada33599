"""SM14x - partner AI apps: what their configuration holds and who they say a user is
(their key is judged at creation by SM135)."""

from __future__ import annotations

from secure_sagemaker.controls import _checks as c
from secure_sagemaker.rules import Rule, Severity

PARTNER = "CreatePartnerApp"
PARTNER_UPDATE = "UpdatePartnerApp"

RULES: tuple[Rule, ...] = (
    Rule(
        id="SM140",
        name="partner-app-arguments-no-secrets",
        severity=Severity.HIGH,
        title="Partner AI app arguments contain no credentials",
        fields={op: ("ApplicationConfig?.Arguments",) for op in (PARTNER, PARTNER_UPDATE)},
        check=c.no_secrets,
        rationale="A partner app's arguments are stored in plain text and returned by "
        "DescribePartnerApp to anyone allowed to describe it.",
        remediation="Remove the credential from ApplicationConfig.Arguments; store it in "
        "Secrets Manager and pass the secret's ARN instead.",
        references=("Seed:4",),
    ),
    Rule(
        id="SM141",
        name="partner-app-iam-session-identity-kept",
        severity=Severity.MEDIUM,
        title="Updating a partner AI app does not turn off IAM session-based identity",
        fields={PARTNER_UPDATE: ("EnableIamSessionBasedIdentity?",)},
        check=c.optional_equals(True),
        rationale="With session-based identity the app sees each caller's IAM session; "
        "turning it off makes every user the same identity in the app, so its audit trail "
        "and per-user permissions no longer tell people apart.",
        remediation="Leave EnableIamSessionBasedIdentity out of the update, or set it to true.",
        references=("Seed:2", "Seed:6"),
    ),
)
