"""CreateEndpoint / UpdateEndpoint judge the endpoint config they point at (issue 14),
end to end: the config is created *outside* the guard (as the console or Terraform
would), then an endpoint is created or switched to it through a guarded client.  The
guard describes the config with the caller's credentials and judges it with every
CreateEndpointConfig rule; the endpoint request is refused before it is sent (the
guarded client sends nothing) or sent when the config is secure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import secure_sagemaker as ss
from tests._examples import POLICY, endpoint_config, model
from tests._guarded import Sent, refused, sent_anyway

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(fresh_aws: Any) -> Iterator[tuple[Any, Sent]]:
    raw = fresh_aws.session().client("sagemaker", region_name="us-east-1")
    raw.create_model(**model())
    insecure = endpoint_config(EndpointConfigName="made-outside")
    del insecure["KmsKeyId"], insecure["DataCaptureConfig"]
    raw.create_endpoint_config(**insecure)  # no guard yet: the console's view
    raw.create_endpoint_config(**endpoint_config(EndpointConfigName="made-secure"))
    ss.install(POLICY)
    client = fresh_aws.session().client("sagemaker", region_name="us-east-1")
    try:
        yield client, Sent(client)
    finally:
        ss.uninstall()


def _endpoint(config: str) -> dict[str, Any]:
    return {"EndpointName": "ep-1", "EndpointConfigName": config,
            "Tags": [{"Key": "owner", "Value": "ml-team"}]}


def test_create_endpoint_on_a_config_made_outside_the_guard_is_refused(
    seeded: tuple[Any, Sent],
) -> None:
    client, sent = seeded
    err = refused(client.create_endpoint, sent, "SM310", **_endpoint("made-outside"))
    failed = {f.rule_id: f.field for f in err.findings if f.failed}
    # moto describes an absent DataCaptureConfig as an empty one: its fields fail too
    assert {"SM310", "SM311"} <= set(failed)
    assert all(field.startswith("(endpoint config).") for field in failed.values()), failed
    assert "made-outside" not in str(err)  # identifiers from the request are values too


def test_create_endpoint_on_a_secure_config_is_sent(seeded: tuple[Any, Sent]) -> None:
    client, sent = seeded
    result = sent_anyway(client.create_endpoint, sent, "CreateEndpoint", **_endpoint("made-secure"))
    assert "EndpointArn" in result


def test_a_config_that_cannot_be_described_is_refused(seeded: tuple[Any, Sent]) -> None:
    client, sent = seeded
    refused(client.create_endpoint, sent, "SM370", **_endpoint("does-not-exist"))


def test_update_endpoint_judges_the_config_it_switches_to(seeded: tuple[Any, Sent]) -> None:
    client, sent = seeded
    refused(client.update_endpoint, sent, "SM311", EndpointName="ep-1",
            EndpointConfigName="made-outside")
    # moto lacks UpdateEndpoint: the secure switch is only asserted sent
    sent_anyway(client.update_endpoint, sent, "UpdateEndpoint", EndpointName="ep-1",
                EndpointConfigName="made-secure")


def test_an_unreadable_config_fails_closed_in_warn_mode_too_but_is_logged(
    fresh_aws: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ss.install(ss.SecurityPolicy(mode="warn"))
    try:
        client = fresh_aws.session().client("sagemaker", region_name="us-east-1")
        sent = Sent(client)
        with caplog.at_level("WARNING", logger="secure_sagemaker.guard"):
            sent_anyway(client.create_endpoint, sent, "CreateEndpoint", EndpointName="ep-2",
                        EndpointConfigName="does-not-exist")
    finally:
        ss.uninstall()
    assert "could not be described (ClientError)" in caplog.text
    assert "SM370" in caplog.text and "does-not-exist" not in caplog.text
