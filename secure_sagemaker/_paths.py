"""Field paths: parse ``"A?.B[].C"``, find every value a path reaches, fill absent leaves.

Markers: ``Name[]`` - every element of the list ``Name`` (an absent list has no
elements); ``Name?`` - when ``Name`` is absent the path reaches nothing (optional
structures, and Update* calls where absent means *unchanged*).  Any other absent
field is reached as :data:`MISSING`, so a check judges it by the service's default.
A path starting with ``$`` names the whole request (a check on several fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MISSING",
    "Segment",
    "copy_structure",
    "display_path",
    "fill_path",
    "is_expression",
    "parse_path",
    "resolve",
    "too_deep",
]

Segment = tuple[str, bool, bool]  # (name, each_element, optional)


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

#: How deeply dicts and lists may nest in a request the engine judges.  The deepest
#: SageMaker request shape in botocore's model nests 10 levels (CreateAlgorithm; the
#: request itself is level 1), the deepest of the other watched services 11 (EC2
#: RequestSpotFleet); only Search's recursive SearchExpression goes further, 2 levels
#: per nested expression.  64 leaves room for all of them and stays far below
#: Python's recursion limit (1000), which the json module and botocore's serializers
#: hit on deeper input.
MAX_DEPTH = 64

_CONTAINERS = (dict, list, tuple)
_LEAVES = frozenset({str, int, float, bool, type(None), bytes})
_DEDUPE_AT = 32  # too_deep deduplicates a level wider than this


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


def is_expression(node: Mapping[str, Any]) -> bool:
    """True for a pipeline expression (``{"Get": ...}``, ``{"Std:Join": ...}``)."""
    if len(node) != 1:
        return False
    (key,) = node
    return isinstance(key, str) and (key == "Get" or key.startswith("Std:"))


def resolve(node: Any, segments: Sequence[Segment], prefix: str = "") -> Iterator[tuple[str, Any]]:
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
            yield from resolve(item, segments[1:], f"{here}[{i}]")
        return
    yield from resolve(value, segments[1:], here)


def simple_path(segments: Sequence[Segment]) -> str:
    """The one concrete path of a path without ``[]`` (``"A?.B"`` -> ``"A.B"``), or
    ``""`` for a path that may reach many places (or a ``$`` pseudo-field)."""
    if any(each for _, each, _ in segments) or segments[0][0].startswith("$"):
        return ""
    return ".".join(name for name, _, _ in segments)


def resolve_simple(node: Any, segments: Sequence[Segment], path: str) -> list[tuple[str, Any]]:
    """:func:`resolve` for a path without ``[]`` (``path`` = :func:`simple_path`): a
    loop instead of nested generators (the engine's hot path)."""
    value = node
    for name, _, optional in segments:
        if type(value) is dict or isinstance(value, Mapping):
            value = value.get(name, MISSING)
        else:
            value = MISSING
        if value is MISSING or value is None:
            return [] if optional else [(path, MISSING)]
    return [(path, value)]


def fill_path(
    node: Any,
    segments: Sequence[Segment],
    default: Callable[[Mapping[str, Any]], Any],
    prefix: str = "",
) -> Iterator[str]:
    """Set every absent leaf the path reaches to ``default(parent)`` (when not
    ``None``); yield the concrete paths filled.  Never changes a present value and
    never leaves behind an empty structure it created."""
    if not isinstance(node, dict) or is_expression(node):
        return
    name, each, optional = segments[0]
    here = f"{prefix}.{name}" if prefix else name
    value = node.get(name)
    if len(segments) == 1:
        if value is None and not optional and not each:
            try:
                new = default(node)
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
                yield from fill_path(item, segments[1:], default, f"{here}[{i}]")
        return
    produced = list(fill_path(value, segments[1:], default, here))
    if created and not produced:
        del node[name]  # don't leave an empty structure we invented
    yield from produced


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """True when dicts, lists and tuples nest more than ``limit`` levels in ``value``
    (``{}`` is one level, ``{"a": []}`` two; strings and other values are leaves).

    Iterative, one level at a time: it never recurses and stops at level
    ``limit + 1`` without looking deeper.  A tree costs one visit per container; a
    level wider than 32 is deduplicated before it is expanded, so containers shared
    in many places cost at most ``32 * limit`` visits each (not exponentially many),
    and a structure that contains itself is simply too deep."""
    level: list[Any] = [value] if isinstance(value, _CONTAINERS) else []
    for _ in range(limit):
        if not level:
            return False
        if len(level) > _DEDUPE_AT and len(set(map(id, level))) < len(level):
            level = list({id(node): node for node in level}.values())
        deeper: list[Any] = []
        for node in level:
            for item in node.values() if isinstance(node, dict) else node:
                # the type test first: most items are strings (the hot path)
                if type(item) not in _LEAVES and isinstance(item, _CONTAINERS):
                    deeper.append(item)
        level = deeper
    return bool(level)


def copy_structure(node: Any, replace: Callable[[dict[Any, Any]], Any] | None = None) -> Any:
    """Copy dicts and lists; share every other value.  Request bodies (file objects,
    streams) cannot be deep-copied, and filling only ever changes dicts.

    ``replace(d)``, when given, may return what stands in the place of the dict ``d``
    instead of its copy (``None``: copy it).  Iterative, so no depth is too deep; it
    shares what nests deeper than :data:`MAX_DEPTH` levels (a request the engine
    refuses to judge anyway) instead of copying it, which also ends a structure that
    contains itself."""
    root, copied = _copy(node, replace)
    stack: list[tuple[Any, int]] = [(root, 1)] if copied else []
    while stack:
        container, depth = stack.pop()
        if depth >= MAX_DEPTH:
            continue
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, item in items:
            if isinstance(item, (dict, list)):
                copy, copied = _copy(item, replace)
                container[key] = copy  # replaces a value: the dict keeps its size
                if copied:
                    stack.append((copy, depth + 1))
    return root


def _copy(node: Any, replace: Callable[[dict[Any, Any]], Any] | None) -> tuple[Any, bool]:
    """``(shallow copy, True)`` of a dict or list, ``(stand-in, False)`` when ``replace``
    gives one, ``(node, False)`` for anything else."""
    if isinstance(node, dict):
        stand_in = replace(node) if replace is not None else None
        return (dict(node), True) if stand_in is None else (stand_in, False)
    if isinstance(node, list):
        return list(node), True
    return node, False
