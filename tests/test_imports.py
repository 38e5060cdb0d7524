"""The package's import graph: no cycles, and no private names across subpackages.

Both tests read the source with `ast` (nothing is imported) and report every violation.

What counts
-----------
* Every ``import`` and ``from ... import`` anywhere in a module counts, at module level or
  inside a function, except under ``if TYPE_CHECKING:`` (never executed). Relative imports
  are resolved. Imports made by name at run time (``importlib.import_module``, as the lazy
  ``uncertainty/__init__.py`` does) are not seen.
* ``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to
  ``pkg`` (its ``__init__``). ``import a.b.c`` is an edge to ``a.b.c`` only: Python also
  runs ``a`` and ``a.b`` first, but every package ``__init__`` would otherwise sit on a
  cycle with each submodule that imports a sibling through it.
* **Cycles.** A package ``__init__`` that imports its own submodules (to re-export them)
  is the normal pattern and is allowed: edges from ``pkg/__init__.py`` down into ``pkg``
  are dropped. What remains a cycle is a loop between modules, e.g. ``a.py`` imports
  ``b.py`` which imports ``a.py``, or ``stats/summary.py`` importing ``sampling.py`` which
  imports ``stats/summary.py`` (through the package or not): such a loop works only as long
  as the import order happens to suit it. A submodule importing its own package's
  ``__init__`` (``from uncertainty.stats import x`` inside ``uncertainty/stats/y.py``) is
  allowed by the same rule when ``__init__`` only re-exports: the dropped downward edge
  cannot close a loop.
* **Private names.** ``from M import _name`` where ``M`` lies in a different package than
  the importing module: top-level modules of ``uncertainty/`` belong to the package
  ``uncertainty``; modules in ``uncertainty/X/`` to ``uncertainty.X``. Within one package a
  private helper may be shared.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "uncertainty"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _package_of(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return module if _is_package(module) else module.rpartition(".")[0]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(module).split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _edges(module: str) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for each in-package import."""
    tree = ast.parse(MODULES[module].read_text("utf-8"))
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, "", node.lineno
            continue
        target = _resolve(module, node)
        if target not in MODULES:
            continue
        for alias in node.names:
            sub = f"{target}.{alias.name}"
            if sub in MODULES:
                yield sub, "", node.lineno
            else:
                yield target, alias.name, node.lineno


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module in MODULES:
        for target, _, _ in _edges(module):
            downward = _is_package(module) and target.startswith(module + ".")
            if target != module and not downward:
                graph[module].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with a loop (Tarjan), shortest found."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
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
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return [_shortest_loop(graph, set(c)) for c in components]


def _shortest_loop(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """A shortest cycle inside one strongly connected component, by breadth-first search."""
    best: list[str] = []
    for start in sorted(members):
        paths = {start: [start]}
        frontier = [start]
        while frontier:
            nxt = []
            for v in frontier:
                for w in sorted(graph[v] & members):
                    if w == start and (not best or len(paths[v]) < len(best)):
                        best = paths[v]
                    if w not in paths:
                        paths[w] = [*paths[v], w]
                        nxt.append(w)
            frontier = nxt
    return [*best, best[0]]


def test_there_is_no_import_cycle() -> None:
    cycles = _cycles(_graph())
    shown = "\n".join(" -> ".join(c) for c in cycles)
    assert not cycles, f"{len(cycles)} import cycle(s) (one loop per tangle shown):\n{shown}"


def test_no_private_name_is_imported_from_another_package() -> None:
    found = []
    for module in MODULES:
        for target, name, line in _edges(module):
            private = name.startswith("_") or (
                not name and target.rpartition(".")[2].startswith("_")
                and not target.endswith("__init__"))
            if private and _package_of(module) != _package_of(target):
                found.append(f"{MODULES[module].relative_to(ROOT.parent)}:{line}: "
                             f"{target}.{name}" if name else f"{target}")
    assert not found, ("private names imported across packages:\n" + "\n".join(found))


def test_the_scanner_sees_the_package() -> None:
    assert {"uncertainty", "uncertainty.cli", "uncertainty.streaming.chunks"} <= set(MODULES)
    graph = _graph()
    assert "uncertainty.sampling" in graph["uncertainty.pipeline"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
