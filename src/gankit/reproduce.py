"""Re-run every experiment of a paper and put the results side by side with its numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from gankit.config import load_config
from gankit.machine import describe_machine
from gankit.papers import PAPERS
from gankit.report.compare import build_comparison
from gankit.report.document import Paragraph, write_document
from gankit.workflow import run_experiment


def scaled_overrides(preset: str, scale: float) -> list[str]:
    """Shorten (or lengthen) a preset by `scale`, keeping its logging cadence proportional."""
    if scale <= 0:
        raise ValueError(f"--scale must be positive, got {scale}")
    base = load_config(preset)

    def scaled(n: int) -> int:
        return max(1, round(n * scale))

    return [
        f"train.iterations={scaled(base.train.iterations)}",
        f"log.sample_every={scaled(base.log.sample_every)}",
        f"log.checkpoint_every={scaled(base.log.checkpoint_every)}",
        f"log.milestones={[scaled(m) for m in base.log.milestones]}",
    ]


def reproduce(
    paper_key: str,
    out: Path,
    scale: float = 1.0,
    extra_overrides: tuple[str, ...] = (),
    data_dir: str | Path | None = None,
    eval_samples: int = 10000,
    progress: bool = True,
    echo: Callable[[str], None] = print,
) -> tuple[Path, Path]:
    if paper_key not in PAPERS:
        raise ValueError(f"unknown paper {paper_key!r}; choose one of: {', '.join(PAPERS)}")
    paper = PAPERS[paper_key]
    run_dirs = []
    for preset in paper.presets:
        config = load_config(preset, [*scaled_overrides(preset, scale), *extra_overrides])
        run_dir = out / preset
        echo(f"== {preset}: {config.train.iterations} iterations -> {run_dir}")
        result = run_experiment(
            config, run_dir, data_dir=data_dir, eval_samples=eval_samples, progress=progress
        )
        if result.train.interrupted:
            raise KeyboardInterrupt(f"interrupted in {preset}; run the command again to resume")
        run_dirs.append(run_dir)
    doc = build_comparison(run_dirs, out, f"Reproducing {paper.citation}")
    command = f"gankit reproduce {paper_key} --scale {scale} --out {out}"
    made = f"Made by `{command}` on {date.today().isoformat()}, {describe_machine()}."
    doc.blocks.insert(0, Paragraph(f"{made} Iteration counts are the paper's times {scale}."))
    return write_document(doc, out)
