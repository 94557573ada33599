"""Examples beside each rule ID range: one secure and one insecure request per rule."""

from __future__ import annotations

from typing import Any

from tests.controls import (
    test_sm0_operations,
    test_sm1_access,
    test_sm1_notebooks,
    test_sm1_partner_apps,
    test_sm1_studio_spaces,
    test_sm2_destinations,
    test_sm2_hyperpod,
    test_sm2_job_sources,
    test_sm2_jobs,
    test_sm2_more_jobs,
    test_sm2_pipeline_runs,
    test_sm2_provisioning,
    test_sm2_remaining,
    test_sm2_runnable,
    test_sm3_components,
    test_sm3_endpoint_use,
    test_sm3_gateways,
    test_sm3_inference,
    test_sm3_resource_policies,
    test_sm4_bucket_guard,
    test_sm4_key_bucket_state,
    test_sm4_key_guard,
    test_sm4_storage,
    test_sm5_secret_guard,
    test_sm5_secret_state,
    test_sm5_secrets,
    test_sm6_trails,
    test_sm7_network,
    test_sm8_exposure,
)

Example = tuple[str, dict[str, Any] | None, dict[str, Any]]


def all_examples() -> dict[str, Example]:
    """Every range's examples (the IAM policy ones live in tests/test_iam_rules.py)."""
    from tests.test_iam_rules import EXAMPLES as IAM  # a test module: loaded on demand

    out: dict[str, Example] = {}
    for table in (
        test_sm0_operations.EXAMPLES,
        test_sm1_notebooks.EXAMPLES,
        test_sm1_access.EXAMPLES,
        test_sm1_studio_spaces.EXAMPLES,
        test_sm2_jobs.EXAMPLES,
        test_sm2_hyperpod.EXAMPLES,
        test_sm2_destinations.EXAMPLES,
        test_sm2_more_jobs.EXAMPLES,
        test_sm2_pipeline_runs.EXAMPLES,
        test_sm2_remaining.EXAMPLES,
        test_sm2_runnable.EXAMPLES,
        test_sm3_inference.EXAMPLES,
        test_sm3_components.EXAMPLES,
        test_sm3_endpoint_use.EXAMPLES,
        test_sm3_resource_policies.EXAMPLES,
        test_sm4_storage.EXAMPLES,
        test_sm4_bucket_guard.EXAMPLES,
        test_sm4_key_guard.EXAMPLES,
        test_sm4_key_bucket_state.EXAMPLES,
        test_sm5_secrets.EXAMPLES,
        test_sm5_secret_guard.EXAMPLES,
        test_sm5_secret_state.EXAMPLES,
        test_sm6_trails.EXAMPLES,
        test_sm7_network.EXAMPLES,
        test_sm8_exposure.EXAMPLES,
        test_sm1_partner_apps.EXAMPLES,
        test_sm2_provisioning.EXAMPLES,
        test_sm2_job_sources.EXAMPLES,
        test_sm3_gateways.EXAMPLES,
        IAM,
    ):
        assert not set(table) & set(out), "an example is defined twice"
        out.update(table)
    return out
