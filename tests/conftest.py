"""Shared fixtures: one embedded AWS emulator (moto over HTTPS) for the whole run.

``aws`` starts it once per test session (per xdist worker) and points the
process at it through the environment (restored at the end); ``fresh_aws`` is
the same server with every moto backend reset before the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import secure_sagemaker as ss
from secure_sagemaker.testing import EmbeddedAWS, environment
from tests._examples import POLICY
from tests._guarded import Sent

# a developer's own profile or config must never steer the tests
_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION")


@pytest.fixture(scope="session")
def aws() -> Iterator[EmbeddedAWS]:
    """The emulator for the whole session; its env() is set in ``os.environ``."""
    with EmbeddedAWS() as server, environment(server.env(), clear=_CLEARED):
        yield server


@pytest.fixture
def fresh_aws(aws: EmbeddedAWS) -> EmbeddedAWS:
    """The session's emulator with all moto state reset before the test."""
    aws.reset()
    return aws


@pytest.fixture
def sagemaker(fresh_aws: EmbeddedAWS) -> Iterator[tuple[Any, Sent]]:
    """A SageMaker client of the fresh emulator under ``ss.install(POLICY)``, and what
    it sends (the end-to-end guard tests' client)."""
    ss.install(POLICY)
    client = fresh_aws.session().client("sagemaker", region_name="us-east-1")
    try:
        yield client, Sent(client)
    finally:
        ss.uninstall()
