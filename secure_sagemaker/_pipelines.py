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
    "RegisterModel": "CreateModelPackage",
    "Tuning": "CreateHyperParameterTuningJob",
    "AutoML": "CreateAutoMLJob",
    "ClarifyCheck": "CreateProcessingJob",
    "QualityCheck": "CreateProcessingJob",
    "EndpointConfig": "CreateEndpointConfig",
    "Endpoint": "CreateEndpoint",
    "InferenceComponent": "CreateInferenceComponent",
}

# step types whose Arguments are no SageMaker request: control flow (their nested steps
# are walked), a failure message, inputs sent to an existing Lambda function, SQS queue
# or EMR cluster, S3 clean-up and lineage records.  Any other step type with Arguments
# (EMRServerless, Job, a type newer than this table ...) cannot be judged: refused.
NO_REQUEST_STEPS = frozenset(
    {"Condition", "ForEach", "Fail", "Lambda", "Callback", "EMR", "Cleanup", "Lineage"}
)

# step type -> the Arguments keys holding nested steps (walked in this order, reversed)
_NESTED: Mapping[str, tuple[str, ...]] = {
    "Condition": ("ElseSteps", "IfSteps"),
    "ForEach": ("ForEachBody",),
}


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing duplicate keys: ``json`` keeps the last one while
    another reader may keep the first, so the definition judged could differ from the
    one run."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKeyError
    return out


def _parse(text: str) -> Any:
    """The JSON value of ``text``, or a :class:`_Problem` saying why there is none."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError:
        return _Problem("has duplicate keys in a JSON object")
    except ValueError:
        return _Problem("is not valid JSON")
    except RecursionError:  # the json module recurses once per level
        return _Problem(_TOO_DEEP)


@attrs.frozen
class _Problem:
    reason: str


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
    """``(label, step)`` for every step, Condition ``IfSteps``/``ElseSteps`` and ForEach
    ``ForEachBody`` included (each right after its parent step; iterative, so no
    nesting is too deep).  The parent's ``Arguments`` are read after it is yielded."""
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
        kind = step.get("Type")
        branches = _NESTED.get(kind, ()) if isinstance(kind, str) else ()
        if branches and isinstance(args, Mapping):
            for branch in branches:  # IfSteps on top: walked first
                if isinstance(args.get(branch), list):
                    pending.append((enumerate(args[branch]), f"{label}.Arguments.{branch}"))


def load_pipeline_definition(params: Mapping[str, Any]) -> Mapping[str, Any] | str:
    """The parsed inline ``PipelineDefinition`` (a copy: ``Arguments`` given as JSON
    strings are parsed in place), or a string saying why it cannot be judged: invalid
    JSON, duplicate keys, too deep, or a step whose ``Arguments`` cannot be judged."""
    raw = params.get("PipelineDefinition")
    if raw is None:
        location = params.get("PipelineDefinitionS3Location")
        if location is None:
            return "is absent"
        if isinstance(location, Mapping) and not location.get("VersionId"):
            return (
                "is stored in S3 without a VersionId (or could not be fetched), so the "
                "object judged could be replaced before the call: it needs a VersionId "
                "(enable versioning on the bucket)"
            )
        return "is stored in S3 and was not fetched; the guard fetches and judges it"
    if isinstance(raw, Mapping):
        if too_deep(raw):
            return _TOO_DEEP
        parsed: Any = copy_structure(raw)
    elif not isinstance(raw, str):
        return "is not a JSON string"
    else:
        parsed = _parse(raw)
        if isinstance(parsed, _Problem):
            return parsed.reason
    if not isinstance(parsed, dict):
        return "is not a JSON object"
    if too_deep(parsed):
        return _TOO_DEEP
    reason, expanded = _expand_steps(parsed)
    if reason is None and expanded and too_deep(parsed):
        return _TOO_DEEP
    return parsed if reason is None else reason


def _expand_steps(definition: dict[str, Any]) -> tuple[str | None, bool]:
    """Parse every step's string ``Arguments`` in place and find the first step that
    cannot be judged: ``(reason or None, whether a string was parsed)``."""
    expanded = False
    for label, step in iter_steps(definition.get("Steps"), "Steps"):
        if "Arguments" not in step:
            continue
        args = step["Arguments"]
        if isinstance(args, str):
            parsed = _parse(args)
            if isinstance(parsed, _Problem):
                return f"has a step whose Arguments string {parsed.reason} (at {label})", expanded
            if not isinstance(step, dict):  # a copied definition holds only dicts
                return f"has a step that cannot be judged (at {label})", expanded
            step["Arguments"] = args = parsed  # read by iter_steps after this yield
            expanded = True
        kind = step.get("Type")
        kind = kind if isinstance(kind, str) else ""
        if kind in NO_REQUEST_STEPS:
            continue
        if kind not in STEP_OPERATIONS:
            return (
                f"has a step of a type the catalog cannot judge (at {label}), so its "
                "Arguments would run unverified",
                expanded,
            )
        if not isinstance(args, Mapping):
            return f"has a step whose Arguments are not a JSON object (at {label})", expanded
    return None, expanded


def step_requests(definition: Mapping[str, Any], base: str) -> Iterator[tuple[str, str, Any]]:
    """``(path, operation, arguments)`` for every step whose ``Arguments`` become an
    API request (``path`` is where those arguments sit, below ``base``).  Expects a
    definition from :func:`load_pipeline_definition` (string Arguments parsed, every
    step type known)."""
    for label, step in iter_steps(definition.get("Steps"), f"{base}.Steps"):
        kind = step.get("Type")
        op = STEP_OPERATIONS.get(kind) if isinstance(kind, str) else None
        args = step.get("Arguments")
        if op is not None and isinstance(args, Mapping):
            yield f"{label}.Arguments", op, args
