"""gankit.choices: every name a config chooses is declared once, with the keys it reads and its
capabilities, where the config reads it without torch; every declaration has exactly one
implementation, registered under its name."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gankit import choices
from gankit.choices import Choice, Declared, Implemented, LossSpec
from gankit.errors import UnknownNameError
from gankit.losses import LOSSES
from gankit.models import DISCRIMINATORS, GENERATORS
from gankit.training.optim import BUILDERS


def test_the_config_schema_loads_no_torch() -> None:
    code = "import sys, gankit.config\nassert 'torch' not in sys.modules, 'torch was imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# every kind's implementations, each registered against its declarations
IMPLEMENTED: dict[str, Implemented[Choice, object]] = {
    "loss": LOSSES,
    "optimizer": BUILDERS,
    "generator": GENERATORS,
    "discriminator": DISCRIMINATORS,
}


@pytest.mark.parametrize("kind", sorted(IMPLEMENTED))
def test_every_declaration_has_one_implementation(kind: str) -> None:
    implemented = IMPLEMENTED[kind]
    assert implemented.declared.kind == kind
    assert implemented.missing() == []
    assert sorted(implemented) == sorted(implemented.declared)


def test_a_name_declared_twice_is_refused() -> None:
    declared: Declared[Choice] = Declared("widget")
    declared.declare(Choice("a", "the first"))
    with pytest.raises(ValueError, match="widget 'a' is declared twice"):
        declared.declare(Choice("a", "another"))
    assert declared["a"].summary == "the first"


def test_an_implementation_registered_twice_or_undeclared_is_refused() -> None:
    declared: Declared[Choice] = Declared("widget")
    declared.declare(Choice("a", "the first"))
    implemented: Implemented[Choice, str] = Implemented(declared)
    implemented.register("a", "one")
    with pytest.raises(ValueError, match="widget 'a' is implemented twice"):
        implemented.register("a", "two")
    with pytest.raises(ValueError, match="widget 'b' is not declared"):
        implemented.register("b", "one")
    assert implemented["a"] == "one"


def test_an_unknown_name_lists_the_choices() -> None:
    with pytest.raises(UnknownNameError) as err:
        choices.LOSSES["wasserstein"]
    assert str(err.value) == (
        "unknown loss 'wasserstein'; choose one of: bce, minimax, hinge, wgan-gp, lsgan"
    )
    with pytest.raises(UnknownNameError, match="unknown loss 'wasserstein'; choose one of: bce"):
        LOSSES["wasserstein"]


def test_a_choice_reads_only_keys_of_its_kind() -> None:
    with pytest.raises(ValueError, match="reads \\['lr'\\]"):
        LossSpec("mine", "a loss", reads=("lr",))
    with pytest.raises(ValueError, match="gradient penalty reads gp_weight"):
        LossSpec("mine", "a loss", needs_gradient_penalty=True)


def test_a_loss_implements_its_halves_exactly_when_declared() -> None:
    bce = LOSSES["bce"]
    assert bce.spec.separate_halves and bce.d_real_only is not None
    with pytest.raises(ValueError, match="separate_halves"):
        type(bce)(choices.LOSSES["hinge"], bce.discriminator, bce.generator, bce.d_real_only)
