"""Presets, defaults and overrides: every bad key or value stops with a message naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.config import (
    ConfigError,
    dump_config,
    load_config,
    load_config_file,
    preset_names,
    validate,
)

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
    assert "optim.d.name: unknown optimizer 'adamw'; choose one of: adam, sgd, rmsprop" in str(
        err.value
    )


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


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_config_file_lists_what_differs_from_its_base_preset(tmp_path: Path) -> None:
    mine = _write(tmp_path / "my-run.yaml", "base: dcgan-uncond\ntrain:\n  batch_size: 16\n")
    config = load_config(mine, ["train.seed=3"])
    expected = load_config("dcgan-uncond", ["train.batch_size=16", "train.seed=3"])
    assert config == expected.model_copy(update={"name": "my-run"})  # named by the file
    assert load_config(str(mine)) == load_config(mine)  # a path given as text


def test_a_config_files_base_may_be_a_file_next_to_it(tmp_path: Path) -> None:
    _write(tmp_path / "common.yaml", "base: dcgan-uncond\ntrain: {batch_size: 16}\n")
    _write(tmp_path / "exp" / "lr.yaml", "base: ../common.yaml\noptim: {d: {lr: 1.0e-4}}\n")
    config = load_config(tmp_path / "exp" / "lr.yaml")
    assert (config.name, config.train.batch_size, config.optim.d.lr) == ("lr", 16, 1e-4)
    assert config.optim.g.lr == load_config("dcgan-uncond").optim.g.lr  # the preset's value
    no_base = _write(tmp_path / "alone.yml", "name: alone\ntrain: {iterations: 5}\n")
    assert load_config(no_base) == validate({"name": "alone", "train": {"iterations": 5}}, "x")


def test_overrides_may_be_a_mapping_of_dotted_keys_to_values() -> None:
    config = load_config("dcgan", {"optim.d.lr": 1e-4, "data.labels": [6], "train.ema": None})
    assert config == load_config("dcgan", ["optim.d.lr=1e-4", "data.labels=[6]", "train.ema=null"])
    with pytest.raises(ConfigError, match=r"unknown config key 'optim\.d\.rate'"):
        load_config("dcgan", {"optim.d.rate": 1e-4})


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({}, r"config file .*missing\.yaml: no such file"),
        ({"missing.yaml": "train: [1\n"}, r"YAML \(while parsing a flow sequence at line 1"),
        ({"missing.yaml": "- 1\n- 2\n"}, "holds a list, not a mapping"),
        ({"missing.yaml": "trian: {iterations: 5}\n"}, r"missing\.yaml\):\n  trian: unknown key"),
        ({"missing.yaml": "base: nope\n"}, r"base: unknown preset 'nope'.*or name a config file"),
        ({"missing.yaml": "base: other.yaml\n"}, r"its base 'other\.yaml' is not a file"),
        (
            {"missing.yaml": "base: other.yaml\n", "other.yaml": "base: missing.yaml\n"},
            "leads back to itself",
        ),
        ({"missing.yaml": "base: [dcgan]\n"}, "must be a preset name or a file name"),
        ({"missing.yaml": "train: {batch_size: 0}\n"}, "train.batch_size"),
    ],
)
def test_a_bad_config_file_is_named_with_its_problem(
    tmp_path: Path, files: dict[str, str], named: str
) -> None:
    for name, text in files.items():
        _write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path / "missing.yaml")


def test_a_preset_name_with_yaml_added_or_a_folder_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="'dcgan' is a preset: give its name without .yaml"):
        load_config("dcgan.yaml")
    (tmp_path / "runs").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        load_config("runs/")
    with pytest.raises(ConfigError, match=r"unknown preset 'runs'.*path of a config file"):
        load_config("runs")


def test_a_runs_recorded_config_that_is_missing_garbled_or_foreign_is_a_config_error(
    tmp_path: Path,
) -> None:
    recorded = tmp_path / "config.yaml"
    with pytest.raises(ConfigError, match="no such file"):
        load_config_file(recorded)
    recorded.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match=r"config.yaml is not valid YAML \(.*line 1"):
        load_config_file(recorded)
    recorded.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config_file(recorded)
    recorded.write_text("train:\n  iterations: many\n")
    with pytest.raises(ConfigError, match="train.iterations"):
        load_config_file(recorded)
    recorded.write_text(dump_config(load_config("dcgan")))
    assert load_config_file(recorded) == load_config("dcgan")
