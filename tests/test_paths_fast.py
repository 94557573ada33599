"""The engine's fast path for paths without ``[]`` (:func:`resolve_simple`) reaches
exactly what the general :func:`resolve` reaches, for every such path of the catalog
over every rule example (secure and insecure) and over odd shapes."""

from __future__ import annotations

from typing import Any

import pytest

from secure_sagemaker._paths import MISSING, parse_path, resolve, resolve_simple, simple_path
from secure_sagemaker.controls import CATALOG
from tests.controls import all_examples

SIMPLE = sorted({
    (op, path)
    for rule in CATALOG
    for op, paths in rule.fields.items()
    for path in paths
    if simple_path(parse_path(path))
})


def _requests() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for operation, secure, insecure in all_examples().values():
        out.setdefault(operation, []).extend(r for r in (secure, insecure) if r is not None)
    return out


REQUESTS = _requests()
ODD: list[Any] = [{}, {"A": None}, {"A": "text"}, {"A": {"B": None}}, {"A": [1, 2]}, []]


def test_the_catalog_has_simple_paths_to_check() -> None:
    assert len(SIMPLE) > 300


@pytest.mark.parametrize(("operation", "path"), SIMPLE)
def test_resolve_simple_matches_resolve(operation: str, path: str) -> None:
    segments = parse_path(path)
    joined = simple_path(segments)
    for request in [*REQUESTS.get(operation, []), *ODD]:
        assert resolve_simple(request, segments, joined) == list(resolve(request, segments))


@pytest.mark.parametrize("path", ["A.B", "A?.B", "A.B?", "A?.B?.C"])
def test_absent_parents_and_optional_segments(path: str) -> None:
    segments = parse_path(path)
    joined = simple_path(segments)
    for node in [*ODD, {"A": {"B": {"C": 1}}}, {"A": {"B": 0}}]:
        got = resolve_simple(node, segments, joined)
        assert got == list(resolve(node, segments))
        assert all(value is MISSING or value is not None for _, value in got)


def test_paths_with_each_element_are_not_simple() -> None:
    assert simple_path(parse_path("A[].B")) == ""
    assert simple_path(parse_path("$request")) == ""
    assert simple_path(parse_path("A?.B")) == "A.B"
