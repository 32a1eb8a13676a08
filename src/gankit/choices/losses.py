"""Every GAN loss train.loss chooses, declared once with the keys it reads and what it needs from
training; its functions are in gankit/losses.py, registered under the same name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gankit.choices.registry import Choice, Declared


@dataclass(frozen=True)
class LossSpec(Choice):
    # the train.* keys only some losses read
    OPTIONS: ClassVar[tuple[str, ...]] = ("gp_weight",)

    # D's loss adds train.gp_weight times the gradient penalty (Gulrajani et al. 2017), taken
    # per image, so D cannot score packs of images (train.packing)
    needs_gradient_penalty: bool = False
    # D's output is the logit of P(real): D(x) and D(G(z)) are logged as sigmoid means.
    # Otherwise they are logged as D's raw scores (critic values, hinge or least-squares outputs).
    d_probability: bool = False
    # D is a Wasserstein critic: E[D(real)] - E[D(fake)] estimates the Wasserstein distance
    wasserstein: bool = False
    # D's loss splits into a loss on real images alone and one on generated images alone, for D
    # updated on each in turn (train.d_update=real-then-fake): what Keras reports for a batch
    # of one label. The implementation gives both halves.
    separate_halves: bool = False
    # G's loss compares the fakes' logits with the real images' (a relativistic loss): the G
    # step also passes the iteration's latest real batch through D. Micro-batches
    # (train.accumulate) add up to the whole batch's update only for a loss that is a mean of
    # per-logit terms: every loss declared here, not a relativistic average one (its terms
    # compare each logit with a batch mean).
    generator_sees_real: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.needs_gradient_penalty and "gp_weight" not in self.reads:
            raise ValueError(f"{self.name}: a loss with the gradient penalty reads gp_weight")


LOSSES: Declared[LossSpec] = Declared("loss")

LOSSES.declare(
    LossSpec(
        "bce",
        "G trained on fakes labelled real (non-saturating)",
        d_probability=True,
        separate_halves=True,
    )
)
LOSSES.declare(
    LossSpec("minimax", "G minimises log(1 - D(G(z)))", d_probability=True, separate_halves=True)
)
LOSSES.declare(LossSpec("hinge", "hinge loss (Lim & Ye 2017; Miyato et al. 2018)"))
LOSSES.declare(
    LossSpec(
        "wgan-gp",
        "Wasserstein critic + gradient penalty",
        reads=("gp_weight",),
        needs_gradient_penalty=True,
        wasserstein=True,
    )
)
LOSSES.declare(LossSpec("lsgan", "least squares (Mao et al. 2017), a=0, b=1, c=1"))
