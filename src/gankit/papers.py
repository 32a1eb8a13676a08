"""What the two papers report, for printing beside gankit's own measurements."""

from __future__ import annotations

from dataclasses import dataclass, field

from gankit.config import preset_lineage


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
    """The paper's figures of one experiment: its samples over training and its loss curves."""

    samples: PaperFigure
    losses: PaperFigure


@dataclass(frozen=True)
class Paper:
    key: str
    citation: str
    # the presets `gankit reproduce` runs, one per experiment: where the paper's text reads
    # two ways, the reading the investigation settled on (docs/results/<key>.md)
    presets: tuple[str, ...]
    # experiment -> (the paper's name for the score, value); only Liu 2021 reports numbers.
    # An experiment is keyed by the preset that first ran it; experiment_of maps a reading
    # (a preset inheriting from it) to it.
    scores: dict[str, tuple[str, float]]
    note: str
    # experiment -> the figures the report regenerates for it
    figures: dict[str, ExperimentFigures] = field(default_factory=dict)
    # metrics.json keys the report's tables add after the headline metrics (PAPER_ROWS)
    metrics: tuple[str, ...] = ()

    def experiment_of(self, preset: str) -> str | None:
        """The experiment `preset` runs: the nearest preset in its `base:` chain that this
        paper keys figures or a score by. A reading of an experiment inherits from the preset
        that first ran it (liu2021-dcgan-3groups from liu2021-dcgan), so it is shown beside the
        same figure and score."""
        for name in preset_lineage(preset):
            if name in self.figures or name in self.scores:
                return name
        return None

    def score_of(self, preset: str) -> tuple[str, float] | None:
        experiment = self.experiment_of(preset)
        return self.scores.get(experiment) if experiment else None


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
