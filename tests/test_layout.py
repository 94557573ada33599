"""The package's architecture, checked: imports point one way, modules stay small, the
runtime imports no test support, and ``import secure_sagemaker`` is lazy.

The import graph is read from the source (an AST walk), counting imports inside
functions: an import made late only to dodge a circle is still a circle.  Imports
under ``if TYPE_CHECKING:`` are not run and do not count.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "secure_sagemaker"
ROOT = "secure_sagemaker"
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                yield from _imports(child)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _targets(module: str, path: Path) -> set[str]:
    """The package's modules that importing ``module`` runs, one step away."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            subs = [f"{base}.{alias.name}" for alias in node.names]
            # ``from pkg import name``: pkg itself is imported from unless every name is
            # a submodule (then pkg only runs as their parent, as below)
            names = subs if all(s in MODULES for s in subs) else [base, *subs]
            if base in MODULES and names is subs:
                names = [*subs, *([] if _inside(module, base) else [base])]
        for name in names:
            if name in MODULES:
                found.add(name)
                # importing a.b.c first runs a.b's __init__ (unless we are inside a.b)
                parent = name.rpartition(".")[0]
                while parent and parent != ROOT:
                    if not _inside(module, parent):
                        found.add(parent)
                    parent = parent.rpartition(".")[0]
    found.discard(module)
    return found


GRAPH: dict[str, set[str]] = {m: _targets(m, p) for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle() -> None:
    assert len(GRAPH) > 40  # the walk found the package
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_imports_no_rules() -> None:
    """``rules.py`` takes its catalog; it reaches nothing in ``controls/``."""
    seen: set[str] = set()
    todo = [f"{ROOT}.rules"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(GRAPH[module])
    assert not {m for m in seen if m.startswith(f"{ROOT}.controls")}
    assert f"{ROOT}.policy" not in seen


def test_no_module_looks_up_the_packages_own_modules_by_name() -> None:
    """Only the public ``__init__`` imports our modules by name (PEP 562, from its table)."""
    offenders = []
    for module, path in MODULES.items():
        if module == ROOT:
            continue
        text = path.read_text()
        if re.search(r"""(?:import_module|__import__)\(\s*f?["']secure_sagemaker""", text):
            offenders.append(module)
    assert offenders == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_the_runtime_never_imports_test_support_or_the_demo() -> None:
    runtime = {
        m for m in GRAPH if not m.startswith((f"{ROOT}.testing", f"{ROOT}.demo", f"{ROOT}.cli"))
    }
    for module in runtime:
        bad = {t for t in GRAPH[module] if t.startswith((f"{ROOT}.testing", f"{ROOT}.demo"))}
        assert not bad, f"{module} imports {bad}"


def _loaded_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(out.splitlines()[-1]))


def test_import_loads_no_emulator_no_argparse_and_no_submodule() -> None:
    loaded = _loaded_after("import secure_sagemaker")
    assert [m for m in loaded if m.startswith(ROOT)] == [ROOT, f"{ROOT}._version"]
    for heavy in ("moto", "argparse", f"{ROOT}.testing", "tenacity", "sagemaker"):
        assert heavy not in loaded


def test_install_loads_only_the_policy_engine_catalog_and_guard() -> None:
    loaded = _loaded_after(
        "import secure_sagemaker as ss\nss.install(ss.SecurityPolicy())\nss.uninstall()"
    )
    ours = {m for m in loaded if m.startswith(ROOT + ".")}
    allowed = (
        f"{ROOT}.controls",
        f"{ROOT}._aio",
        f"{ROOT}._catalog",
        f"{ROOT}._guard_fetch",
        f"{ROOT}._operations",
        f"{ROOT}._policy_fields",
        f"{ROOT}._rule_values",
        f"{ROOT}._aws",
        f"{ROOT}._paths",
        f"{ROOT}._pipelines",
        f"{ROOT}._sdk_defaults",
        f"{ROOT}.sdkconfig",
        f"{ROOT}.evaluation",
        f"{ROOT}.exceptions",
        f"{ROOT}.guard",
        f"{ROOT}.policy",
        f"{ROOT}.rules",
        f"{ROOT}.scan",
        f"{ROOT}._version",
    )
    assert {f"{ROOT}.guard", f"{ROOT}.controls", f"{ROOT}.rules"} <= ours
    assert {m for m in ours if not m.startswith(allowed)} == set()
    for heavy in ("moto", "argparse", "tenacity", "sagemaker"):
        assert heavy not in loaded


def test_every_public_name_resolves_and_all_is_sorted() -> None:
    import secure_sagemaker as ss

    assert list(ss.__all__) == sorted(ss.__all__)
    assert {*ss._LAZY, "__version__"} == set(ss.__all__)  # one table, no name forgotten
    for name in ss.__all__:
        assert getattr(ss, name) is not None, name
    assert callable(ss.audit)  # not the audit/ subpackage of the same name
    with pytest.raises(AttributeError):
        _ = ss.no_such_name


def test_no_benchmark_shadows_the_standard_library() -> None:
    """Benchmarks run as scripts put benchmarks/ first on sys.path: a module named
    like a standard one (``secrets.py`` once) would replace it for every import."""
    bench = Path(__file__).resolve().parent.parent / "benchmarks"
    clash = sorted(p.stem for p in bench.glob("*.py") if p.stem in sys.stdlib_module_names)
    assert clash == []
