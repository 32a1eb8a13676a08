"""PacGAN's Table 2 as gankit reproduces it: the presets hold the protocol of the authors'
code, the paper's numbers are declared as printed, and `gankit reproduce pacgan2018` runs the
four experiments and reports them beside the paper's table."""

from __future__ import annotations

from pathlib import Path

import pytest

# InProcess: trials in this process, so the test's settings reach them
from support import PLAIN_LAYOUT, InProcess

from gankit.config import load_config
from gankit.papers import PAPERS

PRESETS = {1: "pacgan2018-dcgan", 2: "pacgan2018-pacdcgan2", 3: "pacgan2018-pacdcgan3",
           4: "pacgan2018-pacdcgan4"}  # fmt: skip


@pytest.mark.parametrize("m", sorted(PRESETS))
def test_each_preset_runs_the_protocol_at_its_packing(m: int) -> None:
    c = load_config(PRESETS[m])
    assert (c.paper, c.data.dataset) == ("pacgan2018", "stacked-mnist-128k")
    assert (c.model.generator, c.model.discriminator) == ("pacgan2018", "pacgan2018")
    assert (c.model.z_dim, c.model.z_dist, c.model.g_width, c.model.d_width) == (
        100, "uniform", 64, 64)  # fmt: skip
    for opt in (c.optim.g, c.optim.d):
        assert (opt.name, opt.lr, opt.betas, opt.eps) == ("adam", 2e-4, (0.5, 0.999), 1e-8)
    t = c.train
    assert (t.iterations, t.loss, t.d_steps, t.g_steps, t.g_noise) == (
        100_000, "bce", 1, 2, "d-step")  # fmt: skip
    # 64 packs of m images per D step, on each side; G makes 64 m images per step
    assert t.packing == m and t.batch_size // t.packing == 64 and t.g_batch_size is None
    assert t.ema is None and t.r1_gamma == 0 and not t.diffaugment
    assert (c.log.eval_every, c.log.eval_samples, c.log.keep_best) == (2_000, 26_000, False)
    assert c.perf.amp == "none"  # the code's fp32 on every machine


def test_the_paper_is_declared_as_printed() -> None:
    paper = PAPERS["pacgan2018"]
    table = paper.table
    assert table is not None and table.number == "Table 2" and table.trials == 10
    assert table.spread == "standard error"
    printed = {
        row.model: (str(row.cells["modes_covered"]), str(row.cells["kl_to_uniform"]))
        for row in table.rows
    }
    assert printed == {
        "DCGAN [38]": ("99.0", "3.40"),
        "ALI [12]": ("16.0", "5.40"),
        "Unrolled GAN [33]": ("48.7", "4.32"),
        "VEEGAN [44]": ("150.0", "2.95"),
        "DCGAN (our implementation)": ("78.9 ± 6.46", "4.50 ± 0.127"),
        "PacDCGAN2 (ours)": ("1000.0 ± 0.00", "0.06 ± 0.003"),
        "PacDCGAN3 (ours)": ("1000.0 ± 0.00", "0.06 ± 0.003"),
        "PacDCGAN4 (ours)": ("1000.0 ± 0.00", "0.07 ± 0.005"),
    }
    assert [paper.experiment_of(p) for p in paper.presets] == list(paper.presets)
    assert [paper.preset_of(r.experiment) for r in table.rows if r.experiment] == list(
        paper.presets
    )
    assert table.row_of("pacgan2018-dcgan").cells["modes_covered"].mean == 78.9
    assert paper.reported("pacgan2018-pacdcgan4") == (
        "Table 2: Modes (Max 1000) 1000.0 ± 0.00, KL 0.07 ± 0.005"
    )
    # the existing Stacked MNIST presets are gankit's own recipes, no paper's experiment
    assert paper.experiment_of("stacked-pacgan2") is None


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`gankit reproduce pacgan2018 --scale 0.0001 --seeds 1 --collect DIR` on tiny networks:
    10 iterations of each experiment, a periodic mode count at the end, the final one on 200
    samples instead of 26,000."""
    from gankit import reproduce

    root = tmp_path_factory.mktemp("pacgan2018")
    out, collected = root / "runs", root / "docs" / "pacgan2018"
    tiny = ("model.g_width=4", "model.d_width=4", "data.limit=2048", "log.eval_samples=100",
            "log.sample_every=10", "log.checkpoint_every=10", "log.eval_every=10",
            "log.tensorboard=false", "log.plots=false", "perf.threads=1",
            *PLAIN_LAYOUT)  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("gankit.runs.MODE_SAMPLES", 200)
        result, report = reproduce.reproduce(
            "pacgan2018", out, InProcess(), 0.0001, 1, tiny, lambda line: None, collected
        )
    assert result.complete and report is not None
    return out, collected


@pytest.mark.integration
def test_the_report_sets_table_2_beside_the_runs(reproduced: tuple[Path, Path]) -> None:
    out, _ = reproduced
    md = (out / "report.md").read_text()
    assert "## The paper's Table 2 beside gankit" in md
    assert "Its ± is the standard error over 10 trials" in md
    # every row of the paper's table, its numbers as printed, beside this run's own
    for cells in ("| DCGAN [38] (from VEEGAN's Table 2 (Srivastava et al. 2017)) | not rerun "
                  "| 99.0 |  | 3.40 |  |",
                  "| DCGAN (our implementation) | pacgan2018-dcgan | 78.9 ± 6.46 |",
                  "| PacDCGAN4 (ours) | pacgan2018-pacdcgan4 | 1000.0 ± 0.00 |"):  # fmt: skip
        assert cells in md
    assert md.count("(1 seed) |") == 8  # modes and KL of each of the four experiments
    assert "Table 2: Modes (Max 1000) 1000.0 ± 0.00, KL 0.06 ± 0.003" in md  # over seeds
    assert "The paper's Figure 3: \u201cTrue distribution (left)" in md
    assert "| modes covered | KL of the modes to uniform |" in md and "| IS |" not in md
    assert "real training images (stacked-mnist-128k)" in md
    assert (out / "figures" / "metrics-during-training.png").is_file()
    history = (out / "pacgan2018-pacdcgan2-s0" / "metrics_history.csv").read_text()
    assert history.startswith("step,modes_covered,kl_to_uniform,n_samples\n10,")


@pytest.mark.integration
def test_report_build_rebuilds_it_from_the_collected_files(reproduced: tuple[Path, Path]) -> None:
    """--collect rebuilds the collected folder's report as `gankit report build` does."""
    out, collected = reproduced
    md = (out / "report.md").read_text()
    rebuilt = (collected / "report.md").read_text()
    assert "Rebuilt by `gankit report build" in rebuilt
    assert md[md.index("## The paper's Table 2") : md.index("## Per seed")] in rebuilt
