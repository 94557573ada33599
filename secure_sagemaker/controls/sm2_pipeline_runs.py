"""SM251 - a pipeline execution is judged with the values it runs with.

``StartPipelineExecution`` may give every pipeline parameter a new value, and a
parameter can stand in a security field (a subnet, a KMS key, an image).  The guard
fetches the pipeline's definition (:mod:`secure_sagemaker._guard_fetch`), sets the
execution's values as the parameters' ``DefaultValue``s and judges it as the
CreatePipeline request it would be: every step with every rule (:data:`RELATED`).
"""

from __future__ import annotations

from collections.abc import Mapping

from secure_sagemaker.controls._related import described, related
from secure_sagemaker.rules import Related, Rule, Severity

START = "StartPipelineExecution"
PIPELINE_KEY = "@Pipeline"
"""Where the guard puts the pipeline, with this execution's values, in the judged copy."""

RELATED: Mapping[str, Related] = {
    START: related(PIPELINE_KEY, "CreatePipeline", "(pipeline)"),
}
"""StartPipelineExecution -> the pipeline it runs, judged with this execution's values."""


RULES: tuple[Rule, ...] = (
    Rule(
        id="SM251",
        name="pipeline-execution-judged",
        severity=Severity.HIGH,
        title="A pipeline execution is judged with the parameter values it runs with",
        fields={START: ("PipelineName",)},
        check=described(
            PIPELINE_KEY,
            "names a pipeline that could not be described, so the values this execution "
            "runs with cannot be judged",
        ),
        rationale="A pipeline parameter can stand in a security field; its DefaultValue "
        "is judged when the pipeline is created, but StartPipelineExecution may pass any "
        "other value. The guard describes the pipeline (the version the execution names) "
        "and judges every step with the values given, and the execution's RoleArn.",
        remediation="Pass PipelineParameters whose values pass the rules of the fields "
        "they stand in, and name a pipeline the caller may describe "
        "(sagemaker:DescribePipeline).",
        references=("Seed:1", "Seed:3"),
    ),
)
