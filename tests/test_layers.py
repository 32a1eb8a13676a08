"""gankit's modules import one another without cycles, and only downward through the layers
docs/architecture.md lists. The graph is read from the source: every import counts, at module
level or inside a function (an import deferred into a function still ties the two modules),
except those under `if TYPE_CHECKING:`, which never run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gankit

SRC = Path(gankit.__file__).parent

# Top to bottom, as docs/architecture.md draws them. A module may import from its own layer
# or any layer below it; each name is a top-level module or package of gankit ("" is the
# root package, gankit/__init__.py, which Python runs before any submodule, so it sits at
# the bottom and loads its public names lazily).
LAYERS: list[tuple[str, ...]] = [
    ("cli", "__main__", "commands"),
    ("api", "metrics"),
    ("reproduce", "paper_report", "benchmark", "sweep", "bench", "workflow"),
    ("runs", "export", "sample_files", "gallery"),
    ("report",),
    ("papers",),
    ("training",),
    ("provenance",),
    ("evaluation",),
    ("figures",),
    ("fast",),
    ("sampling",),
    ("machine",),
    ("config", "config_rules"),
    ("models", "losses", "data"),
    ("choices",),
    ("rundir", "fileio", "locks"),
    ("errors",),
    ("",),
]
LAYER_OF = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def _module_names() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package's __init__) for every module of gankit."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = ["gankit", *path.relative_to(SRC).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


MODULES = _module_names()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The gankit modules one import statement loads: `from P import N` loads module P.N when
    there is one, else P itself (a package's __init__ counts as the package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolved against the importing module's package
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""])
        base = base.rstrip(".")
    else:
        base = node.module or ""
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def _edges(module: str, is_package: bool, tree: ast.Module) -> dict[str, int]:
    """Each gankit module that `tree`, the source of `module`, imports -> the line of its
    first import."""
    found: dict[str, int] = {}

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit_one(other)
            else:
                visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _imported(module, is_package, node):
                if target in MODULES and target != module:
                    found.setdefault(target, node.lineno)
        visit(node)

    visit(tree)
    return found


def _imports(module: str) -> dict[str, int]:
    path, is_package = MODULES[module]
    return _edges(module, is_package, ast.parse(path.read_text(encoding="utf-8")))


GRAPH = {module: _imports(module) for module in MODULES}


def _top(module: str) -> str:
    """The top-level module or package of gankit that `module` belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of `graph` (Tarjan), as a path that
    returns to its first node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                connect(succ)
                low[node] = min(low[node], low[succ])
            elif succ in stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [_path_around(graph, group) for group in groups]


def _path_around(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest cycle from the group's first member back to itself, inside the group."""
    start = min(group)
    paths = {succ: [start, succ] for succ in sorted(graph[start] & group)}
    frontier = list(paths)
    while start not in paths:
        following = []
        for node in frontier:
            for succ in sorted(graph[node] & group):
                if succ not in paths:
                    paths[succ] = [*paths[node], succ]
                    following.append(succ)
        frontier = following
    return paths[start]


def test_every_module_has_a_layer() -> None:
    assert sorted({_top(m) for m in MODULES} - set(LAYER_OF)) == []


def test_no_import_cycle_between_modules() -> None:
    graph = {module: set(targets) for module, targets in GRAPH.items()}
    assert [" -> ".join(cycle) for cycle in _cycles(graph)] == []


def test_no_import_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {_top(m): set() for m in MODULES}
    for module, targets in GRAPH.items():
        graph[_top(module)] |= {_top(t) for t in targets} - {_top(module)}
    assert [" -> ".join(cycle) for cycle in _cycles(graph)] == []


def test_no_upward_imports() -> None:
    upward = [
        f"{MODULES[module][0].relative_to(SRC.parent)}:{line} imports {target}"
        for module, targets in GRAPH.items()
        for target, line in targets.items()
        if LAYER_OF[_top(target)] < LAYER_OF[_top(module)]
    ]
    assert upward == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from gankit.data import load", {"gankit.data.load"}),
        ("from gankit.data import DataError", {"gankit.data"}),
        ("from . import idx", {"gankit.data.idx"}),
        ("from .errors import DataError", {"gankit.data.errors"}),
        ("from .. import fileio", {"gankit.fileio"}),
        ("import numpy, gankit.rundir", {"gankit.rundir"}),
        ("def f():\n    import gankit.fileio", {"gankit.fileio"}),
        (
            "if TYPE_CHECKING:\n    import gankit.fileio\nelse:\n    import gankit.locks",
            {"gankit.locks"},
        ),
        ("from gankit.data.catalog import dataset_info", set()),  # itself
    ],
)
def test_the_graph_reads_every_kind_of_import(source: str, expected: set[str]) -> None:
    """What each statement, written in gankit/data/catalog.py, counts as importing."""
    assert set(_edges("gankit.data.catalog", False, ast.parse(source))) == expected


def test_cycles_are_found_and_reported_as_a_path() -> None:
    graph = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": {"e"}, "e": set()}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
