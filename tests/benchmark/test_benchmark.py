"""The model benchmark (`gankit reproduce benchmark`): what it trains, its trials, and its page
built from tiny real runs (3 iterations, 2 seeds) through the sweep runner, collected, deleted
and rebuilt by `gankit report build`; every number on the page checked against an independent
computation from the runs' own files."""

from __future__ import annotations

import json
import math
import re
import shutil
import statistics
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

# InProcess: trials in this process, so the test's settings reach them
from support import PLAIN_LAYOUT, InProcess

from gankit.benchmark.budget import CURVES, PACE_FILE, at_budget, paced_history, read_pace
from gankit.benchmark.notes import NOTES
from gankit.benchmark.study import EVAL_EVERY, MODELS, STUDY, model_of
from gankit.benchmark.tables import welch_interval
from gankit.benchmark.trials import benchmark_trials
from gankit.cli import main
from gankit.config import UNHASHED, flatten, load_config, preset_names
from gankit.figures.bands import seed_band
from gankit.machine import cpu_model
from gankit.report.collect import STUDY_FILE
from gankit.rundir import RunDir

SCALE = 0.001  # 3,000 iterations -> 3, a periodic evaluation at every one (250 -> 1)
TINY = ("train.batch_size=8", "log.eval_samples=40", "log.tensorboard=false", "log.plots=false",
        *PLAIN_LAYOUT)  # fmt: skip
PART = ("dcgan", "dcgan-projection", "stacked-dcgan")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _model(label: str):  # noqa: ANN202
    return next(m for m in MODELS if m.label == label)


def _fingerprinted(label: str) -> dict:
    model = _model(label)
    flat = flatten(load_config(model.preset, model.overrides()).to_dict())
    return {k: v for k, v in flat.items() if not k.startswith(UNHASHED)}


def test_the_study_is_every_preset_no_paper_runs_and_every_variant_switch() -> None:
    no_paper = {p for p in preset_names() if load_config(p).paper is None}
    assert {m.preset for m in MODELS} == no_paper
    assert {m.preset for m in MODELS if not m.switch} == no_paper  # each at its defaults too
    labels = [m.label for m in MODELS]
    assert len(set(labels)) == len(labels)
    # every switch README lists is set against the model it modifies, alone: the two configs
    # differ in that key and in nothing else that changes what training computes
    alone = {}
    for model in MODELS:
        if model.against:
            mine, theirs = _fingerprinted(model.label), _fingerprinted(model.against)
            changed = {k for k in mine.keys() | theirs.keys() if mine.get(k) != theirs.get(k)}
            if len(changed) == 1:
                alone[changed.pop()] = model.label
    switches = {"model.d_spectral_norm", "train.loss", "train.r1_gamma", "train.diffaugment",
                "model.d_conditioning", "train.packing"}  # fmt: skip
    assert switches <= set(alone), switches - set(alone)
    assert alone["train.packing"] == "stacked-pacgan2"
    # the MNIST models on MNIST, dcgan-fashion on Fashion-MNIST, the stacked ones on Stacked MNIST
    datasets = {m.label: load_config(m.preset).data.dataset for m in MODELS}
    assert datasets.pop("dcgan-fashion") == "fashion-mnist"
    assert datasets.pop("dcgan-projection-fashion") == "fashion-mnist"
    assert {datasets.pop("stacked-dcgan"), datasets.pop("stacked-pacgan2")} == {"stacked-mnist"}
    assert set(datasets.values()) == {"mnist"}
    # a note for every model, and none for a model the study lacks
    assert set(NOTES) == set(labels)


# What the notes say of gankit's own recipes, against the presets they describe: a preset
# changed without its note fails here.
NOTE_FACTS = [
    ("dcgan", "optim.g.lr", 5e-4, "Adam 5e-4"),
    ("dcgan", "model.z_dim", 64, "64-d normal z"),
    ("dcgan", "train.ema", 0.995, "decay 0.995"),
    ("sngan", "optim.d.lr", 2e-4, "Adam 2e-4"),
    ("sngan", "model.d_norm", "none", "no BatchNorm"),
    ("lsgan", "optim.g.lr", 2e-4, "Adam 2e-4"),
    ("wgan-gp", "optim.d.betas", [0.5, 0.9], "betas (0.5, 0.9)"),
    ("wgan-gp", "train.gp_weight", 10.0, "weight 10"),
    ("wgan-gp", "train.d_steps", 5, "5 critic steps"),
    ("wgan-gp", "model.d_norm", "layer", "LayerNorm"),
    ("stacked-dcgan", "model.z_dim", 100, "100-d normal z"),
    ("stacked-dcgan", "optim.d.lr", 2e-4, "Adam 2e-4"),
    ("stacked-pacgan2", "train.packing", 2, "packs of 2"),
    ("dcgan-uncond + R1, gamma 1", "train.r1_gamma", 1.0, "gamma 1"),
    ("dcgan-projection-r1", "train.r1_gamma", 1.0, "gamma 1"),
    ("dcgan-projection-r1", "model.d_conditioning", "projection", "dcgan-projection with"),
]


@pytest.mark.parametrize(("label", "key", "value", "text"), NOTE_FACTS)
def test_the_notes_say_what_the_presets_set(label: str, key: str, value, text: str) -> None:  # noqa: ANN001
    model = _model(label)
    assert flatten(load_config(model.preset, model.overrides()).to_dict())[key] == value
    assert text in " ".join(NOTES[label].sentences)


def test_each_notes_length_is_its_presets() -> None:
    for label, note in NOTES.items():
        iterations = load_config(_model(label).preset).train.iterations
        lengths = [s for s in note.sentences if s.startswith("Length:")]
        assert all(s.startswith(f"Length: {iterations:,} ") for s in lengths), label


@pytest.mark.integration
def test_each_trial_computes_what_its_preset_and_switch_compute() -> None:
    trials = benchmark_trials(1.0, 3)
    assert len(trials) == 3 * len(MODELS) and len({t.name for t in trials}) == len(trials)
    names = {t.name for t in trials}
    assert {"dcgan-s0", "dcgan-projection-s2", "dcgan-uncond_r1_gamma=1-s1",
            "dcgan-uncond_diffaugment=translation-cutout-s0",
            "stacked-pacgan2-s2"} <= names  # fmt: skip
    for trial in trials:
        model = model_of(trial.preset, trial.point)
        assert model is not None
        plain = load_config(model.preset, [*model.overrides(), f"train.seed={trial.seed}"])
        # the study adds logging only: the same fingerprint and length as the preset's own
        assert trial.config.fingerprint() == plain.fingerprint()
        assert trial.config.train.iterations == plain.train.iterations
        assert trial.config.log.eval_every == EVAL_EVERY
    short = benchmark_trials(SCALE, 1, ("train.batch_size=8",))
    lengths = [load_config(m.preset).train.iterations for m in MODELS]
    assert [t.config.train.iterations for t in short] == [round(n * SCALE) for n in lengths]
    assert {t.config.log.eval_every for t in short} == {1}
    assert all(t.config.train.batch_size == 8 for t in short)


@pytest.mark.integration
def test_print_config_and_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = invoke("reproduce", STUDY, "--seeds", "1", "--scale", "0.01", "--print-config")
    assert code == 0, output
    headers = re.findall(r"^# (\S+)$", output, re.MULTILINE)
    assert len(headers) == len(MODELS)
    assert "runs/reproduce-benchmark/dcgan-uncond_loss=lsgan-s0" in headers
    configs = list(yaml.safe_load_all(output))
    assert configs[0]["train"]["iterations"] == 30 and not list(tmp_path.iterdir())
    code, output = invoke("reproduce", STUDY, "--settings-from", "nowhere", "--print-config")
    assert code == 2 and "--settings-from nowhere: no such folder" in output
    code, output = invoke("reproduce", "bench")
    assert code == 2 and "'benchmark'" in output


def test_seed_band_and_welch_interval_match_direct_computations() -> None:
    a = (np.array([0.0, 10.0, 20.0]), np.array([9.0, 5.0, 1.0]))
    b = (np.array([5.0, 15.0, 30.0]), np.array([7.0, 3.0, 0.0]))
    band = seed_band([a, b])
    assert band is not None
    assert list(band.x) == [5.0, 10.0, 15.0, 20.0]  # where both seeds have a value
    at = {x: (np.interp(x, *a), np.interp(x, *b)) for x in band.x}
    assert np.allclose(band.mean, [sum(at[x]) / 2 for x in band.x])
    assert np.allclose(band.low, [min(at[x]) for x in band.x])
    assert seed_band([a, (np.array([40.0, 50.0]), np.array([1.0, 1.0]))]) is None
    x, y = [3.0, 5.0, 4.5], [2.0, 2.5, 1.0, 1.5]
    diff, low, high = welch_interval(x, y)
    interval = stats.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(statistics.mean(x) - statistics.mean(y))
    assert (low, high) == pytest.approx((interval.low, interval.high))


@pytest.fixture(scope="module")
def benchmarked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three models of the study for 2 seeds at 3 iterations, collected. Stacked MNIST is
    scored on 200 samples, not its 26,000."""
    from gankit.benchmark.run import run_benchmark

    root = tmp_path_factory.mktemp("benchmark")
    out, collected = root / "runs", root / "docs" / "benchmark"
    models = tuple(m for m in MODELS if m.label in PART)
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("gankit.runs.MODE_SAMPLES", 200)
        result, report = run_benchmark(
            out, InProcess(), SCALE, 2, TINY, lines.append, collected, models=models
        )
        assert result.complete and report is not None
        # a second run finds every trial finished and trains none
        again, _ = run_benchmark(out, InProcess(), SCALE, 2, TINY, lines.append, models=models)
    assert "6 trials: 6 already finished, 0 to run" in lines
    assert again.count("skipped") == 6
    return out, collected


def _runs(folder: Path) -> dict[str, RunDir]:
    return {p.name: RunDir(p) for p in sorted(folder.iterdir()) if RunDir(p).config.is_file()}


def _metrics(run: RunDir) -> dict:
    return json.loads(run.metrics.read_text())


def _row(md: str, first: str) -> list[str]:
    """The cells of the first table row whose first cell is `first`."""
    match = re.search(rf"^\| {re.escape(first)} \|(.*)\|$", md, re.MULTILINE)
    assert match, first
    return [c.strip() for c in match.group(1).split("|")]


def _cell(values: list[float], fmt: str) -> str:
    """'mean ± sd [low, high]', computed directly."""
    mean, sd = statistics.mean(values), statistics.stdev(values)
    half = stats.t.ppf(0.975, len(values) - 1) * sd / math.sqrt(len(values))
    low, high = mean - half, mean + half
    return " ".join([fmt.format(mean), "±", fmt.format(sd), f"[{fmt.format(low)},",
                     f"{fmt.format(high)}]"])  # fmt: skip


@pytest.mark.integration
def test_the_page_rebuilt_from_collected_files_alone(benchmarked: tuple[Path, Path]) -> None:
    out, collected = benchmarked
    runs = _runs(collected)
    assert sorted(runs) == ["dcgan-projection-s0", "dcgan-projection-s1", "dcgan-s0",
                            "dcgan-s1", "stacked-dcgan-s0", "stacked-dcgan-s1"]  # fmt: skip
    assert json.loads((collected / STUDY_FILE).read_text()) == {"study": STUDY}
    shutil.rmtree(out)
    (collected / "report.md").unlink()
    shutil.rmtree(collected / "figures")
    code, output = invoke("report", "build", str(collected))
    assert code == 0, output
    md = (collected / "report.md").read_text()
    assert md.startswith("# The model benchmark")
    assert "Not run yet, so not on this page: dcgan-projection-r1, dcgan-fashion, " in md

    # over seeds: mean ± sd [t interval] of each seed's metrics.json value
    dcgan = [_metrics(runs[f"dcgan-s{s}"]) for s in (0, 1)]
    row = _row(md, "dcgan")
    header = _row(md, "model")
    fid = header.index("FID (MNIST classifier)")
    assert row[fid] == _cell([m["fid"] for m in dcgan], "{:.3f}")
    accuracy = header.index("accuracy on requested labels")  # a conditional model's
    assert row[accuracy] == _cell([m["label_accuracy"] for m in dcgan], "{:.3f}")
    variant = _row(md, "dcgan-projection")
    assert variant[0] == "dcgan" and variant[1] == "2" and variant[2] == "4"
    # as multiples of the real-data floor: each seed's FID over its reference's
    floors = [m["fid"] / m["reference"]["fid"] for m in dcgan]
    ratios = [line for line in md.splitlines() if line.startswith("| dcgan | 2 |")]
    assert ratios and _cell(floors, "{:.2f}") in ratios[0]
    reference = _row(md, "real test images (MNIST), 40 images")
    assert reference[fid] == f"{dcgan[0]['reference']['fid']:.3f}"

    # Stacked MNIST: modes covered and KL, and the real training images' own
    stacked = [_metrics(runs[f"stacked-dcgan-s{s}"]) for s in (0, 1)]
    assert {m["n_samples"] for m in stacked} == {200}
    row = _row(md, "stacked-dcgan")
    assert row[3] == _cell([m["modes_covered"] for m in stacked], "{:.2f}")
    assert row[4] == _cell([m["kl_to_uniform"] for m in stacked], "{:.4f}")
    real = _row(md, "real training images (Stacked MNIST), 200 images")
    assert real[3:5] == [f"{stacked[0]['reference']['modes_covered']:.2f}",
                         f"{stacked[0]['reference']['kl_to_uniform']:.4f}"]  # fmt: skip

    # the targets: classes kept and recall in every seed, the best model's FID multiple
    targets = md[md.index("## The targets") : md.index("## Against")]
    row = _row(targets, "dcgan")
    fewest = min(dcgan, key=lambda m: m["modes_covered"])
    assert row[1] == f"{fewest['modes_covered']} of {fewest['modes_total']}"
    shares = [min(m["class_histogram"]) / sum(m["class_histogram"]) for m in dcgan]
    assert row[2] == f"{min(shares):.1%}" and row[3] == f"{min(m['recall'] for m in dcgan):.3f}"
    kept = all(m["modes_covered"] == m["modes_total"] for m in dcgan)
    assert (row[4] == "met") == (kept and min(m["recall"] for m in dcgan) >= 0.5)
    multiples = {
        label: statistics.mean(
            m["fid"] / m["reference"]["fid"] for m in map(_metrics, (runs[f"{label}-s0"],
                                                                     runs[f"{label}-s1"]))
        )
        for label in ("dcgan", "dcgan-projection")
    }  # fmt: skip
    best = min(multiples, key=multiples.get)
    assert f"classifier's features: {best}, {multiples[best]:.2f}x the real images' own" in md
    assert "no model is scored yet (the best published FID is 6.7 ± 0.4" in md
    # on Stacked MNIST: every mode covered in every seed (200 samples cannot reach 1,000)
    row = _row(targets, "stacked-dcgan")
    fewest = min(m["modes_covered"] for m in stacked)
    assert row[1:] == [f"{fewest:,} of 1,000", f"{max(m['kl_to_uniform'] for m in stacked):.3f}",
                       f"missed: {1000 - fewest:,} modes lost"]  # fmt: skip

    # the variant against the model it modifies: Welch's interval of the FID difference
    projection = [_metrics(runs[f"dcgan-projection-s{s}"]) for s in (0, 1)]
    a, b = [m["fid"] for m in projection], [m["fid"] for m in dcgan]
    interval = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    diff = statistics.mean(a) - statistics.mean(b)
    assert f"| 4 against 3 | {diff:.3f} [{interval.low:.3f}, {interval.high:.3f}] |" in md

    # training time and machine of each run, from its timing.json and provenance.json
    for name, run in runs.items():
        timing = json.loads(run.timing.read_text())["total"]
        line = _row(md, name)
        assert line[2] == f"{timing['seconds']:,.0f} s"
        # the precision the run's `auto` resolved to on this CPU (bf16 where it has bf16)
        resolved = json.loads(run.provenance.read_text())["segments"][0]["precision"]
        assert cpu_model() in line[3] and resolved in line[4]
    # no pace timed for this folder: the equal budget says how to set it, and draws nothing
    assert f"`gankit bench --pace --json {collected / PACE_FILE}`" in md

    # final grids exist, and every image is inlined in the page
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert "figures/quality-against-time.png" not in images
    last = round(load_config("stacked-dcgan").train.iterations * SCALE)
    assert f"stacked-dcgan-s1/samples/step_{last:06d}.png" in images
    assert all((collected / image).is_file() for image in images)
    page = (collected / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(images)
    # the notes, as data
    assert NOTES["stacked-dcgan"].sentences[-1] in md


def _pace_file(paces: dict[str, float], load: tuple[float, float] = (0.1, 0.2)) -> str:
    """pace.json as `gankit bench --pace` writes it, with the fields the page reads."""
    machine = {"cpu": "Some CPU", "cpu_id": "", "capability": "AVX2", "torch_threads": 2,
               "torch": "2.13.0", "load_average_start": [load[0], 0, 0],
               "load_average_end": [load[1], 0, 0]}  # fmt: skip
    pace = {label: {"s_per_it": s} for label, s in paces.items()}
    return json.dumps({"date": "2026-12-07T01:00:00+00:00", "machine": machine, "pace": pace})


def _expected_at(run: RunDir, step: int) -> tuple[int, float]:
    """The last periodic evaluation at or before `step`, read directly from the run's CSV."""
    reached = []
    for line in run.metric_history.read_text().splitlines()[1:]:
        at, _, fid, _ = line.split(",")
        if int(at) <= step:
            reached.append((int(at), float(fid)))
    return reached[-1]


@pytest.mark.integration
def test_the_equal_budget_is_counted_at_each_models_timed_pace(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    from gankit.benchmark.page import build_benchmark_report
    from gankit.errors import GankitError
    from gankit.report.document import write_document

    _, collected = benchmarked
    copy = tmp_path / "copy"
    shutil.copytree(collected, copy)
    runs = _runs(copy)
    dcgan = [runs["dcgan-s0"], runs["dcgan-s1"]]
    # 10 s an iteration: a 25 s budget reaches step 2 of the 3 each seed trained
    (copy / PACE_FILE).write_text(_pace_file({"dcgan": 10.0, "stacked-dcgan": 2.0}))
    evaluations = [paced_history(r, ("fid",), 10.0) for r in dcgan]
    assert [e.seconds for e in evaluations[0]] == [10.0, 20.0, 30.0]
    found = [at_budget(e, 25.0) for e in evaluations]
    expected = [_expected_at(r, 2) for r in dcgan]
    assert [(f.step, f.values["fid"]) for f in found if f] == expected
    run_dirs = [run.root for run in runs.values()]
    md_path, _ = write_document(build_benchmark_report(run_dirs, copy, "made", 25.0), copy)
    md = md_path.read_text()
    budget_row = next(line for line in md.splitlines() if line.startswith("| dcgan | 0.10 it/s |"))
    assert "| 2 | 2 of 2 |" in budget_row and budget_row.endswith("| 0 |")
    assert _cell([fid for _, fid in expected], "{:.3f}") in budget_row
    # a model without a pace is named, not placed; one that ends within the budget counts
    assert "| dcgan-projection | not timed |" in md
    stacked_row = next(
        line for line in md.splitlines() if line.startswith("| stacked-dcgan | 0.50")
    )
    assert "| 12 | 2 of 2 |" in stacked_row and stacked_row.endswith("| 2 |")
    assert "on Some CPU (AVX2, 2 threads, torch 2.13.0), timed there on 2026-12-07" in md
    assert "figures/quality-against-time.png" in md and (copy / "figures" / CURVES).is_file()
    # a pace file that is not one is refused with the way out, never read
    (copy / PACE_FILE).write_text(json.dumps({"pace": {"dcgan": {"s_per_it": 1.0}}}))
    with pytest.raises(GankitError, match="not a pace file of `gankit bench --pace`"):
        build_benchmark_report(run_dirs, copy, "made", 25.0)
    (copy / PACE_FILE).write_text(_pace_file({"dcgan": -1.0}))
    with pytest.raises(GankitError, match="not a positive number of seconds"):
        build_benchmark_report(run_dirs, copy, "made", 25.0)


def test_bench_pace_times_every_model_of_the_study(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gankit.benchmark.study import StudyModel

    models = (StudyModel("dcgan"), StudyModel("dcgan-uncond", {"train.loss": "lsgan"}, "LSGAN"))
    monkeypatch.setattr("gankit.benchmark.study.MODELS", models)
    out = tmp_path / PACE_FILE
    code, output = invoke("bench", "--pace", "--iterations", "2", "--repeats", "3", "--warmup",
                          "1", "--set", "data.limit=256", "--json", str(out))  # fmt: skip
    assert code == 0, output
    doc = json.loads(out.read_text())
    assert "presets" not in doc or not doc["presets"]  # no reference loop unless asked
    assert list(doc["pace"]) == ["dcgan", "dcgan-uncond + LSGAN"]
    for timed in doc["pace"].values():
        assert len(timed["s_per_it_repeats"]) == 3 and timed["iterations_per_repeat"] == 2
        assert timed["s_per_it"] == statistics.median(timed["s_per_it_repeats"]) > 0
    assert "dcgan-uncond + LSGAN" in output
    assert read_pace(tmp_path).seconds_per_iteration["dcgan"] == doc["pace"]["dcgan"]["s_per_it"]


@pytest.mark.integration
def test_settings_from_the_collected_folder(benchmarked: tuple[Path, Path]) -> None:
    _, collected = benchmarked
    models = tuple(m for m in MODELS if m.label in PART)
    lines: list[str] = []
    trials = benchmark_trials(1.0, 3, (), collected, lines.append, models)
    by_name = {t.name: t for t in trials}
    # seeds 0 and 1 trained at batch 8, and take it; seed 2 has no run there
    assert by_name["dcgan-projection-s1"].config.train.batch_size == 8
    assert by_name["dcgan-s2"].config.train.batch_size == 64
    assert by_name["dcgan-s0"].config.train.iterations == 3000  # length as planned
    assert f"dcgan-s2: no run in {collected}; as planned" in lines


@pytest.mark.integration
def test_collecting_the_benchmarks_out_carries_its_marker(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    _, collected = benchmarked
    source = tmp_path / "study-out"
    shutil.copytree(collected, source)  # a folder of runs marked as the benchmark's, like OUT
    dest = tmp_path / "dest"
    code, output = invoke("report", "collect", str(source), "--to", str(dest))
    assert code == 0, output
    assert (dest / STUDY_FILE).is_file()
    assert (dest / "report.md").read_text().startswith("# The model benchmark")


@pytest.mark.integration
def test_inception_fids_sit_beside_the_published_ones(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    """Runs scored with `--features inception` (their metrics.json given Inception FIDs here,
    as that evaluation writes them) get the column and a table beside Lucic et al.'s numbers;
    a page without them has neither."""
    _, collected = benchmarked
    assert "Beside published FIDs" not in (collected / "report.md").read_text()
    folder = tmp_path / "scored"
    shutil.copytree(collected, folder)
    fids = {"dcgan-s0": 9.5, "dcgan-s1": 12.25}
    for name, fid in fids.items():
        path = folder / name / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics["fid_inception"] = fid
        metrics["reference"]["fid_inception"] = 1.5
        path.write_text(json.dumps(metrics))
    code, output = invoke("report", "build", str(folder))
    assert code == 0, output
    md = (folder / "report.md").read_text()
    assert "## Beside published FIDs" in md
    row = _row(md, "WGAN, best of the tuning (Lucic et al. 2018, as reprinted in Dai & Wipf "
                   "2019, Table 1)")  # fmt: skip
    assert row == ["no", "", "6.7 ± 0.4"]
    assert _row(md, "gankit dcgan") == ["yes", "2", _cell(list(fids.values()), "{:.2f}")]
    n = _metrics(_runs(folder)["dcgan-s0"])["n_samples"]
    assert _row(md, f"real test images, scored as {n:,} samples are") == ["", "", "1.50"]
    header = _row(md, "model")  # the values table's: the column, and each model's mean in it
    assert header[-1] == "FID (Inception)"
    assert _row(md, "dcgan")[-1] == _cell(list(fids.values()), "{:.2f}")
    # the Inception target: the scored model's mean against the best published FID
    assert "scale: dcgan, FID 10.88 (2 seeds scored), against the best published 6.7 ± 0.4 " in md
    assert "(WGAN, best of the tuning): not below it." in md


def _score(run: Path, fid_inception: float, floor: float = 1.5, **more: float) -> None:
    """Give a run the Inception scores `gankit eval --features inception` writes."""
    metrics = json.loads((run / "metrics.json").read_text())
    metrics.update(fid_inception=fid_inception, **more)
    metrics["reference"]["fid_inception"] = floor
    (run / "metrics.json").write_text(json.dumps(metrics))


@pytest.mark.integration
def test_twins_inception_scores_are_taken_and_labelled(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    """A twin (the trial trained again from its config.yaml, beside the benchmark's folder in
    benchmark-inception/) lends its Inception FID to a trial scored nowhere else, named as a
    twin's; a trial scored where it trained keeps its own; a twin of other settings is refused."""
    from gankit.benchmark.twins import TWINS

    _, collected = benchmarked
    folder, twins = tmp_path / "benchmark", tmp_path / TWINS
    shutil.copytree(collected, folder)
    _score(folder / "dcgan-s0", 9.0)
    for name, fid in {"dcgan-s0": 50.0, "dcgan-projection-s0": 7.5,
                      "dcgan-projection-s1": 8.25}.items():  # fmt: skip
        shutil.copytree(collected / name, twins / name)
        _score(twins / name, fid, fid=123.0)
    shutil.copytree(collected / "dcgan-s1", twins / "dcgan-s1")  # trained, not scored yet
    code, output = invoke("report", "build", str(folder))
    assert code == 0, output
    md = (folder / "report.md").read_text()
    assert _row(md, "gankit dcgan") == ["yes", "1", "9.00"]  # its own, not its twin's 50
    assert _row(md, "gankit dcgan-projection")[1:] == ["2 (twins)", _cell([7.5, 8.25], "{:.2f}")]
    trial_fid = _metrics(_runs(folder)["dcgan-projection-s1"])["fid"]
    row = _row(md, "dcgan-projection-s1")
    assert row[2:] == [f"{trial_fid:.2f}", "123.00", "8.25"]
    assert "dcgan-s0 |" not in md.split("Twins: a trial")[1].split("##")[0]
    assert "scale: dcgan-projection, FID 7.88 (2 seeds scored, all as twins)" in md
    assert "figures" not in {p.name for p in twins.iterdir()}  # nothing written beside
    # the table of each dataset's values holds the trials' own scores only
    assert _row(md, "dcgan-projection")[-1] != _row(md, "gankit dcgan-projection")[-1]
    # a twin of another seed is not that trial's twin: refused, with the way out
    config = twins / "dcgan-projection-s1" / "config.yaml"
    config.write_text(config.read_text().replace("  seed: 1\n", "  seed: 7\n"))
    code, output = invoke("report", "build", str(folder))
    assert code != 0
    assert "not a twin of the trial dcgan-projection-s1 (its settings, seed differ" in output
    assert "remove it, or train it again from the trial's config.yaml" in output


@pytest.mark.integration
def test_a_folder_of_stacked_mnist_runs_gets_its_own_page(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    """Stacked MNIST runs collected into a folder of no study get a reproduction's page, whose
    curves during training are their periodic evaluation's modes and KL (not the classifier's
    IS and FID, which their metrics_history.csv has no column for)."""
    _, collected = benchmarked
    folder = tmp_path / "stacked"
    for seed in (0, 1):
        shutil.copytree(collected / f"stacked-dcgan-s{seed}", folder / f"stacked-dcgan-s{seed}")
    code, output = invoke("report", "build", str(folder))
    assert code == 0, output
    md = (folder / "report.md").read_text()
    assert "![modes covered and KL of the modes to uniform during training" in md
    assert (folder / "figures" / "metrics-during-training.png").is_file()
    # beside image runs: both kinds' curves, each experiment on the panels of its own columns
    shutil.copytree(collected / "dcgan-s0", folder / "dcgan-s0")
    code, output = invoke("report", "build", str(folder))
    assert code == 0, output
    md = (folder / "report.md").read_text()
    assert "![IS (classifier) and FID (classifier) and modes covered and KL of the modes" in md


@pytest.mark.integration
def test_a_running_study_is_collected_as_it_goes(
    benchmarked: tuple[Path, Path], tmp_path: Path
) -> None:
    """A study still running: its OUT holds an unfinished run. Collecting OUT refuses it and
    says how to leave it out; --finished collects the rest and names it; a single run collected
    from OUT carries the study's marker, so the benchmark's page is built."""
    _, collected = benchmarked
    out = tmp_path / "study-out"
    shutil.copytree(collected, out)  # marked as the benchmark's, like its OUT
    running = out / "dcgan-s2"
    shutil.copytree(out / "dcgan-s1", running)
    (running / "metrics.json").unlink()
    code, output = invoke("report", "collect", str(out), "--to", str(tmp_path / "refused"))
    assert code != 0 and "leave the unfinished runs out with --finished" in output
    assert not (tmp_path / "refused").exists()  # nothing written
    dest = tmp_path / "as-it-goes"
    code, output = invoke("report", "collect", str(out), "--to", str(dest), "--finished")
    assert code == 0, output
    assert f"not finished, left out: {running}" in output
    assert not (dest / "dcgan-s2").exists() and (dest / "dcgan-s1" / "metrics.json").is_file()
    assert (dest / "report.md").read_text().startswith("# The model benchmark")
    one = tmp_path / "one-run"
    code, output = invoke("report", "collect", str(out / "dcgan-s0"), "--to", str(one))
    assert code == 0, output
    assert json.loads((one / STUDY_FILE).read_text()) == {"study": STUDY}
    assert (one / "report.md").read_text().startswith("# The model benchmark")
