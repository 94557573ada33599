"""SageMaker pipeline definitions, as the engine sees them: each step's ``Arguments``
become the API request the step will send, with pipeline expressions marked
:class:`Unresolved` (their value is only known at execution)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from secure_sagemaker._paths import is_expression

__all__ = [
    "PIPELINE_OPERATIONS",
    "STEP_OPERATIONS",
    "Unresolved",
    "iter_steps",
    "load_pipeline_definition",
    "step_requests",
    "unresolve",
]

PIPELINE_OPERATIONS = frozenset({"CreatePipeline", "UpdatePipeline"})

# pipeline step type -> the API request its Arguments become
STEP_OPERATIONS: Mapping[str, str] = {
    "Training": "CreateTrainingJob",
    "Processing": "CreateProcessingJob",
    "Transform": "CreateTransformJob",
    "Model": "CreateModel",
    "Tuning": "CreateHyperParameterTuningJob",
    "AutoML": "CreateAutoMLJob",
    "ClarifyCheck": "CreateProcessingJob",
    "QualityCheck": "CreateProcessingJob",
}


@attrs.frozen
class Unresolved:
    """A pipeline expression (``{"Get": ...}``, ``{"Std:Join": ...}``) whose value is
    only known when the pipeline executes."""

    expression: str


def unresolve(node: Any) -> Any:
    """Replace pipeline expressions by :class:`Unresolved` markers."""
    if isinstance(node, dict):
        if is_expression(node):
            return Unresolved(next(iter(node)))
        return {k: unresolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [unresolve(v) for v in node]
    return node


def iter_steps(steps: Any, prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, step)`` for every step, Condition ``IfSteps``/``ElseSteps`` included."""
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        if not isinstance(step, Mapping):
            continue
        name = step.get("Name")
        label = f"{prefix}[{name if isinstance(name, str) else i}]"
        yield label, step
        args = step.get("Arguments")
        if step.get("Type") == "Condition" and isinstance(args, Mapping):
            yield from iter_steps(args.get("IfSteps"), f"{label}.Arguments.IfSteps")
            yield from iter_steps(args.get("ElseSteps"), f"{label}.Arguments.ElseSteps")


def load_pipeline_definition(params: Mapping[str, Any]) -> Mapping[str, Any] | str:
    """The parsed inline ``PipelineDefinition``, or a string saying why there is none."""
    raw = params.get("PipelineDefinition")
    if raw is None:
        if params.get("PipelineDefinitionS3Location") is not None:
            return "is stored in S3 and was not fetched; the guard fetches and judges it"
        return "is absent"
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, str):
        return "is not a JSON string"
    try:
        parsed = json.loads(raw)
    except ValueError:
        return "is not valid JSON"
    if not isinstance(parsed, Mapping):
        return "is not a JSON object"
    return parsed


def step_requests(definition: Mapping[str, Any], base: str) -> Iterator[tuple[str, str, Any]]:
    """``(path, operation, arguments)`` for every step whose ``Arguments`` become an
    API request (``path`` is where those arguments sit, below ``base``)."""
    for label, step in iter_steps(definition.get("Steps"), f"{base}.Steps"):
        op = STEP_OPERATIONS.get(str(step.get("Type")))
        args = step.get("Arguments")
        if op is not None and isinstance(args, Mapping):
            yield f"{label}.Arguments", op, args
