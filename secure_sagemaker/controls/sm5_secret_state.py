"""SM540-SM549: secret state only an audit can judge (``@Secret`` views): who a
secret's resource policy lets in.

The guard refuses a resource policy that opens a secret (SM520); these rules find one
a secret already has.  In the view, ``ResourcePolicy`` is ``""`` when the secret has
no resource policy (passes) and absent when it was not read (no verdict here; the
audit reports it as ``error``).  The views are described in
:mod:`secure_sagemaker.controls._views`.
"""

from __future__ import annotations

from typing import Any

from secure_sagemaker.controls._principals import analyze
from secure_sagemaker.controls._views import SECRET
from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail


def _resource_policy(value: Any, ctx: Context) -> Verdict:
    if value == "":
        return PASS  # no resource policy: only the account's own IAM policies grant access
    exposure = analyze(value, ctx.policy.trusted_accounts)
    if exposure.access == "private":
        return PASS
    return fail(f"makes the secret policy {exposure.access}: it {exposure.reason}", exposure.where)


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM540",
        name="secret-policy-private-state",
        severity=Severity.CRITICAL,
        service="secretsmanager",
        title="Secret resource policies grant no public or cross-account access",
        fields={SECRET: ("ResourcePolicy?",)},
        check=_resource_policy,
        rationale="A secret's resource policy decides who can read the credential: a "
        "wildcard principal or a foreign account reads it with no change on your side; "
        "the guard refuses such a policy (SM520), the audit finds one that is already "
        "there.",
        remediation="Rewrite the resource policy (PutResourcePolicy with "
        "BlockPublicPolicy=true) so it names only principals of the policy's "
        "trusted-accounts (default: the audited account) or AWS services, or pins a "
        "wildcard principal with aws:PrincipalOrgID or aws:PrincipalAccount; or delete it "
        "(DeleteResourcePolicy).",
        references=("Seed:2", "Seed:4", "Prowler:secretsmanager_not_publicly_accessible"),
    ),
)
