"""What the papers report, for printing beside gankit's own measurements."""

from __future__ import annotations

from dataclasses import dataclass, field

from gankit.config import preset_lineage
from gankit.evaluation.registry import periodic_keys


@dataclass(frozen=True)
class PaperFigure:
    """One of the paper's figures: its number, its caption as printed, and for a figure of
    samples the iterations it shows."""

    number: str
    caption: str
    # iterations whose sample grids the figure shows; None: the caption names none, so the
    # report shows step 0 and the preset's log.milestones
    steps: tuple[int, ...] | None = None
    # further iterations the paper's text names for this experiment (with where it says so)
    text_steps: tuple[int, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class ExperimentFigures:
    """The paper's figures of one experiment: its samples over training and its loss curves
    (None where the paper shows none)."""

    samples: PaperFigure
    losses: PaperFigure | None


@dataclass(frozen=True)
class Reported:
    """A number as the paper prints it, its digits kept, with the ± it prints beside it."""

    value: str
    spread: str | None = None

    @property
    def mean(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        return self.value if self.spread is None else f"{self.value} ± {self.spread}"


@dataclass(frozen=True)
class TableRow:
    """One row of the paper's results table: the model as it names it, its cells by
    metrics.json key, and the experiment (preset) that reruns it, None for a row gankit does
    not rerun (a baseline the paper copies from another)."""

    model: str
    cells: dict[str, Reported]
    experiment: str | None = None
    source: str = ""  # where the paper took the row from, when not from its own runs


@dataclass(frozen=True)
class PaperTable:
    """The paper's results table: its number and caption as printed, its columns (metrics.json
    key -> the paper's heading), what its ± is, and its rows in its order."""

    number: str
    caption: str
    columns: dict[str, str]
    spread: str  # what its ± is
    rows: tuple[TableRow, ...]
    trials: int | None = None  # runs behind each mean, where the paper says

    def row_of(self, experiment: str) -> TableRow | None:
        return next((row for row in self.rows if row.experiment == experiment), None)


@dataclass(frozen=True)
class Paper:
    key: str
    citation: str
    # the presets `gankit reproduce` runs, one per experiment: where the paper's text reads
    # two ways, the reading the investigation settled on (docs/results/<key>.md)
    presets: tuple[str, ...]
    # experiment -> (the paper's name for the score, value), for a paper that reports one
    # score per experiment. An experiment is keyed by the preset that first ran it;
    # experiment_of maps a reading (a preset inheriting from it) to it.
    scores: dict[str, tuple[str, float]]
    note: str
    # experiment -> the figures the report regenerates for it
    figures: dict[str, ExperimentFigures] = field(default_factory=dict)
    # metrics.json keys the report's tables add after the headline metrics (registered with
    # paper_only in evaluation/registry.py)
    metrics: tuple[str, ...] = ()
    # the paper's results table, its rows keyed by experiment, for a paper that reports one
    table: PaperTable | None = None
    # the metrics the report's tables show first; None: gankit's headline metrics
    headline: tuple[str, ...] | None = None
    # the periodic evaluation's columns (metrics_history.csv) the report plots
    history: tuple[str, ...] = periodic_keys("classifier")

    @property
    def experiments(self) -> set[str]:
        """Every experiment this paper keys figures, a score or a table row by."""
        rows = self.table.rows if self.table else ()
        named = {row.experiment for row in rows if row.experiment is not None}
        return {*self.figures, *self.scores, *named}

    def experiment_of(self, preset: str) -> str | None:
        """The experiment `preset` runs: the nearest preset in its `base:` chain that this
        paper keys figures, a score or a table row by. A reading of an experiment inherits from
        the preset that first ran it (liu2021-dcgan-3groups from liu2021-dcgan), so it is shown
        beside the same figure and score."""
        experiments = self.experiments
        for name in preset_lineage(preset):
            if name in experiments:
                return name
        return None

    def preset_of(self, experiment: str) -> str | None:
        """The preset `gankit reproduce` runs for `experiment` (itself, or a reading of it)."""
        return next((p for p in self.presets if self.experiment_of(p) == experiment), None)

    def reported(self, preset: str) -> str | None:
        """What the paper reports for the experiment `preset` runs, as one cell: its score,
        or its table row's cells."""
        experiment = self.experiment_of(preset)
        if experiment is None:
            return None
        if (score := self.scores.get(experiment)) is not None:
            return f"{score[0]}: {score[1]:.2f}"
        row = self.table.row_of(experiment) if self.table else None
        if row is None or self.table is None:
            return None
        cells = ", ".join(f"{self.table.columns[k]} {v}" for k, v in row.cells.items())
        return f"{self.table.number}: {cells}"


def _liu(
    samples: int, model: str, caption: str, exp: int, steps: tuple[int, ...]
) -> ExperimentFigures:
    a, b, c, d = (f"{s // 1000}K" if s else "original noise" for s in steps)
    return ExperimentFigures(
        PaperFigure(
            f"Figure {samples}",
            f"{caption} (Experiment {exp})",
            steps,
            source=f"§3: Figure {samples}(a)-(d): {a}, after {b}, {c} and {d} iterations",
        ),
        PaperFigure(
            f"Figure {samples + 1}",
            f"Loss curves of the {model} discriminator (a) and generator (b) (Experiment {exp})",
        ),
    )


# Liu 2021 §3 shows its DCGAN at 0, 1K, 5K, 10K iterations and its MLP GAN at 0, 10K, 50K, 100K
_DCGAN_STEPS = (0, 1_000, 5_000, 10_000)
_GAN_STEPS = (0, 10_000, 50_000, 100_000)


def _xiao(
    samples: int,
    name: str,
    steps: tuple[int, ...] | None,
    loss_caption: str,
    caption: str | None = None,
    text_steps: tuple[int, ...] = (),
    source: str = "",
) -> ExperimentFigures:
    return ExperimentFigures(
        PaperFigure(
            f"Figure {samples}",
            caption or f"Result visualization of different epochs of {name}.",
            steps,
            text_steps,
            source,
        ),
        PaperFigure(f"Figure {samples + 1}", loss_caption),
    )


_PACGAN_FIGURE3 = (
    "True distribution (left), DCGAN generated samples (middle), and PacDCGAN2 generated "
    "samples (right) from the stacked-MNIST dataset show PacDCGAN2 captures more diversity "
    "while producing sharper images."
)


def _pacgan(panel: str) -> ExperimentFigures:
    """Figure 3's panel of a trained generator (the trials end at 100,000 iterations)."""
    return ExperimentFigures(
        PaperFigure(
            "Figure 3",
            _PACGAN_FIGURE3,
            (100_000,),
            source=f"its {panel} panel, samples of a trained generator (50 epochs of 2,000 "
            "iterations in the authors' code)",
        ),
        None,  # the paper shows no loss curves
    )


def _modes_kl(modes: tuple[str, ...], kl: tuple[str, ...]) -> dict[str, Reported]:
    return {"modes_covered": Reported(*modes), "kl_to_uniform": Reported(*kl)}


_VEEGAN = "VEEGAN's Table 2 (Srivastava et al. 2017)"

PACGAN_TABLE2 = PaperTable(
    number="Table 2",
    caption="Two measures of mode collapse proposed in [44] for the stacked MNIST dataset: "
    "number of modes captured by the generator and reverse KL divergence over the generated "
    "mode distribution. The PacDCGAN results are averaged over 10 trials, with standard error "
    "reported.",
    columns={"modes_covered": "Modes (Max 1000)", "kl_to_uniform": "KL"},
    spread="standard error",
    trials=10,
    rows=(
        TableRow("DCGAN [38]", _modes_kl(("99.0",), ("3.40",)), source=_VEEGAN),
        TableRow("ALI [12]", _modes_kl(("16.0",), ("5.40",)), source=_VEEGAN),
        TableRow("Unrolled GAN [33]", _modes_kl(("48.7",), ("4.32",)), source=_VEEGAN),
        TableRow("VEEGAN [44]", _modes_kl(("150.0",), ("2.95",)), source=_VEEGAN),
        TableRow(
            "DCGAN (our implementation)",
            _modes_kl(("78.9", "6.46"), ("4.50", "0.127")),
            "pacgan2018-dcgan",
        ),
        TableRow(
            "PacDCGAN2 (ours)",
            _modes_kl(("1000.0", "0.00"), ("0.06", "0.003")),
            "pacgan2018-pacdcgan2",
        ),
        TableRow(
            "PacDCGAN3 (ours)",
            _modes_kl(("1000.0", "0.00"), ("0.06", "0.003")),
            "pacgan2018-pacdcgan3",
        ),
        TableRow(
            "PacDCGAN4 (ours)",
            _modes_kl(("1000.0", "0.00"), ("0.07", "0.005")),
            "pacgan2018-pacdcgan4",
        ),
    ),
)


PAPERS: dict[str, Paper] = {
    "liu2021": Paper(
        key="liu2021",
        citation="Liu, Lv, Fan, Luo, Zou (2021), Application of an Improved DCGAN for Image "
        "Generation",
        # the DCGAN's three-group reading: the two-group presets miss Fig. 4's loss levels and
        # drift to ones on seed 0 (docs/results/liu2021.md); they keep the experiments' keys below
        presets=(
            "liu2021-gan",
            "liu2021-dcgan-3groups",
            "liu2021-gan-6",
            "liu2021-dcgan-3groups-6",
        ),
        scores={
            "liu2021-gan": ("ISc (Table 3, group 1)", 4.55),
            "liu2021-dcgan": ("ISc (Table 3, group 1)", 6.10),
            "liu2021-gan-6": ("ISs (Table 3, group 2)", 4.80),
            "liu2021-dcgan-6": ("ISs (Table 3, group 2)", 6.82),
        },
        note=(
            "Table 3's scores are Inception-Score-style indexes from an unnamed classifier with "
            "muddled definitions. A single-class set (the digit 6) scores about 1 under a "
            "classifier of digits, so their 6.82 must come from a different network (an "
            "ImageNet Inception model is a guess, untested). gankit's IS uses its bundled MNIST "
            "classifier, where real test digits score the value in the reference column: "
            "compare runs with each "
            "other and with that reference, not with the paper's absolute numbers. gankit's "
            "Inception Score is Liu's ISs (eq. 12-13); the ISc column is eq. 18 as written, "
            "exp E[H(y|x)] from the same classifier outputs, which grows as the classifier "
            "grows unsure (docs/results/liu2021.md, section Liu's indexes)."
        ),
        figures={
            "liu2021-dcgan": _liu(3, "DCGAN", "DCGAN partial results", 1, _DCGAN_STEPS),
            "liu2021-dcgan-6": _liu(5, "DCGAN", "Partial results of the DCGAN", 2, _DCGAN_STEPS),
            "liu2021-gan": _liu(7, "GANs", "Partial results of the GANs", 1, _GAN_STEPS),
            "liu2021-gan-6": _liu(9, "GANs", "Partial results of the GANs", 2, _GAN_STEPS),
        },
        metrics=("liu_isc_mean",),
    ),
    "xiao2023": Paper(
        key="xiao2023",
        citation="Xiao (2023), Handwritten digit image generation using improved generative "
        "neural network",
        presets=(
            "xiao2023-sgd",
            "xiao2023-adam",
            "xiao2023-adam-sgd",
            "xiao2023-batchnorm",
            "xiao2023-dcgan",
            "xiao2023-rnn",
        ),
        scores={},
        note=(
            "The paper compares its variants by loss curves and sample grids only and reports "
            "no score. Its conclusion: each of the five changes has some advantage over the "
            "basic SGD GAN in speed or stability, and Adam and the DCGAN give the most stable "
            "results; BatchNorm 'doesn't have a very good result'; the RNN discriminator "
            "produces some inverted (dark-on-light) digits."
        ),
        figures={
            "xiao2023-sgd": _xiao(
                2,
                "conventional GAN",
                (0, 1_200, 7_200),
                "Loss curve of conventional GAN.",
                source="caption panels: Train times 0, 1200, 7200",
            ),
            "xiao2023-adam": _xiao(
                4,
                "GAN with Adam optimizer",
                None,
                "Loss curve of GAN with Adam optimizer.",
                text_steps=(5_800,),
                source="§4: Adam gets a better result 'in just 5800 training times'",
            ),
            "xiao2023-adam-sgd": _xiao(
                6,
                "GAN with Adam and SGD optimizer",
                None,
                "Loss curve of GAN with Adam SGD optimizer.",
            ),
            "xiao2023-batchnorm": _xiao(
                8,
                "GAN with Batchnorm",
                (200, 4_800),
                "Loss curve of GAN with Batchnorm.",
                source="caption panels: Train times 200, 4800",
            ),
            "xiao2023-dcgan": _xiao(
                10,
                "DCGAN",
                None,
                "Loss curve of DCGAN.",
                caption="(caption missing from the paper's text; §3.5 introduces it as the "
                "generated images of the DCGAN)",
            ),
            "xiao2023-rnn": _xiao(
                12,
                "GAN+RNN",
                None,
                "Loss curve of DCGAN with RNN.",
                caption="(caption missing from the paper's text; §3.6 introduces it as the "
                "generated images of the model of GAN+RNN)",
            ),
        },
    ),
    "pacgan2018": Paper(
        key="pacgan2018",
        citation="Lin, Khetan, Fanti, Oh (2018), PacGAN: The power of two samples in "
        "generative adversarial networks (NeurIPS 2018)",
        presets=(
            "pacgan2018-dcgan",
            "pacgan2018-pacdcgan2",
            "pacgan2018-pacdcgan3",
            "pacgan2018-pacdcgan4",
        ),
        scores={},
        note=(
            "Table 2's \"VEEGAN setting\", rerun with the settings of the authors' TensorFlow "
            "code (fjxmlzn/PacGAN, stacked_MNIST_experiments/VEEGAN_experiment): the DCGAN and "
            "its discriminator packing 2, 3 and 4 images, 128,000 training images, 100,000 "
            "iterations of one D and two G steps. Its first four rows are copied from VEEGAN's "
            "Table 2, whose DCGAN the authors' own reached 78.9 modes, not 99. The paper's ± is "
            "the standard error over 10 trials; gankit's tables give the standard deviation "
            "over its seeds. Modes are read by gankit's bundled MNIST classifier, the paper's "
            "by a Keras CNN trained for 20 epochs; KL is KL(sample modes || uniform) in nats, "
            "the paper's reverse KL. Where gankit differs from the code (its real images in "
            "[0, 1] against a tanh generator, among others): docs/results/pacgan2018.md. The "
            "state of the art on this benchmark: R3GAN (Huang et al., NeurIPS 2024, Table 3), "
            "1,000 modes and KL 0.029."
        ),
        figures={
            "pacgan2018-dcgan": _pacgan("middle (DCGAN)"),
            "pacgan2018-pacdcgan2": _pacgan("right (PacDCGAN2)"),
        },
        table=PACGAN_TABLE2,
        headline=("modes_covered", "kl_to_uniform"),
        history=("modes_covered", "kl_to_uniform"),
    ),
}


def paper_experiment(preset: str) -> tuple[Paper, str] | None:
    """The paper and experiment that `preset` runs (Paper.experiment_of), if any."""
    for paper in PAPERS.values():
        if (experiment := paper.experiment_of(preset)) is not None:
            return paper, experiment
    return None


def paper_score(preset: str) -> tuple[str, float] | None:
    found = paper_experiment(preset)
    return found[0].scores.get(found[1]) if found else None
