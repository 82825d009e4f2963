"""The package's layers run one way: a module may import its own package and packages in
layers below it, never above, and no two packages import each other (even in a circle).

Imports are read from the source (every `import` and `from … import`, also inside
functions; `if TYPE_CHECKING:` blocks are left out: they never run). A new package
must be placed in LAYERS: where it sits is a design decision, not an accident.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"

# Bottom to top. A unit is a subpackage or a top-level module of `workshop`;
# "workshop" is the package's own __init__ (the application factory).
LAYERS: list[set[str]] = [
    {
        "gevent_patch",
        "config",
        "errors",
        "extensions",
        "resources",
        "database",
        "i18n",
        "plans",
        "safe_urls",
        "delivery",
        "suggestions",
        "forms",
    },
    {"accounts"},
    {"core"},
    {"library"},
    {"live"},
    {"board"},
    {"clustering"},
    {"voting"},
    {"rating"},
    {"ranking"},
    {"profiles"},
    {"facilitation"},
    {"commitments"},
    {"planning"},
    {"audiences"},
    {"workshops"},
    {"importing"},
    {"reports"},
    {"synthesis"},
    {"demo", "errors_views", "health", "server", "processes", "cli", "workshop"},
]
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def unit_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    if len(relative.parts) > 1:
        return relative.parts[0]
    return "workshop" if relative.stem == "__init__" else relative.stem


def _runtime_imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "workshop":
                yield from (f"workshop.{alias.name}" for alias in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        yield from _runtime_imports(node)


def imported_unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "workshop":
        return None
    if len(parts) == 1:
        return "workshop"
    if (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").exists():
        return parts[1]
    return "workshop"  # a name defined in workshop/__init__.py (create_app)


def import_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> imported unit -> the files that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        source = unit_of(path)
        for module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = imported_unit(module)
            if target is not None and target != source:
                graph.setdefault(source, {}).setdefault(target, set()).add(str(path.relative_to(PACKAGE)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Strongly connected components with more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for other in graph.get(unit, {}):
            if other not in index:
                visit(other)
                low[unit] = min(low[unit], low[other])
            elif other in stack:
                low[unit] = min(low[unit], index[other])
        if low[unit] == index[unit]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == unit:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for unit in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if unit not in index:
            visit(unit)
    return found


def test_every_unit_has_a_layer():
    units = {unit_of(path) for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts}
    assert units - set(LEVEL) == set(), "place these packages in LAYERS"


def test_no_import_cycles_between_packages():
    assert cycles(import_graph()) == []


def test_imports_only_go_down():
    upward = [
        f"{source} (layer {LEVEL[source]}) imports {target} (layer {LEVEL[target]}) in {sorted(files)}"
        for source, targets in import_graph().items()
        for target, files in targets.items()
        if LEVEL.get(target, -1) > LEVEL.get(source, -1)
    ]
    assert upward == []


def test_the_checker_sees_a_cycle():
    """The test above could fail: a circle of two packages is found."""
    graph = {"a": {"b": {"a.py"}}, "b": {"a": {"b.py"}}, "c": {"a": {"c.py"}}}
    assert cycles(graph) == [["a", "b"]]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from workshop.core.models import Workshop", ["workshop.core.models"]),
        ("if TYPE_CHECKING:\n    from workshop.audiences import state", []),
        ("def f():\n    from workshop.reports import data", ["workshop.reports"]),
    ],
)
def test_the_checker_reads_imports(source, expected):
    assert list(_runtime_imports(ast.parse(source))) == expected
