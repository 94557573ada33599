"""SM7xx - network and region rules that span every judged operation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from secure_sagemaker.rules import PASS, Context, Rule, Severity, Verdict, fail

REGION_FIELD = "$region"
# global services: their clients have no meaningful region (aws-global)
GLOBAL_SERVICES = frozenset({"iam"})


def _region_allowed(value: Any, ctx: Context) -> Verdict:
    if ctx.region is None or ctx.region in ctx.policy.allowed_regions:
        return PASS
    return fail("is not one of the policy's allowed regions")


def region_rule(rules: Iterable[Rule]) -> Rule:
    """SM701, judging the client's region on every operation the other rules judge."""
    ops = sorted(
        {
            op
            for r in rules
            if r.service not in GLOBAL_SERVICES
            for op in r.fields
            if not op.startswith("@")
        }
    )
    return Rule(
        id="SM701",
        name="region-allowed",
        severity=Severity.HIGH,
        service="*",
        title="Requests go only to the policy's allowed regions",
        fields={op: (REGION_FIELD,) for op in ops},
        check=_region_allowed,
        applies=lambda params, policy: bool(policy.allowed_regions),
        rationale="Data residency: training data and models must stay in approved regions.",
        remediation="Create the client in one of the policy's allowed-regions.",
        references=("Seed:1",),
    )
