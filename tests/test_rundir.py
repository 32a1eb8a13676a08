"""gankit.rundir owns a run directory's file names."""

from __future__ import annotations

import ast
from pathlib import Path

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
