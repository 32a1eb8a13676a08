"""The benchmark's page (report.md and report.html), built from its runs' files alone, so the
same page comes from the benchmark's OUT and from its collected folder (`gankit report build
docs/results/benchmark`): the final scores over seeds and as multiples of the real data's, each
model against the one it modifies, the quality each reached within an equal wall-clock budget
and its curve against training seconds, training time and machine, the final grids, and where
each recipe differs from its paper."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from gankit.benchmark.budget import budget_blocks
from gankit.benchmark.notes import NOTES
from gankit.benchmark.published import published_blocks
from gankit.benchmark.study import BUDGET_SECONDS, MODELS, STUDY
from gankit.benchmark.tables import (
    ModelRuns,
    against_table,
    by_dataset,
    dataset_title,
    floor_table,
    models_of,
    per_run_table,
    values_table,
)
from gankit.benchmark.targets import target_blocks
from gankit.benchmark.twins import scored_twins
from gankit.paper_report import (
    FIGURES,
    ReportRun,
    description,
    machine_of,
    made_by,
    open_runs,
    rebuild_report,
    relative_link,
)
from gankit.provenance import precision
from gankit.report.caveats import warning_paragraphs
from gankit.report.collect import collected_runs, read_study
from gankit.report.document import (
    Block,
    Document,
    Heading,
    Image,
    ImageRow,
    Paragraph,
    Table,
    write_document,
)
from gankit.report.sample_counts import mixed_counts_warning
from gankit.rundir import RunDir
from gankit.sweep.aggregate import CONFIDENCE, describe

TITLE = "The model benchmark: gankit's models over seeds"


def score_blocks(groups: dict[str, list[ModelRuns]]) -> list[Block]:
    blocks: list[Block] = [
        Heading("At the default lengths"),
        Paragraph(
            "Each run's final evaluation (metrics.json). Each cell: mean ± standard deviation "
            f"over the seeds, then the {CONFIDENCE:.0%} Student-t interval for the mean; one "
            "seed shows its value alone. 'modifies': the model this one changes one setting "
            "of, compared in [Against the model each one modifies]"
            "(#against-the-model-each-one-modifies). The last rows score real images the same "
            "way: the floor a model is measured against. Each run's values: "
            "[Per seed](#per-seed)."
        ),
    ]
    for dataset, group in groups.items():
        blocks.append(Heading(dataset_title(dataset), 3))
        warning = mixed_counts_warning(r.metrics for m in group for r in m.runs)
        if warning:
            blocks.append(Paragraph(warning))
        blocks.append(values_table(group))
        blocks.append(
            Paragraph(
                "As multiples of the real-data floor: each run's score divided by the real "
                "images' own (metrics.json's `reference`, as many images scored the same "
                "way), then over the seeds as above. For FID, KID and intra-class FID, which "
                "real images do not bring to 0, it is how many times the floor a model's "
                "distance is; for the others, the share of the real images' score it reaches. "
                "'-' where the real images' value is 0 or below (KID's unbiased estimate can "
                "be), of which no multiple can be taken."
            )
        )
        blocks.append(floor_table(group))
    return blocks


def against_blocks(groups: dict[str, list[ModelRuns]]) -> list[Block]:
    tables = [(d, t) for d, g in groups.items() if (t := against_table(g)) is not None]
    if not tables:
        return []
    blocks: list[Block] = [
        Heading("Against the model each one modifies"),
        Paragraph(
            "Each model's mean minus the mean of the model it modifies (a variant switch "
            "against its preset, a preset against the one it changes), with the "
            f"{CONFIDENCE:.0%} interval of Welch's t for that difference: an interval that "
            "holds 0 does not tell the two apart at these seeds. Where the two train for "
            "different lengths, 'iterations' gives both: the difference is then of the two "
            "recipes as shipped, length included."
        ),
    ]
    for dataset, table in tables:
        blocks += [Heading(dataset_title(dataset), 3), table]
    return blocks


def training_seconds(run: RunDir) -> float | None:
    """The run's own whole training time (timing.json), None where part of it was not timed."""
    try:
        segments = json.loads(run.timing.read_text())["segments"]
        return float(sum(s["seconds"] for s in segments)) if segments else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not timed (trained before runs were), or a segment without its seconds


def _seconds_cell(seconds: list[float]) -> str:
    stat = describe(seconds)
    if stat.n == 0:
        return "not recorded"
    if stat.n == 1:
        return f"{stat.mean:,.0f} s"
    return f"{stat.mean:,.0f} ± {stat.sd:,.0f} s"


def time_blocks(models: list[ModelRuns]) -> list[Block]:
    per_model, per_run = [], []
    for m in models:
        seconds = [s for r in m.runs if (s := training_seconds(r.run)) is not None]
        untimed = len(m.runs) - len(seconds)
        cell = _seconds_cell(seconds)
        cell += f" ({untimed} not recorded)" if untimed and seconds else ""
        where = "; ".join(dict.fromkeys(machine_of(r) for r in m.runs))
        made = ", ".join(dict.fromkeys(precision(r.config) for r in m.runs))
        per_model.append([m.label, str(len(m.runs)), m.iterations(), cell, where, made])
        for r in m.runs:
            took = training_seconds(r.run)
            when = str(r.trial.get("time", ""))[:10] or "-"
            per_run.append([r.name, str(r.seed), f"{r.config.train.iterations:,}",
                            f"{took:,.0f} s" if took is not None else "not recorded",
                            machine_of(r), made_by(r), when])  # fmt: skip
    return [
        Heading("Training time and machine"),
        Paragraph(
            "Wall seconds of training from each run's timing.json (sample grids, periodic "
            "evaluations and checkpoints included; the final evaluation not), over the seeds: "
            "mean ± standard deviation. The machine is the one timing.json records (CPU or "
            "GPU, its instruction set, torch threads, torch), or trial.json's host for a run "
            "trained before runs were timed."
        ),
        Table(["model", "seeds", "iterations", "training time", "machines", "precision"],
              per_model),
        Table(["run", "seed", "iterations", "training time", "machine",
               "code, torch, precision", "started"], per_run),
    ]  # fmt: skip


def _final_grid(run: ReportRun) -> Path | None:
    grid = run.run.sample_grid(run.config.train.iterations)
    if grid.is_file():
        return grid
    grids = run.run.sample_grids()
    return grids[-1] if grids else None


def sample_blocks(models: list[ModelRuns], out: Path) -> list[Block]:
    blocks: list[Block] = [
        Heading("Final samples"),
        Paragraph("Each seed's fixed-noise grid at its last iteration, the generator scored."),
    ]
    for m in models:
        blocks.append(Heading(f"{m.label}: {description(m.runs[0].config)}", 3))
        if m.model and m.model.switch:
            switch = ", ".join(f"`{o}`" for o in m.model.overrides())
            blocks.append(Paragraph(f"The preset {m.model.preset} with {switch}."))
        images = [
            Image(relative_link(grid, out), f"seed {r.seed}, step {r.config.train.iterations:,}")
            for r in m.runs
            if (grid := _final_grid(r)) is not None
        ]
        blocks.append(ImageRow(images) if images else Paragraph("No sample grid was kept."))
    return blocks


def note_blocks(models: list[ModelRuns]) -> list[Block]:
    blocks: list[Block] = [
        Heading("Where each recipe differs from its paper"),
        Paragraph(
            "Architecture size, learning rate and length as each preset file sets them, beside "
            "the paper it cites (its text, or where it could not be read the authors' code, as "
            "each note says): what a row here can and cannot be set beside. The notes are data "
            "beside the study's definition (src/gankit/benchmark/notes.py)."
        ),
    ]
    for m in models:
        note = NOTES.get(m.model.label) if m.model else None
        if note is None:
            continue
        blocks += [Heading(m.label, 3), Paragraph(f"Read: {note.source}.")]
        blocks += [Paragraph(sentence) for sentence in note.sentences]
    return blocks


def build_benchmark_report(
    run_dirs: list[Path], out: Path, made: str, budget: float = BUDGET_SECONDS
) -> Document:
    """The page for the runs in `run_dirs`, written to the benchmark folder `out`: its figures
    under out/figures (whose images from an earlier build are removed first), the Inception
    scores of the scored twins beside `out` (twins.py) with the published FIDs."""
    runs = open_runs(run_dirs)
    twins = scored_twins(out, runs)
    models = models_of(runs)
    for model in models:
        model.twins = {run.name: twins[run.name] for run in model.runs if run.name in twins}
    groups = by_dataset(models)
    (out / FIGURES).mkdir(parents=True, exist_ok=True)
    for stale in (out / FIGURES).glob("*.png"):
        stale.unlink()
    doc = Document(TITLE)
    doc.add(Paragraph(made))
    doc.add(
        Paragraph(
            "Every preset that no paper reproduction runs, at its own default length, and each "
            "variant switch that no preset isolates laid over the preset it modifies, over "
            "seeds (`gankit reproduce benchmark`). The scores are in the features of gankit's "
            "own classifier of each dataset (docs/results/metrics.md), not the Inception "
            "network's of published FIDs: set the rows beside each other and beside the real "
            "data's floor, not beside papers' numbers. Stacked MNIST models are scored by the "
            "modes they cover (of 1,000) and the KL of their mode histogram to the uniform one."
        )
    )
    present = {m.model.label for m in models if m.model}
    missing = [m.label for m in MODELS if m.label not in present]
    if missing:
        doc.add(Paragraph(f"Not run yet, so not on this page: {', '.join(missing)}."))
    doc.add(*score_blocks(groups))
    doc.add(*target_blocks(groups))
    doc.add(*against_blocks(groups))
    doc.add(*published_blocks(groups))
    doc.add(*budget_blocks(groups, out, budget))
    doc.add(*time_blocks(models))
    doc.add(*sample_blocks(models, out))
    doc.add(*note_blocks(models))
    doc.add(Heading("Per seed"))
    for dataset, group in groups.items():
        doc.add(Heading(dataset_title(dataset), 3), per_run_table(group))
    doc.add(*warning_paragraphs((r.name, r.metrics) for m in models for r in m.runs))
    return doc


def rebuild_benchmark_report(folder: Path) -> tuple[Path, Path]:
    """FOLDER/report.md and report.html from the runs collected in FOLDER alone."""
    run_dirs = collected_runs(folder)
    made = (
        f"Rebuilt by `gankit report build {folder}` on {date.today().isoformat()} from the "
        f"collected files of {len(run_dirs)} run{'s' if len(run_dirs) != 1 else ''} (config, "
        "metrics, periodic evaluations, timing, provenance, the final grids)."
    )
    return write_document(build_benchmark_report(run_dirs, folder, made), folder)


def rebuild_folder_report(folder: Path) -> tuple[Path, Path]:
    """The page of a folder of collected runs: the benchmark's where the folder's study marker
    names it, a paper reproduction's otherwise."""
    if read_study(folder) == STUDY:
        return rebuild_benchmark_report(folder)
    return rebuild_report(folder)
