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
    "parameter_values",
    "step_requests",
    "unresolve",
    "with_execution_values",
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
    only known when the pipeline executes.  ``parameter``: it reads a pipeline
    parameter that has no ``DefaultValue`` (nor a value given to the execution)."""

    expression: str
    parameter: bool = False


_PARAMETER = "Parameters."
_EXECUTION = "Execution."
# what an execution variable (Execution.PipelineExecutionId, .StartDateTime ...) is
# judged as: a plain token, so a URI built around it is judged by its literal bucket,
# and one standing in a security field by itself fails that field's check
_EXECUTION_VALUE = "pipeline-execution-variable"
_MISSING_VALUE = object()


def parameter_values(definition: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: DefaultValue}`` of the definition's ``Parameters`` that have one."""
    out: dict[str, Any] = {}
    params = definition.get("Parameters")
    for p in params if isinstance(params, list) else ():
        if isinstance(p, Mapping) and isinstance(p.get("Name"), str) and "DefaultValue" in p:
            out[p["Name"]] = p["DefaultValue"]
    return out


def with_execution_values(definition: dict[str, Any], given: Any) -> dict[str, Any]:
    """``definition`` (modified) with the ``PipelineParameters`` of a
    StartPipelineExecution (``[{"Name", "Value"}]``, strings) as the parameters'
    ``DefaultValue``s, converted to each parameter's ``Type`` - so judging the
    definition judges the values this execution runs with.  A value that does not
    convert is kept as the string (the service rejects it)."""
    values = {
        g["Name"]: g.get("Value")
        for g in (given if isinstance(given, list) else ())
        if isinstance(g, Mapping) and isinstance(g.get("Name"), str)
    }
    params = definition.get("Parameters")
    for p in params if isinstance(params, list) else ():
        if isinstance(p, dict) and p.get("Name") in values:
            p["DefaultValue"] = _typed(values[p["Name"]], p.get("Type"))
    return definition


def _typed(value: Any, kind: Any) -> Any:
    try:
        if kind == "Integer":
            return int(value)
        if kind == "Float":
            return float(value)
        if kind == "Boolean" and str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
    except (TypeError, ValueError):
        pass
    return value


def unresolve(node: Any, parameters: Mapping[str, Any] | None = None) -> Any:
    """Replace pipeline expressions by their value where ``parameters`` (name ->
    value) decide it - ``{"Get": "Parameters.X"}``, an execution variable (a token the
    service chooses), a ``Std:Join`` of such parts - and by :class:`Unresolved`
    markers elsewhere, such as a step's properties (in a copy)."""
    values = parameters or {}
    return copy_structure(node, lambda d: _marker(d, values))


def _marker(node: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
    if not is_expression(node):
        return None
    value = _value(node, values)
    if value is not _MISSING_VALUE:
        return value
    (key,) = node
    got = node[key]
    parameter = key == "Get" and isinstance(got, str) and got.startswith(_PARAMETER)
    return Unresolved(key, parameter=parameter)


def _value(node: Any, values: Mapping[str, Any]) -> Any:
    """The value of an expression decided by parameter values, or ``_MISSING_VALUE``."""
    if not isinstance(node, Mapping) or not is_expression(node):
        return node if isinstance(node, (str, int, float, bool)) else _MISSING_VALUE
    (key,) = node
    arg = node[key]
    if key == "Get" and isinstance(arg, str) and arg.startswith(_PARAMETER):
        name = arg[len(_PARAMETER) :]
        value = values.get(name, _MISSING_VALUE)
        return value if isinstance(value, (str, int, float, bool)) else _MISSING_VALUE
    if key == "Get" and isinstance(arg, str) and arg.startswith(_EXECUTION):
        return _EXECUTION_VALUE  # chosen by the service (an ID, a time): never a policy value
    if key == "Std:Join" and isinstance(arg, Mapping) and isinstance(arg.get("Values"), list):
        on, parts = arg.get("On", ""), [_value(v, values) for v in arg["Values"]]
        if isinstance(on, str) and _MISSING_VALUE not in parts:
            return on.join(_text(p) for p in parts)
    return _MISSING_VALUE


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


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
