"""SageMaker pipeline definitions, as the engine sees them: each step's ``Arguments``
become the API request the step will send, with pipeline expressions marked
:class:`Unresolved` (their value is only known at execution)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from secure_sagemaker._paths import MAX_DEPTH, copy_structure, is_expression, too_deep

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

_TOO_DEEP = f"nests deeper than {MAX_DEPTH} levels"

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
    """Replace pipeline expressions by :class:`Unresolved` markers (in a copy)."""
    return copy_structure(node, _marker)


def _marker(node: Mapping[str, Any]) -> Unresolved | None:
    return Unresolved(next(iter(node))) if is_expression(node) else None


def iter_steps(steps: Any, prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(label, step)`` for every step, Condition ``IfSteps``/``ElseSteps`` included
    (each right after its Condition step; iterative, so no nesting is too deep)."""
    pending: list[tuple[Iterator[tuple[int, Any]], str]] = []
    if isinstance(steps, list):
        pending.append((enumerate(steps), prefix))
    while pending:
        items, where = pending[-1]
        i, step = next(items, (-1, None))
        if i < 0:
            pending.pop()
            continue
        if not isinstance(step, Mapping):
            continue
        name = step.get("Name")
        label = f"{where}[{name if isinstance(name, str) else i}]"
        yield label, step
        args = step.get("Arguments")
        if step.get("Type") == "Condition" and isinstance(args, Mapping):
            for branch in ("ElseSteps", "IfSteps"):  # IfSteps on top: walked first
                if isinstance(args.get(branch), list):
                    pending.append((enumerate(args[branch]), f"{label}.Arguments.{branch}"))


def load_pipeline_definition(params: Mapping[str, Any]) -> Mapping[str, Any] | str:
    """The parsed inline ``PipelineDefinition``, or a string saying why there is none."""
    raw = params.get("PipelineDefinition")
    if raw is None:
        if params.get("PipelineDefinitionS3Location") is not None:
            return "is stored in S3 and was not fetched; the guard fetches and judges it"
        return "is absent"
    if isinstance(raw, Mapping):
        parsed: Any = raw
    elif not isinstance(raw, str):
        return "is not a JSON string"
    else:
        try:
            parsed = json.loads(raw)
        except ValueError:
            return "is not valid JSON"
        except RecursionError:  # the json module recurses once per level
            return _TOO_DEEP
    if not isinstance(parsed, Mapping):
        return "is not a JSON object"
    if too_deep(parsed):
        return _TOO_DEEP
    return parsed


def step_requests(definition: Mapping[str, Any], base: str) -> Iterator[tuple[str, str, Any]]:
    """``(path, operation, arguments)`` for every step whose ``Arguments`` become an
    API request (``path`` is where those arguments sit, below ``base``)."""
    for label, step in iter_steps(definition.get("Steps"), f"{base}.Steps"):
        op = STEP_OPERATIONS.get(str(step.get("Type")))
        args = step.get("Arguments")
        if op is not None and isinstance(args, Mapping):
            yield f"{label}.Arguments", op, args
