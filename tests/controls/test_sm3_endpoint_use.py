"""SM37x examples: the endpoint config an endpoint serves from is judged with the
CreateEndpoint / UpdateEndpoint request (the guard fetches it under
``@EndpointConfig``; ``None`` there means it could not be described)."""

from __future__ import annotations

from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import POLICY, endpoint_config
from tests.controls._check import check_example

ENDPOINT = {"EndpointName": "ep-1", "EndpointConfigName": "epc-1"}

EXAMPLES: dict[str, tuple[str, dict[str, Any] | None, dict[str, Any]]] = {
    "SM370": ("UpdateEndpoint", dict(ENDPOINT), {**ENDPOINT, "@EndpointConfig": None}),
}


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_secure_example_passes_and_insecure_example_fails(rule_id: str) -> None:
    check_example(rule_id, EXAMPLES[rule_id])


def _described(**kw: Any) -> dict[str, Any]:
    """An endpoint config as DescribeEndpointConfig returns it (no tags)."""
    config = endpoint_config(**kw)
    config.pop("Tags")
    return {**config, "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:1:endpoint-config/epc-1"}


@pytest.mark.parametrize("operation", ["CreateEndpoint", "UpdateEndpoint"])
def test_the_fetched_config_is_judged_with_every_create_endpoint_config_rule(
    operation: str,
) -> None:
    secure = ss.evaluate(operation, {**ENDPOINT, "@EndpointConfig": _described()}, POLICY)
    nested = [f for f in secure if f.field.startswith("(endpoint config).")]
    assert nested and all(f.status == "pass" for f in nested), nested
    assert not any(f.rule_id == "SM299" for f in nested)  # tags are not in Describe output

    insecure = _described()
    del insecure["KmsKeyId"], insecure["DataCaptureConfig"]
    found = ss.evaluate(operation, {**ENDPOINT, "@EndpointConfig": insecure}, POLICY)
    failed = {f.rule_id: f.field for f in found if f.failed}
    nested_failed = {r for r, field in failed.items() if field.startswith("(endpoint config).")}
    assert nested_failed == {"SM310", "SM311"}  # no customer key, no data capture
    assert "SM370" not in failed  # it was fetched: the config's own rules speak


def test_pure_evaluate_without_the_fetched_config_judges_the_request_only() -> None:
    found = ss.evaluate("CreateEndpoint", dict(ENDPOINT), POLICY)
    assert {f.rule_id: f.status for f in found if f.rule_id == "SM370"} == {"SM370": "pass"}
    assert not any(f.field.startswith("(endpoint config)") for f in found)
