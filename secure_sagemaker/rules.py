"""The rule engine: values, combinators and :func:`evaluate`.

A :class:`Rule` is data.  It names the request fields it judges per API operation
(``fields``), a pure ``check`` called once per concrete field value, and an optional
``default`` that says how the policy fills the field when it is absent.

Field paths are dotted, with two markers:

* ``Name[]`` - every element of the list ``Name`` (an absent list has no elements);
* ``Name?`` - when ``Name`` is absent the rule does not apply at that path
  (for optional structures, and for Update* calls where absent means *unchanged*).

Any other absent field is passed to the check as :data:`MISSING` and judged by the
service's default - which for SageMaker is the insecure one.

Operation names starting with ``@`` (``@Subnet``, ``@Endpoint``) are *resource views*:
documents the audit assembles from Describe calls (e.g. a subnet with its route
table).  Rules on them are judged by the audit with the same :func:`evaluate`; the
guard never sees them.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = [
    "MISSING",
    "PASS",
    "Context",
    "Finding",
    "Rule",
    "Severity",
    "Status",
    "Unresolved",
    "Verdict",
    "evaluate",
    "fail",
    "secure_request",
]

Status = Literal["pass", "fail", "waived", "error"]


class Severity(enum.IntEnum):
    """How bad a failing rule is; ordered, so ``Severity.HIGH > Severity.LOW``."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | Severity) -> Severity:
        """``"high"`` -> ``Severity.HIGH``; raises ``ValueError`` for unknown names."""
        if isinstance(text, Severity):
            return text
        try:
            return cls[str(text).upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity; expected one of {names}") from None


class _Missing:
    """The value of an absent field (a singleton, falsy)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@attrs.frozen
class Unresolved:
    """A pipeline expression (``{"Get": ...}``, ``{"Std:Join": ...}``) whose value is
    only known when the pipeline executes."""

    expression: str


@attrs.frozen
class Verdict:
    """What a check says about one field value.

    ``reason`` explains a failure without quoting the value; ``at`` is an optional
    sub-path below the checked field (``"Subnets"`` below ``"VpcConfig"``).
    """

    passed: bool
    reason: str = ""
    at: str = ""


PASS = Verdict(True)


def fail(reason: str, at: str = "") -> Verdict:
    """A failing :class:`Verdict`."""
    return Verdict(False, reason, at)


@attrs.frozen
class Context:
    """What a check may look at besides the field value: the policy, the whole
    request (``params``), the operation and the client's region (if known)."""

    policy: SecurityPolicy
    params: Mapping[str, Any]
    operation: str
    region: str | None = None


Check = Callable[[Any, Context], Verdict]
Default = Callable[["SecurityPolicy", Mapping[str, Any]], Any]
Applies = Callable[[Mapping[str, Any], "SecurityPolicy"], bool]


def _to_refs(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _to_fields(value: Mapping[str, Sequence[str]]) -> Mapping[str, tuple[str, ...]]:
    return {op: tuple(paths) for op, paths in value.items()}


@attrs.frozen
class Rule:
    """One control: stable ``id`` (``SM101``), kebab-case ``name``, and what it judges.

    ``fields`` maps an API operation name to the field paths judged in it.
    ``check(value, ctx)`` is pure and must not raise on any input.
    ``default(policy, params)`` returns the secure value to fill an absent field, or
    ``None`` when the policy cannot supply one.  ``applies(params, policy)`` narrows
    when the rule is relevant (e.g. only writes to artifact buckets).
    ``service`` is the botocore service name of every operation in ``fields``.
    """

    id: str
    name: str
    title: str
    severity: Severity
    fields: Mapping[str, tuple[str, ...]] = attrs.field(converter=_to_fields)
    check: Check
    rationale: str
    remediation: str
    references: tuple[str, ...] = attrs.field(converter=_to_refs, default=())
    default: Default | None = None
    applies: Applies | None = None
    service: str = "sagemaker"

    @property
    def operations(self) -> frozenset[str]:
        """The API operation names this rule judges."""
        return frozenset(self.fields)

    @property
    def seed(self) -> tuple[int, ...]:
        """The seed methods (1-7) this rule implements."""
        return tuple(int(r.split(":", 1)[1]) for r in self.references if r.startswith("Seed:"))


@attrs.frozen
class Finding:
    """A rule's verdict on one request or resource.

    ``status`` is ``"pass"``, ``"fail"``, ``"waived"`` (failed but waived by the
    policy) or ``"error"`` (the audit could not assess it; ``message`` says why).
    ``field`` is the dotted path judged.  ``resource``/``resource_type``/``account``/
    ``region`` are filled by the audit and empty for a request.
    """

    rule_id: str
    severity: Severity
    status: Status
    field: str
    message: str
    remediation: str
    resource: str = ""
    resource_type: str = ""
    account: str = ""
    region: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict (severity as its lowercase name)."""
        d = attrs.asdict(self)
        d["severity"] = str(self.severity)
        return d


# --------------------------------------------------------------------------- paths

Segment = tuple[str, bool, bool]  # (name, each_element, optional)


def parse_path(path: str) -> tuple[Segment, ...]:
    """``"A?.B[].C"`` -> ``(("A", False, True), ("B", True, False), ("C", False, False))``."""
    if path.startswith("$"):
        return ((path, False, False),)
    out: list[Segment] = []
    for raw in path.split("."):
        optional = raw.endswith("?")
        name = raw.rstrip("?")
        each = name.endswith("[]")
        out.append((name.removesuffix("[]"), each, optional))
    return tuple(out)


def display_path(path: str) -> str:
    """A path without its markers, as documentation shows it."""
    return path.replace("?", "")


def _resolve(node: Any, segments: Sequence[Segment], prefix: str) -> Iterator[tuple[str, Any]]:
    """Yield ``(concrete_path, value)`` for every place the path reaches."""
    if not segments:
        yield prefix, node
        return
    name, each, optional = segments[0]
    here = f"{prefix}.{name}" if prefix else name
    value = node.get(name, MISSING) if isinstance(node, Mapping) else MISSING
    if value is MISSING or value is None:
        if optional or each:
            return
        if len(segments) == 1:
            yield here, MISSING
        else:
            # an absent parent: judge the leaf as absent, at the leaf's path
            rest = ".".join(s[0] + ("[]" if s[1] else "") for s in segments[1:])
            yield f"{here}.{rest}", MISSING
        return
    if each:
        if not isinstance(value, list):
            yield here, value  # wrong type: let the check fail it
            return
        for i, item in enumerate(value):
            yield from _resolve(item, segments[1:], f"{here}[{i}]")
        return
    yield from _resolve(value, segments[1:], here)


# --------------------------------------------------------------------------- engine

_RuleEntry = tuple[Rule, tuple[tuple[str, tuple[Segment, ...]], ...]]


@attrs.frozen
class _Index:
    by_operation: Mapping[str, tuple[_RuleEntry, ...]]
    by_id: Mapping[str, Rule]


_index: _Index | None = None


def _get_index() -> _Index:
    global _index
    if _index is None:
        from secure_sagemaker.controls import CATALOG

        by_op: dict[str, list[_RuleEntry]] = {}
        for rule in CATALOG:
            for op, paths in rule.fields.items():
                parsed = tuple((p, parse_path(p)) for p in paths)
                by_op.setdefault(op, []).append((rule, parsed))
        _index = _Index(
            by_operation={op: tuple(v) for op, v in by_op.items()},
            by_id={r.id: r for r in CATALOG},
        )
    return _index


def rule_by_id(rule_id: str) -> Rule:
    """The catalog rule with this ID; raises ``KeyError`` if there is none."""
    return _get_index().by_id[rule_id.upper()]


def judged_operations() -> frozenset[str]:
    """Every API operation at least one rule judges (resource views ``@X`` excluded)."""
    ops = {op for op in _get_index().by_operation if not op.startswith("@")}
    return frozenset(ops) | _PIPELINE_OPERATIONS


def _default_policy() -> SecurityPolicy:
    from secure_sagemaker.policy import SecurityPolicy

    return SecurityPolicy()


def _safe_check(rule: Rule, value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Unresolved):
        return fail(
            "is a pipeline expression whose value is only known at execution, so it "
            "cannot be verified; use a literal value in security fields"
        )
    try:
        return rule.check(value, ctx)
    except Exception:  # a check must never crash evaluate(); a crash is a failure
        return fail("has a value of an unexpected type or shape")


def _judge(
    rule: Rule, paths: tuple[tuple[str, tuple[Segment, ...]], ...], ctx: Context, prefix: str
) -> Finding | None:
    if rule.applies is not None:
        try:
            if not rule.applies(ctx.params, ctx.policy):
                return None
        except Exception:  # noqa: S110 - judge it: a false failure beats a silent skip
            pass
    failures: list[tuple[str, Verdict]] = []
    checked: list[str] = []
    for _raw, segments in paths:
        if segments[0][0].startswith("$"):
            where = [(segments[0][0], None)]
        else:
            where = list(_resolve(ctx.params, segments, ""))
        for concrete, value in where:
            checked.append(concrete)
            verdict = _safe_check(rule, value, ctx)
            if not verdict.passed:
                failures.append((concrete, verdict))
    if not checked:
        return None
    pre = f"{prefix}." if prefix else ""
    if not failures:
        return Finding(
            rule.id, rule.severity, "pass", pre + ", ".join(checked), rule.title, rule.remediation
        )
    fields = ", ".join(pre + p + (f".{v.at}" if v.at else "") for p, v in failures)
    reasons = "; ".join(dict.fromkeys(v.reason for _, v in failures))
    waived = rule.id in ctx.policy.waivers
    return Finding(
        rule.id,
        rule.severity,
        "waived" if waived else "fail",
        fields,
        f"{rule.title}: {reasons}" + (" (waived by policy)" if waived else ""),
        rule.remediation,
    )


def evaluate(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy | None = None,
    *,
    region: str | None = None,
    service: str | None = None,
) -> list[Finding]:
    """Judge one API request against every applicable rule.  Pure: no AWS calls.

    Returns one :class:`Finding` per applicable rule (per pipeline step for
    CreatePipeline/UpdatePipeline).  Absent fields are judged by the service
    default.  Never raises on malformed ``params``: a wrong type in a security
    field is a failing finding.  Returns ``[]`` for operations no rule judges.
    ``service`` (botocore name) narrows to its rules where two services share an
    operation name (``PutPublicAccessBlock`` in ``s3`` and ``s3control``).
    """
    pol = policy if policy is not None else _default_policy()
    if not isinstance(params, Mapping):
        params = {}
    return _evaluate(operation, params, pol, region, "", service)


def _evaluate(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy,
    region: str | None,
    prefix: str,
    service: str | None = None,
) -> list[Finding]:
    entries = _entries(operation, service)
    ctx = Context(policy, params, operation, region)
    out = [f for rule, paths in entries if (f := _judge(rule, paths, ctx, prefix)) is not None]
    if operation in _PIPELINE_OPERATIONS:
        out.extend(_evaluate_pipeline(params, policy, region, prefix))
    return out


# --------------------------------------------------------------------------- filling


def _entries(operation: str, service: str | None) -> tuple[_RuleEntry, ...]:
    entries = _get_index().by_operation.get(operation, ())
    if service is None:
        return entries
    return tuple(e for e in entries if e[0].service in (service, "*"))


def secure_request(
    operation: str,
    params: Mapping[str, Any],
    policy: SecurityPolicy | None = None,
    *,
    service: str | None = None,
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Fill absent security fields with the policy's secure values.

    Returns ``(new_params, filled)`` where ``filled`` lists ``(rule_id, field)``.
    Present values are never changed, even insecure ones: those are for
    :func:`evaluate` to refuse.  ``params`` itself is not modified.
    """
    pol = policy if policy is not None else _default_policy()
    out = _copy_structure(dict(params)) if isinstance(params, Mapping) else {}
    filled: list[tuple[str, str]] = []
    _fill(operation, out, pol, filled, "", service)
    if operation in _PIPELINE_OPERATIONS:
        _fill_pipeline(out, pol, filled)
    return out, filled


def _copy_structure(node: Any) -> Any:
    """Copy dicts and lists; share every other value.  Request bodies (file objects,
    streams) cannot be deep-copied, and filling only ever changes dicts."""
    if isinstance(node, dict):
        return {k: _copy_structure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy_structure(v) for v in node]
    return node


def _fill(
    operation: str,
    params: dict[str, Any],
    policy: SecurityPolicy,
    filled: list[tuple[str, str]],
    prefix: str,
    service: str | None = None,
) -> None:
    for rule, paths in _entries(operation, service):
        if rule.default is None:
            continue
        if rule.applies is not None:
            try:
                if not rule.applies(params, policy):
                    continue
            except Exception:  # noqa: S112 - unknown applicability: fill nothing
                continue
        for _raw, segments in paths:
            if segments[0][0].startswith("$"):
                continue
            for concrete in _fill_path(params, segments, "", rule, policy):
                filled.append((rule.id, f"{prefix}.{concrete}" if prefix else concrete))


def _fill_path(
    node: Any, segments: Sequence[Segment], prefix: str, rule: Rule, policy: SecurityPolicy
) -> Iterator[str]:
    if not isinstance(node, dict) or _is_expression(node):
        return
    name, each, optional = segments[0]
    here = f"{prefix}.{name}" if prefix else name
    last = len(segments) == 1
    value = node.get(name)
    if last:
        if value is None and not optional and not each:
            try:
                new = rule.default(policy, node) if rule.default else None
            except Exception:
                new = None
            if new is not None:
                node[name] = new
                yield here
        return
    if value is None:
        if optional or each:
            return
        value = node[name] = {}
        created = True
    else:
        created = False
    if each:
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield from _fill_path(item, segments[1:], f"{here}[{i}]", rule, policy)
        return
    produced = list(_fill_path(value, segments[1:], here, rule, policy))
    if created and not produced:
        del node[name]  # don't leave an empty structure we invented
    yield from produced


# --------------------------------------------------------------------------- pipelines

_PIPELINE_OPERATIONS = frozenset({"CreatePipeline", "UpdatePipeline"})

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


def _is_expression(node: Mapping[str, Any]) -> bool:
    if len(node) != 1:
        return False
    (key,) = node
    return isinstance(key, str) and (key == "Get" or key.startswith("Std:"))


def _unresolve(node: Any) -> Any:
    """Replace pipeline expressions by :class:`Unresolved` markers."""
    if isinstance(node, dict):
        if _is_expression(node):
            return Unresolved(next(iter(node)))
        return {k: _unresolve(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unresolve(v) for v in node]
    return node


def _iter_steps(steps: Any, prefix: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
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
            yield from _iter_steps(args.get("IfSteps"), f"{label}.Arguments.IfSteps")
            yield from _iter_steps(args.get("ElseSteps"), f"{label}.Arguments.ElseSteps")


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


def _evaluate_pipeline(
    params: Mapping[str, Any], policy: SecurityPolicy, region: str | None, prefix: str
) -> list[Finding]:
    from secure_sagemaker.controls import PIPELINE_RULE_ID

    rule = rule_by_id(PIPELINE_RULE_ID)
    definition = load_pipeline_definition(params)
    base = f"{prefix}.PipelineDefinition" if prefix else "PipelineDefinition"
    if isinstance(definition, str):
        waived = rule.id in policy.waivers
        return [
            Finding(
                rule.id,
                rule.severity,
                "waived" if waived else "fail",
                base,
                f"{rule.title}: the definition {definition}",
                rule.remediation,
            )
        ]
    out = [Finding(rule.id, rule.severity, "pass", base, rule.title, rule.remediation)]
    for label, step in _iter_steps(definition.get("Steps"), f"{base}.Steps"):
        op = STEP_OPERATIONS.get(str(step.get("Type")))
        args = step.get("Arguments")
        if op is None or not isinstance(args, Mapping):
            continue
        out.extend(
            _evaluate(op, _unresolve(args), policy, region, f"{label}.Arguments", "sagemaker")
        )
    return out


def _fill_pipeline(
    params: dict[str, Any], policy: SecurityPolicy, filled: list[tuple[str, str]]
) -> None:
    raw = params.get("PipelineDefinition")
    if not isinstance(raw, str):
        return
    definition = load_pipeline_definition(params)
    if isinstance(definition, str):
        return
    before = len(filled)
    for label, step in _iter_steps(definition.get("Steps"), "PipelineDefinition.Steps"):
        op = STEP_OPERATIONS.get(str(step.get("Type")))
        args = step.get("Arguments")
        if op is not None and isinstance(args, dict):
            _fill(op, args, policy, filled, f"{label}.Arguments", "sagemaker")
    if len(filled) > before:
        params["PipelineDefinition"] = json.dumps(definition)


def judged_by_service() -> Mapping[str, frozenset[str]]:
    """``{botocore service name: operations judged}``; rules with ``service="*"``
    (the region rule) only add to services other rules already judge."""
    out: dict[str, set[str]] = {}
    for op, entries in _get_index().by_operation.items():
        if op.startswith("@"):
            continue  # resource views are judged by the audit, never sent
        for rule, _ in entries:
            if rule.service != "*":
                out.setdefault(rule.service, set()).add(op)
    return {service: frozenset(ops) for service, ops in out.items()}
