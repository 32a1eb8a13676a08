"""gankit.rundir owns a run directory's file names, and the packages import only downward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gankit import rundir
from gankit.rundir import RunDir, step_of

SRC = Path(rundir.__file__).parent
RUN_FILES = [
    rundir.CONFIG,
    rundir.LAST_CHECKPOINT,
    rundir.LOSSES,
    rundir.METRIC_HISTORY,
    rundir.LOSS_PLOT,
    rundir.METRIC_PLOT,
    rundir.METRICS,
    rundir.PROVENANCE,
    rundir.TRIAL,
    rundir.ERROR,
    rundir.LOCK,
    rundir.CLAIM,
    f"{rundir.REPORT}.md",
    f"{rundir.REPORT}.html",
]


def test_layout(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    assert run.last_checkpoint == tmp_path / "checkpoints" / "last.pt"
    assert run.milestone(1200) == tmp_path / "checkpoints" / "step_001200.pt"
    assert run.loss_plot == tmp_path / "plots" / "losses.png"
    assert run.report_html == tmp_path / "report.html"
    assert step_of(run.milestone(1200)) == 1200
    for step in (500, 20, 3000):
        run.sample_grid(step).parent.mkdir(exist_ok=True)
        run.sample_grid(step).touch()
    assert [step_of(g) for g in run.sample_grids()] == [20, 500, 3000]


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(p.relative_to(SRC.parent)), ast.parse(p.read_text()))
        for p in sorted(SRC.rglob("*.py"))
    ]


def test_run_file_names_are_spelled_only_in_rundir() -> None:
    spelled = [
        f"{name}:{node.lineno} {node.value!r}"
        for name, tree in _modules()
        if name != "gankit/rundir.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in RUN_FILES
    ]
    assert spelled == []


def _imports(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):  # function-level imports count too
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    ("package", "above"),
    [
        ("evaluation", ("runs", "training", "workflow", "commands", "sweep", "report")),
        ("report", ("runs", "training", "workflow", "commands", "sweep")),
        ("training", ("runs", "workflow", "reproduce", "commands", "sweep", "report")),
        ("figures", ("training", "evaluation", "report", "runs", "workflow", "commands")),
        ("models", ("training", "runs", "evaluation", "commands")),
        ("data", ("training", "runs", "evaluation", "models", "commands")),
    ],
)
def test_no_upward_imports(package: str, above: tuple[str, ...]) -> None:
    upward = [
        f"{name} imports {module}"
        for name, tree in _modules()
        if name.startswith(f"gankit/{package}/")
        for module in _imports(tree)
        if any(module == f"gankit.{a}" or module.startswith(f"gankit.{a}.") for a in above)
    ]
    assert upward == []
