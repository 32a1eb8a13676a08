"""Presets, defaults and overrides: every bad key or value stops with a message naming it."""

from __future__ import annotations

import pytest

from gankit.config import ConfigError, load_config, preset_names

PAPER_PRESETS = {
    "liu2021-dcgan", "liu2021-dcgan-6", "liu2021-gan", "liu2021-gan-6",
    "xiao2023-sgd", "xiao2023-adam", "xiao2023-adam-sgd", "xiao2023-batchnorm",
    "xiao2023-dcgan", "xiao2023-rnn",
}  # fmt: skip


def test_every_paper_experiment_has_a_valid_preset() -> None:
    names = set(preset_names())
    assert PAPER_PRESETS | {"dcgan"} <= names
    for name in names:
        assert load_config(name).name == name


def test_liu_dcgan_preset_reads_the_paper_as_documented() -> None:
    c = load_config("liu2021-dcgan")
    assert (c.train.batch_size, c.train.iterations, c.train.d_steps) == (32, 10000, 5)
    assert c.train.d_same_batch and c.train.d_forward == "combined"
    assert (c.optim.d.name, c.optim.d.lr, c.optim.d.decay) == ("adam", 2e-4, 6e-8)
    assert (c.optim.g.name, c.optim.g.lr, c.optim.g.decay) == ("rmsprop", 1e-4, 3e-8)
    assert load_config("liu2021-dcgan-6").data.labels == [6]


def test_set_overrides_parse_yaml_values() -> None:
    c = load_config("dcgan", ["optim.d.lr=1e-4", "data.labels=[6]", "train.ema=null"])
    assert c.optim.d.lr == 1e-4 and c.data.labels == [6] and c.train.ema is None


def test_unknown_key_is_named_with_the_valid_keys() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown config key 'optim\.d\.learning_rate'.*optim\.d\.lr"
    ):
        load_config("dcgan", ["optim.d.learning_rate=1e-4"])


def test_bad_choice_names_key_and_lists_choices() -> None:
    with pytest.raises(ConfigError) as err:
        load_config("dcgan", ["optim.d.name=adamw"])
    assert "optim.d.name" in str(err.value) and "'sgd'" in str(err.value)


def test_bad_number_and_unknown_model_are_refused() -> None:
    with pytest.raises(ConfigError, match="train.batch_size"):
        load_config("dcgan", ["train.batch_size=0"])
    with pytest.raises(ConfigError, match="unknown generator 'nope'.*liu2021-dcgan"):
        load_config("dcgan", ["model.generator=nope"])


def test_unknown_preset_lists_presets() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'nope'.*xiao2023-rnn"):
        load_config("nope")


def test_override_without_equals_sign() -> None:
    with pytest.raises(ConfigError, match="key=value"):
        load_config("dcgan", ["optim.d.lr"])


def test_fingerprint_ignores_length_and_logging_but_not_the_algorithm() -> None:
    base = load_config("dcgan").fingerprint()
    assert load_config("dcgan", ["train.iterations=7", "log.every=3"]).fingerprint() == base
    assert load_config("dcgan", ["optim.g.lr=1e-3"]).fingerprint() != base
