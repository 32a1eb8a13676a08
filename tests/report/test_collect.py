"""The paper's figures in the reproduction report, and its pages rebuilt from the small files
`gankit report collect` keeps: two tiny real runs, collected, deleted, reported again."""

from __future__ import annotations

import json
import re
import shutil
import statistics
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from support import PLAIN_LAYOUT, InProcess

from gankit.cli import main
from gankit.config import dump_config, load_config, load_config_file
from gankit.machine import cpu_id, cpu_model
from gankit.papers import PAPERS, Paper
from gankit.provenance import precision, provenance_label, read_provenance
from gankit.report.collect import collect_run, thin_csv
from gankit.report.document import Heading, Table
from gankit.report.figure_steps import figure_steps, pick_grids
from gankit.rundir import RunDir

PRESET = "xiao2023-adam"
# 8,000 iterations times 1/2000: 4 iterations, grids at 0 and 4, a periodic evaluation at 4
SCALE = 0.0005
TINY = ("train.batch_size=8", "log.eval_every=4", "log.eval_samples=40", "log.sample_every=4",
        "log.tensorboard=false", "log.plots=false", *PLAIN_LAYOUT)  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """Two seeds of one Xiao experiment through gankit reproduce, collected into a folder; the
    run directories' metrics are read before the runs are deleted."""
    from gankit import reproduce

    root = tmp_path_factory.mktemp("repro")
    out, collected = root / "runs", root / "docs" / "xiao"
    paper = Paper("tiny", "A tiny paper", (PRESET,), {}, "", metrics=("liu_isc_mean",))
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(PAPERS, "tiny", paper)
        result, report = reproduce.reproduce(
            "tiny", out, InProcess(), SCALE, 2, TINY, lambda line: None, collect_to=collected
        )
    assert result.complete and report is not None
    metrics = {
        run.name: json.loads(RunDir(run).metrics.read_text())
        for run in (out / f"{PRESET}-s0", out / f"{PRESET}-s1")
    }
    return out, collected, metrics


@pytest.mark.integration
def test_reproduce_report_shows_the_papers_figures(reproduced: tuple[Path, Path, dict]) -> None:
    out, _, metrics = reproduced
    md = (out / "report.md").read_text()
    # the paper's own metric (Paper.metrics) is a column of both tables, after the headline ones
    assert "| modes covered | ISc, Liu 2021 eq. 18 | trained on | code, torch, precision |" in md
    for name, m in metrics.items():
        isc = f"{m['liu_isc_mean']:.3f}"
        assert re.search(rf"\| {name} \|[^\n]* \| {isc} \| [^|\n]+ \| [^|\n]+ \|\n", md)
    iscs = [m["liu_isc_mean"] for m in metrics.values()]
    assert f"| {statistics.mean(iscs):.3f} ± {statistics.stdev(iscs):.3f} [" in md
    # Figure 4's caption quoted, seed 0's grids at its steps, Figure 5's loss panels
    assert "The paper's Figure 4: \u201cResult visualization of different epochs of GAN with " \
        "Adam optimizer.\u201d" in md  # fmt: skip
    row = re.search(r"\| step 0: start[^\n]*\n[^\n]*\n([^\n]*)", md)
    assert row and f"]({PRESET}-s0/samples/step_000000.png)" in row.group(1)
    assert "step_000004.png" in row.group(1) and "final, scored" in md
    assert "the paper's Figure 5: \u201cLoss curve of GAN with Adam optimizer.\u201d" in md
    assert (out / "figures" / f"{PRESET}-losses.png").is_file()
    assert "](figures/metrics-during-training.png)" in md


def _image_paths(md: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)


@pytest.mark.integration
def test_report_rebuilt_from_collected_files_alone(reproduced: tuple[Path, Path, dict]) -> None:
    out, collected, metrics = reproduced
    shutil.rmtree(out)  # checkpoints, events, full logs: gone
    for run in collected.iterdir():
        if run.is_dir() and run.name != "figures":
            kept = {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}
            assert not any(k.startswith("checkpoints") or "tfevents" in k for k in kept)
            assert {
                "config.yaml",
                "metrics.json",
                "losses.csv",
                "trial.json",
                "timing.json",
                "provenance.json",
            } <= kept
    (collected / "report.md").unlink()
    shutil.rmtree(collected / "figures")

    code, output = invoke("report", "build", str(collected))
    assert code == 0, output
    md = (collected / "report.md").read_text()
    assert "from the collected files of 2 runs (config," in md
    # each seed's row holds its metrics.json values
    for name, m in metrics.items():
        row = f"| {name} | {name[-1]} | 4 | {m['is_mean']:.3f} | {m['fid']:.3f} | "
        assert row + f"{m['kid']:.3f} | {m['precision']:.3f} |" in md
    # the over-seeds cell: mean ± sample sd of the two metrics.json values
    fids = [m["fid"] for m in metrics.values()]
    over = f"{statistics.mean(fids):.3f} ± {statistics.stdev(fids):.3f} ["
    assert re.search(rf"\| {PRESET} \| 2 \| [^|]+ \| {re.escape(over)}", md)
    # each run's row says where it trained and for how long (its collected timing.json)
    cpu = f"{cpu_model()} [{cpu_id()}]" if cpu_id() else cpu_model()
    machine = f"{cpu} ({torch.backends.cpu.get_cpu_capability()}, "
    assert md.count(machine) == len(metrics)
    # and the code, torch and precision that made it (its collected provenance.json)
    for name in metrics:
        made_by = provenance_label(read_provenance(RunDir(collected / name).provenance))
        assert re.search(rf"\| {name} \|[^\n]*\| {re.escape(made_by)} \|\n", md)
        assert f"torch {torch.__version__}" in made_by
        # a trial records its preset and every setting laid over it (what differs from the preset)
        [made] = read_provenance(RunDir(collected / name).provenance) or []
        assert made["source"] == PRESET and made["from_step"] == 0
        assert {"train.iterations=4", "train.batch_size=8"} <= set(made["overrides"])
        recorded = load_config_file(RunDir(collected / name).config)
        # with the precision it resolved pinned (the report's command does so), the same config
        again = load_config(PRESET, [*made["overrides"], f"perf.amp={recorded.perf.amp}"])
        assert again.train.seed == int(name[-1])
        assert again.fingerprint() == recorded.fingerprint() == made["fingerprint"]
    images = _image_paths(md)
    assert len(images) >= 4 and all((collected / image).is_file() for image in images)
    page = (collected / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(images)  # every image found and inlined
    # the over-seeds table's note links to the per-seed table, in both forms
    assert "[Per seed](#per-seed), below" in md
    assert "<a href='#per-seed'>Per seed</a>, below" in page and "<h2 id='per-seed'>" in page


@pytest.mark.integration
def test_collect_refuses_an_unfinished_run_and_build_an_empty_folder(
    reproduced: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, collected, _ = reproduced
    unfinished = tmp_path / "unfinished"
    shutil.copytree(collected / f"{PRESET}-s0", unfinished)
    (unfinished / "metrics.json").unlink()
    dest = tmp_path / "dest"
    code, output = invoke("report", "collect", str(unfinished), "--to", str(dest))
    assert code == 2 and "has no metrics.json" in output and "gankit eval" in output
    assert not dest.exists()  # checked before anything is written
    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = invoke("report", "build", str(empty))
    assert code == 2 and "holds no runs" in output and "Traceback" not in output


@pytest.mark.integration
def test_collecting_again_replaces_the_runs_folder_whole(
    reproduced: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, collected, _ = reproduced
    run = collected / f"{PRESET}-s1"  # a collection is a run directory too
    dest = tmp_path / "again"
    assert invoke("report", "collect", str(run), "--to", str(dest), "--no-build")[0] == 0
    (dest / run.name / "stale.txt").write_text("from an earlier collection")
    code, output = invoke("report", "collect", str(run), "--to", str(dest), "--no-build")
    assert code == 0, output
    files = sorted(p.relative_to(dest / run.name) for p in (dest / run.name).rglob("*"))
    assert files == sorted(p.relative_to(run) for p in run.rglob("*"))
    assert [p.name for p in dest.iterdir()] == [run.name]  # no staging folder left behind


def test_a_collection_collected_again_counts_its_losses_from_the_run(
    reproduced: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, collected, _ = reproduced
    run = collected / f"{PRESET}-s0"  # a collection is a run directory too
    rows = json.loads((run / "collected.json").read_text())["losses_rows"]
    first = collect_run(run, tmp_path / "first", max_losses_bytes=1)  # thinned to two rows
    record = json.loads((first / "collected.json").read_text())
    assert record["losses_every"] > 1 and record["losses_rows"] == rows > 2
    again = collect_run(first, tmp_path / "again")  # as a queue on a new machine starts from it
    assert json.loads((again / "collected.json").read_text()) == record
    assert RunDir(again).losses.read_text() == RunDir(first).losses.read_text()


@pytest.mark.integration
def test_a_run_collected_before_provenance_was_recorded_says_so(
    reproduced: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    _, collected, _ = reproduced
    older = tmp_path / "older"
    shutil.copytree(collected / f"{PRESET}-s0", older / f"{PRESET}-s0")
    (older / f"{PRESET}-s0" / "provenance.json").unlink()
    code, output = invoke("report", "build", str(older))
    assert code == 0, output
    config = load_config_file(older / f"{PRESET}-s0" / "config.yaml")
    assert f"| code not recorded, {precision(config)} |" in (older / "report.md").read_text()


def test_thinned_losses_keep_every_column_and_every_nth_row() -> None:
    rows = [f"{i},{i / 7:.6f},{i / 3:.6f},,0.5" for i in range(1, 1001)]
    text = "step,d_loss,g_loss,d_grad_norm,d_real\n" + "\n".join(rows) + "\n"
    thinned, every = thin_csv(text, 5_000)
    lines = thinned.splitlines()
    assert len(thinned.encode()) <= 5_000 and every > 1
    assert lines[0] == "step,d_loss,g_loss,d_grad_norm,d_real"
    assert lines[1:] == rows[::every] + ([rows[-1]] if (len(rows) - 1) % every else [])
    assert thin_csv(text, 10**6) == (text, 1)  # small enough already: unchanged


def _grid_steps(preset: str, saved_every: int | None = None) -> list[int]:
    """The steps of the grids picked from a full-length run of `preset` that saved one every
    `saved_every` iterations (its own cadence by default) and at its last."""
    config = load_config(preset)
    every = saved_every or config.log.sample_every
    saved = sorted({*range(0, config.train.iterations + 1, every), config.train.iterations})
    run = RunDir(Path("run"))
    return [grid.step for grid in pick_grids([run.sample_grid(s) for s in saved], config)]


def test_figure_steps_are_the_papers() -> None:
    assert _grid_steps("liu2021-dcgan") == [0, 1_000, 5_000, 10_000]
    assert _grid_steps("liu2021-gan-6") == [0, 10_000, 50_000, 100_000]
    assert _grid_steps("xiao2023-sgd") == [0, 1_200, 7_200, 8_000]
    assert _grid_steps("xiao2023-batchnorm") == [200, 4_800, 8_000]
    # no step in the caption: the start and the milestones, and the step the text names
    assert _grid_steps("xiao2023-adam") == [0, 1_200, 4_800, 5_800, 7_200, 8_000]
    # a grid every 1,000: 1,200 falls back on the nearest one, and says so
    config = load_config("xiao2023-sgd")
    assert [s.step for s in figure_steps(config)] == [0, 1_200, 7_200, 8_000]
    assert _grid_steps("xiao2023-sgd", saved_every=1_000) == [0, 1_000, 7_000, 8_000]


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_every_paper_preset_saves_a_grid_at_each_figure_step(paper: str) -> None:
    for preset in sorted({*PAPERS[paper].figures, *PAPERS[paper].presets}):
        config = load_config(preset)
        for wanted in figure_steps(config):
            saved = wanted.step % config.log.sample_every == 0
            assert saved or wanted.step == config.train.iterations, (preset, wanted)


def test_over_seeds_keeps_a_sweeps_grid_points_apart(tmp_path: Path) -> None:
    """Runs of one preset at different grid points (different readings) get a row each."""
    from gankit.paper_report import ReportRun, over_seeds_table, place_in_experiments

    runs = []
    for generator, seed, score in (("a", 0, 2.0), ("a", 1, 4.0), ("b", 0, 1.0)):
        metrics = {"is_mean": score, "fid": 10 * score, "kid": 0.0, "precision": 0.5,
                   "recall": 0.5, "coverage": 0.5, "modes_covered": 10}  # fmt: skip
        config = load_config("xiao2023-sgd", [f"train.seed={seed}"])
        trial = {"point": {"model.generator": generator}}
        runs.append(ReportRun(RunDir(tmp_path / f"{generator}{seed}"), config, metrics, trial))
    table = over_seeds_table(place_in_experiments(runs), None)
    assert table.header[:3] == ["preset", "model.generator", "seeds"]
    rows = {row[1]: row for row in table.rows}
    assert rows["a"][2] == "2" and rows["a"][3].startswith("3.000 ± 1.414")
    assert rows["b"][2] == "1" and rows["b"][3].startswith("1.000")


def _fake_run(
    root: Path,
    name: str,
    overrides: list[str],
    point: dict,
    score: float,
    preset: str = "xiao2023-sgd",
) -> Path:
    """A run folder with what the report reads: config, metrics, trial record, two loss rows."""
    from gankit.config import dump_config

    run = root / name
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(dump_config(load_config(preset, overrides)))
    metrics = {"is_mean": score, "fid": 10 * score, "kid": 0.0, "precision": 0.5, "recall": 0.5,
               "coverage": 0.5, "modes_covered": 10}  # fmt: skip
    (run / "metrics.json").write_text(json.dumps(metrics))
    (run / "trial.json").write_text(json.dumps({"point": point}))
    (run / "losses.csv").write_text("step,d_loss,g_loss\n1,0.7,0.7\n2,0.6,0.8\n")
    return run


@pytest.mark.integration
def test_report_never_pools_two_setups_of_one_preset(tmp_path: Path) -> None:
    """Runs of one preset that compute different things, by grid point or because the config
    itself differs (the preset changed between runs), are separate experiments: a row each over
    seeds and a figure block each, never seeds of one."""
    from gankit.paper_report import build_paper_report

    runs = [
        _fake_run(tmp_path, "xiao2023-sgd-s0", ["train.seed=0"], {}, 2.0),
        _fake_run(tmp_path, "xiao2023-sgd-s1", ["train.seed=1"], {}, 4.0),
        _fake_run(tmp_path, "xiao2023-sgd-other-s2", ["train.seed=2", "optim.d.lr=0.03"], {}, 1.0),
        _fake_run(tmp_path, "xiao2023-sgd_lr=0.1-s0", ["optim.d.lr=0.1"], {"optim.d.lr": 0.1}, 3.0),
    ]
    out = tmp_path / "report"
    doc = build_paper_report(runs, out, "t", "made")
    over = next(b for b in doc.blocks if isinstance(b, Table))
    assert over.header[:4] == ["preset", "config", "optim.d.lr", "seeds"]
    # the two setups without a grid point are named by the setting that separates them
    assert sorted(row[1] for row in over.rows) == ["", "optim.d.lr=0.01", "optim.d.lr=0.03"]
    seeds_and_is = sorted((row[3], row[4].split(" ")[0]) for row in over.rows)
    assert seeds_and_is == [("1", "1.000"), ("1", "3.000"), ("2", "3.000")]
    headings = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 3]
    assert len(headings) == 3 and sum("config=" in h for h in headings) == 2
    assert sum("optim.d.lr=0.1" in h for h in headings) == 1
    losses = sorted(p.name for p in (out / "figures").glob("*-losses.png"))
    assert len(losses) == 3 and "xiao2023-sgd_lr=0.1-losses.png" in losses


@pytest.mark.integration
def test_a_reading_is_shown_beside_its_experiments_figure_and_score(tmp_path: Path) -> None:
    """A preset that inherits from a paper's experiment (a reading of it) gets that
    experiment's score in the over-seeds table and its figure's caption."""
    from gankit.paper_report import build_paper_report

    runs = [
        _fake_run(tmp_path, "liu2021-dcgan-d1-s0", [], {}, 2.0, preset="liu2021-dcgan-d1"),
        _fake_run(tmp_path, "liu2021-gan-6-s0", [], {}, 3.0, preset="liu2021-gan-6"),
        _fake_run(tmp_path, "dcgan-s0", [], {}, 4.0, preset="dcgan"),
        _fake_run(tmp_path, "liu2021-gan-s0", [], {}, 5.0, preset="liu2021-gan"),
        _fake_run(
            tmp_path, "liu2021-dcgan-3groups-s0", [], {}, 6.0, preset="liu2021-dcgan-3groups"
        ),
    ]
    doc = build_paper_report(runs, tmp_path / "report", "t", "made", PAPERS["liu2021"])
    over = next(b for b in doc.blocks if isinstance(b, Table))
    paper_column = {row[0]: row[-1] for row in over.rows}
    assert paper_column == {
        "liu2021-dcgan-d1": "ISc (Table 3, group 1): 6.10",
        "liu2021-gan-6": "ISs (Table 3, group 2): 4.80",
        "dcgan": "",
        "liu2021-gan": "ISc (Table 3, group 1): 4.55",
        "liu2021-dcgan-3groups": "ISc (Table 3, group 1): 6.10",
    }
    text = " ".join(b.text for b in doc.blocks if hasattr(b, "text"))
    assert "The paper's Figure 3: \u201cDCGAN partial results (Experiment 1)" in text
    assert "The paper's Figure 9:" in text
    # the paper's own presets first, in its order, then the others by name: in the headings,
    # the over-seeds table and the per-seed table alike
    order = ["liu2021-gan", "liu2021-dcgan-3groups", "liu2021-gan-6", "dcgan", "liu2021-dcgan-d1"]
    headings = [b.text.split(":")[0] for b in doc.blocks if isinstance(b, Heading) and b.level == 3]
    assert headings == order
    assert [row[0] for row in over.rows] == order
    per_seed = [b for b in doc.blocks if isinstance(b, Table)][1]
    assert [row[0] for row in per_seed.rows if row[1]] == [f"{p}-s0" for p in order]


@pytest.mark.parametrize("paper", sorted(PAPERS))
def test_every_preset_a_paper_reproduces_runs_one_of_its_experiments(paper: str) -> None:
    experiments = [PAPERS[paper].experiment_of(p) for p in PAPERS[paper].presets]
    assert None not in experiments and len(set(experiments)) == len(experiments)
    # each is shown beside the paper's figures or its row of the paper's table
    table = PAPERS[paper].table
    assert all(e in PAPERS[paper].figures or (table and table.row_of(e)) for e in experiments)
    if PAPERS[paper].scores:
        assert set(experiments) == set(PAPERS[paper].scores)


@pytest.mark.integration
def test_a_runs_heading_gives_its_presets_description_as_it_reads_now(tmp_path: Path) -> None:
    """The description is outside the fingerprint: a run that computes what its preset computes
    is headed by the preset's revised text; a run whose config differs keeps the one it
    recorded."""
    import yaml

    from gankit.paper_report import build_paper_report

    runs = [
        _fake_run(tmp_path, "xiao2023-sgd-s0", [], {}, 2.0),
        _fake_run(tmp_path, "xiao2023-sgd-other-s0", ["optim.d.lr=0.03"], {}, 1.0),
    ]
    for run in runs:
        config = yaml.safe_load((run / "config.yaml").read_text())
        config["description"] = "as recorded"
        (run / "config.yaml").write_text(yaml.safe_dump(config))
    doc = build_paper_report(runs, tmp_path / "report", "t", "made")
    headings = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 3]
    current = load_config("xiao2023-sgd").description
    assert len(headings) == 2
    assert sum(h.endswith(": as recorded") for h in headings) == 1
    assert sum(h.endswith(f": {current}") for h in headings) == 1


@pytest.mark.integration
def test_reproduce_takes_each_runs_recorded_settings(
    reproduced: tuple[Path, Path, dict], tmp_path: Path
) -> None:
    from gankit.reproduce import paper_trials

    _, collected, _ = reproduced
    study = tmp_path / "study"
    shutil.copytree(collected, study)
    # seed 1 trained with another learning rate for D and in fp32 (a per-seed --set)
    config_file = study / f"{PRESET}-s1" / "config.yaml"
    config = load_config_file(config_file)
    config.optim.d.lr, config.perf.amp = 1e-3, "none"
    config_file.write_text(dump_config(config))
    resolved = load_config_file(study / f"{PRESET}-s0" / "config.yaml").perf.amp
    paper = Paper("tiny", "A tiny paper", (PRESET,), {}, "")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(PAPERS, "tiny", paper)
        trials = paper_trials("tiny", SCALE, 3, (), study, lines.append)
        overruled = paper_trials("tiny", SCALE, 2, ("perf.amp=auto",), study, lambda line: None)
    s0, s1, s2 = trials
    assert s0.config.train.batch_size == 8 and s0.config.perf.amp == resolved  # as recorded
    assert (s1.config.optim.d.lr, s1.config.perf.amp) == (1e-3, "none")
    assert s1.config.train.iterations == 4  # length follows --scale, not the recorded run
    assert s2.config.train.batch_size == load_config(PRESET).train.batch_size  # no run: planned
    taken = 'optim.d.lr=0.001 train.batch_size=8 perf.amp="none"'
    assert lines[1] == f"{PRESET}-s1: {taken} as {study / s1.name} trained"
    assert lines[2] == f"{PRESET}-s2: no run in {study}; as planned"
    assert [t.config.perf.amp for t in overruled] == ["auto", "auto"]  # --set wins
    code, output = invoke("reproduce", "liu2021", "--settings-from", str(tmp_path / "no"),
                          "--print-config")  # fmt: skip
    assert code == 2 and "--settings-from" in output and "no such folder" in output
