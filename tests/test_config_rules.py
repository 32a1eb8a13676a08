"""gankit.config_rules: a setting the chosen model, optimizer, loss or D update does not use is
an error naming the key; defaults and saved configs always pass."""

from __future__ import annotations

import pytest
from torch import nn

from gankit import choices
from gankit.config import Config, ConfigError, load_config, preset_names, validate
from gankit.models import DISCRIMINATORS, GENERATORS
from gankit.models.registry import ImageShape

IMAGE = ImageShape()


@pytest.mark.parametrize(
    ("preset", "overrides", "named"),
    [
        # the three of issue 12
        ("dcgan", ["model.batchnorm=true"], "model.batchnorm=true"),
        ("liu2021-dcgan", ["model.g_width=16"], "model.g_width=16"),
        ("xiao2023-sgd", ["optim.d.betas=[0.9, 0.99]"], "optim.d.betas=[0.9, 0.99]: sgd"),
        ("liu2021-gan", ["model.d_width=32"], "model.d_width=32"),
        ("xiao2023-rnn", ["model.d_norm=layer"], "model.d_norm=layer"),
        ("xiao2023-adam", ["optim.g.momentum=0.9"], "optim.g.momentum=0.9: adam"),
        ("liu2021-dcgan", ["optim.d.rho=0.5"], "optim.d.rho=0.5: adam"),
        ("dcgan", ["train.gp_weight=5"], "train.gp_weight=5.0"),
        ("xiao2023-adam", ["train.d_same_batch=true"], "train.d_steps=1"),
        ("xiao2023-sgd", ["train.loss=hinge"], "halves"),
        ("liu2021-dcgan", ["train.g_step_d=trained"], "train.g_step_d_bn=batch"),
        ("xiao2023-sgd", ["train.r1_gamma=1"], "train.r1_gamma=1.0 does not apply"),
        ("xiao2023-sgd", ["train.d_forward=combined"], "train.d_forward=combined"),
    ],
)
def test_an_unused_setting_is_an_error_naming_it(
    preset: str, overrides: list[str], named: str
) -> None:
    with pytest.raises(ConfigError, match="remove|needs") as err:
        load_config(preset, overrides)
    assert named in str(err.value)


def test_every_broken_rule_is_listed_at_once() -> None:
    overrides = ["model.batchnorm=true", "optim.g.name=sgd", "train.loss=hinge"]
    overrides.append("train.gp_weight=1")
    with pytest.raises(ConfigError) as err:
        load_config("wgan-gp", overrides)  # wgan-gp's betas are (0.5, 0.9), not the default
    lines = str(err.value).splitlines()[1:]
    assert [line.split("=")[0].strip() for line in lines] == [
        "model.batchnorm",
        "optim.g.betas",
        "train.gp_weight",
    ]


def test_defaults_and_explicit_defaults_pass() -> None:
    Config()
    # an explicit key at its default changes nothing the model does, and a saved config.yaml
    # lists every key
    load_config("liu2021-dcgan", ["model.g_width=64", "model.batchnorm=false"])
    for name in preset_names():
        config = load_config(name)
        assert validate(config.to_dict(), "saved") == config


def _signature(module: nn.Module) -> tuple[int, tuple[str, ...]]:
    params = sum(p.numel() for p in module.parameters())
    return params, tuple(type(m).__name__ for m in module.modules())


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_read_exactly_what_they_declare(name: str) -> None:
    base = _signature(GENERATORS[name](8, IMAGE, width=16, batchnorm=False))
    reads = {
        "g_width": _signature(GENERATORS[name](8, IMAGE, width=8, batchnorm=False)) != base,
        "batchnorm": _signature(GENERATORS[name](8, IMAGE, width=16, batchnorm=True)) != base,
    }
    assert {key for key, used in reads.items() if used} == set(choices.GENERATORS[name].reads)


@pytest.mark.parametrize("name", sorted(DISCRIMINATORS))
def test_discriminators_read_exactly_what_they_declare(name: str) -> None:
    def build(width: int = 16, batchnorm: bool = False, norm: str = "batch") -> nn.Module:
        return DISCRIMINATORS[name](IMAGE, width=width, batchnorm=batchnorm, norm=norm)

    base = _signature(build())
    reads = {
        "d_width": _signature(build(width=8)) != base,
        "batchnorm": _signature(build(batchnorm=True)) != base,
        "d_norm": _signature(build(norm="layer")) != base,
    }
    assert {key for key, used in reads.items() if used} == set(choices.DISCRIMINATORS[name].reads)


@pytest.mark.parametrize("name", sorted(DISCRIMINATORS))
def test_discriminators_project_exactly_where_declared(name: str) -> None:
    d = DISCRIMINATORS[name](IMAGE, num_classes=10, projection=True)
    assert d.projection == choices.DISCRIMINATORS[name].projection
