"""The layout's boundaries: no import cycle among survey_app's modules (docs/decisions/0021).

A cycle makes what a module sees depend on which of the two was imported first: a name can be
missing at import time in one entry point and present in another. The graph is read from the source
with `ast`, without importing anything. An edge is an import that runs when the module is loaded: at
module level, including under `if TYPE_CHECKING:` (a type checker follows those), and in class
bodies; imports inside functions run later and are left out (`create_app` and the `init_*`
functions import their pages that way on purpose). A module's parent packages are always loaded
before it, so an edge goes only to the module named.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "survey_app"

# Cycles that are there on purpose, each as the sorted names of its modules, with the reason beside
# it. None are needed today; add one here only with a reason a reviewer would accept.
ALLOWED_CYCLES: set[tuple[str, ...]] = set()


def _module_files(root: Path, package: str) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _load_time_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _load_time_imports(child)


def _imported(name: str, path: Path, statement: ast.Import | ast.ImportFrom, modules: set[str]) -> set[str]:
    """The package's modules one import statement loads."""
    if isinstance(statement, ast.Import):
        return {alias.name for alias in statement.names if alias.name in modules}
    source = statement.module or ""
    if statement.level:
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = here[: len(here) - (statement.level - 1)]
        source = ".".join([*base, *([source] if source else [])])
    found = set()
    for alias in statement.names:
        if f"{source}.{alias.name}" in modules:  # `from package import module`
            found.add(f"{source}.{alias.name}")
        elif source in modules:
            found.add(source)
    return found


def import_graph(root: Path = PROJECT_ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Each module and the package's modules it loads; the migrations are left out (see the last test)."""
    files = _module_files(root, package)
    modules = set(files)
    graph = {}
    for name, path in files.items():
        if f"{package}.migrations" in name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: set[str] = set()
        for statement in _load_time_imports(tree):
            edges |= _imported(name, path, statement, modules)
        graph[name] = edges - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[tuple[str, ...]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(tuple(sorted(group)))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_cycle_through_a_type_checking_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub import b\n"
    )
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text("from ..a import thing\n\ndef later():\n    from .. import c\n")
    (package / "c.py").write_text("from .sub import b\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.a"}
    assert cycles(graph) == [("pkg.a", "pkg.sub.b")]


def test_no_import_cycle_among_the_apps_modules():
    found = set(cycles(import_graph())) - ALLOWED_CYCLES
    assert not found, "import cycles among survey_app modules: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_shared_column_types_import_no_models():
    graph = import_graph()
    assert not {module for module in graph[f"{PACKAGE}.columns"] if module.endswith("models")}


def test_the_migrations_import_nothing_from_the_app():
    # A migration must describe the schema as it was then, not as the models say it is now.
    for path in (PROJECT_ROOT / PACKAGE / "migrations").rglob("*.py"):
        for statement in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(statement, ast.ImportFrom):
                assert statement.level == 0 and statement.module.split(".")[0] != PACKAGE, path
            elif isinstance(statement, ast.Import):
                assert all(alias.name.split(".")[0] != PACKAGE for alias in statement.names), path
