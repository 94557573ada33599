"""The :class:`Catalog`: a set of rules indexed by operation, and the judging of a
request against it (re-exported by :mod:`secure_sagemaker.rules`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from secure_sagemaker._paths import (
    Segment,
    copy_structure,
    fill_path,
    parse_path,
    resolve,
    resolve_simple,
    simple_path,
)
from secure_sagemaker._pipelines import (
    PIPELINE_OPERATIONS,
    Unresolved,
    load_pipeline_definition,
    parameter_values,
    step_requests,
    unresolve,
)
from secure_sagemaker._rule_values import (
    Context,
    Finding,
    Rule,
    Severity,
    Status,
    Verdict,
    fail,
)
from secure_sagemaker.exceptions import InvalidArgumentError

if TYPE_CHECKING:
    from secure_sagemaker.policy import SecurityPolicy

__all__ = ["Catalog", "Related"]


# --------------------------------------------------------------------------- catalog

# each path: (its one concrete path when it has no ``[]``, else "", its segments)
_Paths = tuple[tuple[str, tuple[Segment, ...]], ...]
_Entry = tuple[Rule, _Paths]


def _to_rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(sorted(value, key=lambda r: r.id))


@attrs.frozen
class Related:
    """A resource a request points at, judged with it: the guard fetches it into the
    judged copy of the request under ``key`` (never sent), and the catalog judges it
    as a ``operation`` request, its findings reported under ``label``.  ``skip``: rules
    that Describe output cannot satisfy (tags are not in it)."""

    key: str
    operation: str
    label: str
    skip: frozenset[str] = frozenset()


@attrs.frozen
class Catalog:
    """A set of rules, indexed by operation and by ID, that judges requests.

    ``pipeline_rule``: the ID reported for a CreatePipeline/UpdatePipeline definition;
    with it set, each step's ``Arguments`` are judged as the request they become.
    ``origins``: rule ID -> the module defining it (``secure-sagemaker explain``).
    ``related``: operation -> the :class:`Related` resource judged with its request.
    Raises ``InvalidArgumentError`` when two rules share an ID or ``pipeline_rule`` is unknown.
    """

    rules: tuple[Rule, ...] = attrs.field(converter=_to_rules)
    pipeline_rule: str | None = None
    origins: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    related: Mapping[str, Related] = attrs.field(factory=dict, repr=False)
    _by_operation: Mapping[str, tuple[_Entry, ...]] = attrs.field(init=False, repr=False, eq=False)
    _by_id: Mapping[str, Rule] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, Rule] = {}
        by_op: dict[str, list[_Entry]] = {}
        for rule in self.rules:
            if rule.id in by_id:
                raise InvalidArgumentError(f"two rules share the ID {rule.id}")
            by_id[rule.id] = rule
            for op, paths in rule.fields.items():
                parsed = [parse_path(p) for p in paths]
                by_op.setdefault(op, []).append((rule, tuple((simple_path(s), s) for s in parsed)))
        if self.pipeline_rule is not None and self.pipeline_rule not in by_id:
            raise InvalidArgumentError(f"pipeline_rule {self.pipeline_rule} is not in the catalog")
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_operation", {op: tuple(v) for op, v in by_op.items()})

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id.upper() in self._by_id

    def rule(self, rule_id: str) -> Rule:
        """The rule with this ID (any case); raises ``KeyError`` if there is none."""
        return self._by_id[rule_id.upper()]

    def judged_operations(self) -> frozenset[str]:
        """Every API operation at least one rule judges (resource views ``@X`` excluded)."""
        ops = {op for op in self._by_operation if not op.startswith("@")}
        return frozenset(ops) | (PIPELINE_OPERATIONS if self.pipeline_rule else frozenset())

    def judged_by_service(self) -> Mapping[str, frozenset[str]]:
        """``{botocore service name: operations judged}``; rules with ``service="*"``
        (the region rule) only add to services other rules already judge."""
        out: dict[str, set[str]] = {}
        for op, entries in self._by_operation.items():
            if op.startswith("@"):
                continue  # resource views are judged by the audit, never sent
            for rule, _ in entries:
                if rule.service != "*":
                    out.setdefault(rule.service, set()).add(op)
        return {service: frozenset(ops) for service, ops in out.items()}

    def _entries(self, operation: str, service: str | None) -> tuple[_Entry, ...]:
        entries = self._by_operation.get(operation, ())
        if service is None:
            return entries
        return tuple(e for e in entries if e[0].service in (service, "*"))

    def evaluate(
        self,
        operation: str,
        params: Mapping[str, Any],
        policy: SecurityPolicy,
        *,
        region: str | None = None,
        service: str | None = None,
    ) -> list[Finding]:
        """Judge one API request against every applicable rule.  Pure: no AWS calls.

        Returns one :class:`Finding` per applicable rule (per pipeline step for
        CreatePipeline/UpdatePipeline).  Absent fields are judged by the service
        default.  Never raises on malformed ``params``: a wrong type in a security
        field is a failing finding.  ``service`` (botocore name) narrows to its rules
        where two services share an operation name (``PutPublicAccessBlock``).
        """
        if not isinstance(params, Mapping):
            params = {}
        return self._evaluate(operation, params, policy, region, "", service)

    def _evaluate(
        self,
        operation: str,
        params: Mapping[str, Any],
        policy: SecurityPolicy,
        region: str | None,
        prefix: str,
        service: str | None,
    ) -> list[Finding]:
        ctx = Context(policy, params, operation, region)
        entries = self._entries(operation, service)
        out = [f for rule, paths in entries if (f := _judge(rule, paths, ctx, prefix)) is not None]
        if self.pipeline_rule is not None and operation in PIPELINE_OPERATIONS:
            out.extend(self._evaluate_pipeline(params, policy, region, prefix))
        related = self.related.get(operation)
        if related is not None and isinstance(params.get(related.key), Mapping):
            at = f"{prefix}.{related.label}" if prefix else related.label
            nested = self._evaluate(
                related.operation, params[related.key], policy, region, at, service
            )
            out.extend(f for f in nested if f.rule_id not in related.skip)
        return out

    def _evaluate_pipeline(
        self, params: Mapping[str, Any], policy: SecurityPolicy, region: str | None, prefix: str
    ) -> list[Finding]:
        rule = self.rule(str(self.pipeline_rule))
        definition = load_pipeline_definition(params)
        base = f"{prefix}.PipelineDefinition" if prefix else "PipelineDefinition"
        if isinstance(definition, str):
            status: Status = "waived" if rule.id in policy.waivers else "fail"
            message = f"{rule.title}: the definition {definition}"
            return [Finding(rule.id, rule.severity, status, base, message, rule.remediation)]
        out = [Finding(rule.id, rule.severity, "pass", base, rule.title, rule.remediation)]
        values = parameter_values(definition)  # a parameter is judged by its value
        for at, op, args in step_requests(definition, base):
            out.extend(self._evaluate(op, unresolve(args, values), policy, region, at, "sagemaker"))
        return out

    def secure_request(
        self,
        operation: str,
        params: Mapping[str, Any],
        policy: SecurityPolicy,
        *,
        service: str | None = None,
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Fill absent security fields with the policy's secure values.

        Returns ``(new_params, filled)`` where ``filled`` lists ``(rule_id, field)``.
        Present values are never changed, even insecure ones: those are for
        :meth:`evaluate` to refuse.  ``params`` itself is not modified.
        """
        out = copy_structure(dict(params)) if isinstance(params, Mapping) else {}
        filled: list[tuple[str, str]] = []
        self._fill(operation, out, policy, filled, "", service)
        if self.pipeline_rule is not None and operation in PIPELINE_OPERATIONS:
            self._fill_pipeline(out, policy, filled)
        return out, filled

    def _fill(
        self,
        operation: str,
        params: dict[str, Any],
        policy: SecurityPolicy,
        filled: list[tuple[str, str]],
        prefix: str,
        service: str | None,
    ) -> None:
        for rule, paths in self._entries(operation, service):
            default = rule.default
            if default is None or not _applies(rule, params, policy, when_unknown=False):
                continue
            for _raw, segments in paths:
                if segments[0][0].startswith("$"):
                    continue
                for concrete in fill_path(params, segments, functools.partial(default, policy)):
                    filled.append((rule.id, f"{prefix}.{concrete}" if prefix else concrete))

    def _fill_pipeline(
        self, params: dict[str, Any], policy: SecurityPolicy, filled: list[tuple[str, str]]
    ) -> None:
        if not isinstance(params.get("PipelineDefinition"), str):
            return
        definition = load_pipeline_definition(params)
        if isinstance(definition, str):
            return
        before = len(filled)
        for at, op, args in step_requests(definition, "PipelineDefinition"):
            if isinstance(args, dict):
                self._fill(op, args, policy, filled, at, "sagemaker")
        if len(filled) > before:
            params["PipelineDefinition"] = json.dumps(definition)


# --------------------------------------------------------------------------- judging


@functools.lru_cache(maxsize=4096)
def _pass(rule_id: str, severity: Severity, field: str, title: str, fix: str) -> Finding:
    return Finding(rule_id, severity, "pass", field, title, fix)


def _applies(
    rule: Rule, params: Mapping[str, Any], policy: SecurityPolicy, *, when_unknown: bool
) -> bool:
    if rule.applies is None:
        return True
    try:
        return rule.applies(params, policy)
    except Exception:  # unknown applicability: judge it (a false failure beats a silent
        return when_unknown  # skip) but fill nothing


_UNRESOLVED_FIX = (
    "Give this field a literal value, or a pipeline parameter whose DefaultValue passes "
    "the rule (the values passed to StartPipelineExecution are judged too)."
)


def _safe_check(rule: Rule, value: Any, ctx: Context) -> Verdict:
    if isinstance(value, Unresolved):
        what = (
            "is a pipeline parameter with no DefaultValue"
            if value.parameter
            else "is a pipeline expression whose value is only known at execution"
        )
        return Verdict(False, f"{what}, so it cannot be verified", fix=_UNRESOLVED_FIX)
    try:
        return rule.check(value, ctx)
    except Exception:  # a check must never crash evaluate(); a crash is a failure
        return fail("has a value of an unexpected type or shape")


def _judge(rule: Rule, paths: _Paths, ctx: Context, prefix: str) -> Finding | None:
    if not _applies(rule, ctx.params, ctx.policy, when_unknown=True):
        return None
    failures: list[tuple[str, Verdict]] = []
    checked: list[str] = []
    for simple, segments in paths:
        if simple:
            where = resolve_simple(ctx.params, segments, simple)
        elif segments[0][0].startswith("$"):
            where = [(segments[0][0], None)]
        else:
            where = list(resolve(ctx.params, segments))
        for concrete, value in where:
            checked.append(concrete)
            verdict = _safe_check(rule, value, ctx)
            if not verdict.passed:
                failures.append((concrete, verdict))
    if not checked:
        return None
    pre = f"{prefix}." if prefix else ""
    if not failures:  # a pass is the same value every time: built once (hot path)
        return _pass(rule.id, rule.severity, pre + ", ".join(checked), rule.title, rule.remediation)
    fields = ", ".join(pre + p + (f".{v.at}" if v.at else "") for p, v in failures)
    fixes = dict.fromkeys(v.fix for _, v in failures if v.fix)
    reasons = "; ".join(dict.fromkeys(v.reason for _, v in failures))
    waived = rule.id in ctx.policy.waivers
    return Finding(
        rule.id,
        rule.severity,
        "waived" if waived else "fail",
        fields,
        f"{rule.title}: {reasons}" + (" (waived by policy)" if waived else ""),
        " ".join(fixes) + (" " if fixes else "") + rule.remediation,
    )
