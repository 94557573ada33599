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
    "MISSING",
    "Segment",
    "copy_structure",
    "display_path",
    "fill_path",
    "is_expression",
    "parse_path",
    "resolve",
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


def copy_structure(node: Any) -> Any:
    """Copy dicts and lists; share every other value.  Request bodies (file objects,
    streams) cannot be deep-copied, and filling only ever changes dicts."""
    if isinstance(node, dict):
        return {k: copy_structure(v) for k, v in node.items()}
    if isinstance(node, list):
        return [copy_structure(v) for v in node]
    return node
