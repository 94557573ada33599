"""Pipeline parameters, end to end (issue 15): through a real client with the guard
installed, a pipeline whose security field is a parameter with an allowed default is
created; StartPipelineExecution is judged with the values it passes (the guard
describes the pipeline and judges every step with them): an insecure value is refused
before the execution is sent, an allowed one is sent, and a pipeline that cannot be
described is refused (SM251)."""

from __future__ import annotations

from typing import Any

import pytest

from tests._guarded import Sent, refused, sent_anyway
from tests.controls.test_sm2_pipeline_runs import parameterised

pytestmark = pytest.mark.e2e

TOKEN = "token-0123456789abcdef0123456789"


def _start(name: str, instance: str | None) -> dict[str, Any]:
    values = [] if instance is None else [{"Name": "Instance", "Value": instance}]
    return {"PipelineName": name, "ClientRequestToken": TOKEN, "PipelineParameters": values}


def test_a_parameter_with_an_allowed_default_is_created_and_run_values_are_judged(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    default = {"Name": "Instance", "Type": "String", "DefaultValue": "ml.m5.xlarge"}
    sent_anyway(client.create_pipeline, sent, "CreatePipeline", **parameterised(default))

    err = refused(client.start_pipeline_execution, sent, "SM206", **_start("p1", "ml.p4d.24xlarge"))
    assert [f.field for f in err.findings if f.failed] == [
        "(pipeline).PipelineDefinition.Steps[Train].Arguments.ResourceConfig.InstanceType"
    ]
    assert "ml.p4d" not in str(err)

    result = sent_anyway(client.start_pipeline_execution, sent, "StartPipelineExecution",
                         **_start("p1", "ml.m5.large"))
    assert "PipelineExecutionArn" in result
    sent_anyway(client.start_pipeline_execution, sent, "StartPipelineExecution",
                **_start("p1", None))  # the default runs: judged at creation and now


def test_a_parameter_without_a_default_is_refused_at_creation(sagemaker: tuple[Any, Sent]) -> None:
    client, sent = sagemaker
    err = refused(client.create_pipeline, sent, "SM206",
                  **parameterised({"Name": "Instance", "Type": "String"}))
    (finding,) = [f for f in err.findings if f.failed]
    assert finding.remediation.startswith("Give this field a literal value")


def test_an_execution_of_a_pipeline_that_cannot_be_described_is_refused(
    sagemaker: tuple[Any, Sent],
) -> None:
    client, sent = sagemaker
    refused(client.start_pipeline_execution, sent, "SM251", **_start("no-such-pipeline", None))
