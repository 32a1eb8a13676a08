"""What the two papers report, for printing beside gankit's own measurements."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    key: str
    citation: str
    presets: tuple[str, ...]
    # preset -> (the paper's name for the score, value); only Liu 2021 reports numbers
    scores: dict[str, tuple[str, float]]
    note: str


PAPERS: dict[str, Paper] = {
    "liu2021": Paper(
        key="liu2021",
        citation="Liu, Lv, Fan, Luo, Zou (2021), Application of an Improved DCGAN for Image "
        "Generation",
        presets=("liu2021-gan", "liu2021-dcgan", "liu2021-gan-6", "liu2021-dcgan-6"),
        scores={
            "liu2021-gan": ("ISc (Table 3, group 1)", 4.55),
            "liu2021-dcgan": ("ISc (Table 3, group 1)", 6.10),
            "liu2021-gan-6": ("ISs (Table 3, group 2)", 4.80),
            "liu2021-dcgan-6": ("ISs (Table 3, group 2)", 6.82),
        },
        note=(
            "Table 3's scores are Inception-Score-style indexes from an unnamed classifier with "
            "muddled definitions. A single-class set (the digit 6) scores about 1 under a "
            "classifier of digits, so their 6.82 can only come from a different network (an "
            "ImageNet Inception model). gankit's IS uses its bundled MNIST classifier, where "
            "real test digits score the value in the reference column: compare runs with each "
            "other and with that reference, not with the paper's absolute numbers."
        ),
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
            "no score. Its conclusion: Adam and the DCGAN give the most stable training and the "
            "best digits; SGD alone, Adam+SGD and BatchNorm alone are weaker; the RNN "
            "discriminator produces some inverted (dark-on-light) digits."
        ),
    ),
}


def paper_score(preset: str) -> tuple[str, float] | None:
    for paper in PAPERS.values():
        if preset in paper.scores:
            return paper.scores[preset]
    return None
