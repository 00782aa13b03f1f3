"""The package's import graph has no loops, counting every import (at module level, inside
functions and under ``TYPE_CHECKING``), and nothing below the entry points imports them."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import seismo

SRC = Path(seismo.__file__).resolve().parent
COMPAT_SHIMS = {("seismo.labels", "seismo.api"), ("seismo.leakage", "seismo.api")}
"""Former homes of ``scan_labels`` / ``scan_leakage``: a module ``__getattr__`` that imports the
api only when a caller uses the old path, with a DeprecationWarning."""


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in mods else node.module
                           for a in node.names]
            for target in targets:
                found = resolve(target) if target.startswith("seismo") else None
                if found is not None and found != module and (module, found) not in COMPAT_SHIMS:
                    graph[module].add(found)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_loops() -> None:
    assert _cycles(_graph()) == []


def test_the_detector_finds_a_loop() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_the_entry_points_imports_them() -> None:
    top = {"seismo", "seismo.api", "seismo.cli"}
    graph = _graph()
    below = {m for m in graph if not any(m == t or m.startswith(t + ".") for t in top)}
    offenders = sorted((m, t) for m in below for t in graph[m]
                       if any(t == e or t.startswith(e + ".") for e in top))
    assert offenders == []


def test_the_former_entry_points_still_work_and_warn() -> None:
    import seismo.labels
    import seismo.leakage

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert seismo.labels.scan_labels is seismo.scan_labels
        assert seismo.leakage.scan_leakage is seismo.scan_leakage
    assert [w.category for w in caught] == [DeprecationWarning, DeprecationWarning]


FAILURE_MODES = ("quality", "skew", "shift", "concept", "labels", "leakage")


def test_failure_mode_packages_import_none_of_each_other() -> None:
    """Shared helpers live below them (data, profile, stats), one home each."""
    def package(module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[1] in FAILURE_MODES else None

    graph = _graph()
    offenders = sorted((m, t) for m in graph for t in graph[m]
                       if package(m) is not None and package(t) is not None and package(m) != package(t))
    assert offenders == []
