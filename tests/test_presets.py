"""Presets inherit (`base:`): each resolves to the config its flat file gave before, and
`gankit presets --show` prints the resolved config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from gankit.cli import main
from gankit.config import (
    ConfigError,
    deep_merge,
    load_config,
    preset_lineage,
    read_preset,
    validate,
)

FLAT = yaml.safe_load((Path(__file__).parent / "fixtures" / "flat_presets.yaml").read_text())


@pytest.mark.parametrize("name", sorted(FLAT))
def test_inheriting_presets_resolve_to_their_former_flat_files(name: str) -> None:
    resolved = load_config(name)
    # every setting as it was; the description is words for people, free to be reworded
    flat = {"name": name, **FLAT[name], "description": resolved.description}
    assert resolved == validate(flat, f"flat {name}")


def test_deep_merge_replaces_values_and_lists_and_merges_sections() -> None:
    base = {"a": 1, "optim": {"g": {"name": "adam", "lr": 1}}, "labels": [1, 2]}
    merged = deep_merge(base, {"optim": {"g": {"lr": 2}}, "labels": [6]})
    assert merged == {"a": 1, "optim": {"g": {"name": "adam", "lr": 2}}, "labels": [6]}
    assert base["optim"]["g"]["lr"] == 1  # the base is left as it was


def test_a_child_lists_only_what_differs() -> None:
    assert read_preset("liu2021-dcgan-6") == {**read_preset("liu2021-dcgan"),
        "description": read_preset("liu2021-dcgan-6")["description"],
        "data": {"dataset": "mnist", "labels": [6]}}  # fmt: skip


def test_bases_are_not_presets_and_a_cycle_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["presets"])
    assert result.exit_code == 0 and "_xiao2023" not in result.output
    assert "xiao2023-sgd" in result.output
    import gankit.config

    files = {"a": {"base": "b"}, "b": {"base": "a"}}

    class Fake:
        def __init__(self, name: str) -> None:
            self.name = name.removesuffix(".yaml")

        def __truediv__(self, part: str) -> Fake:
            return Fake(part)

        def is_file(self) -> bool:
            return self.name in files

        def read_text(self) -> str:
            return yaml.safe_dump(files[self.name])

    monkeypatch.setattr(gankit.config.resources, "files", lambda package: Fake(""))
    with pytest.raises(ConfigError, match="inherits from itself"):
        read_preset("a")


def test_presets_show_prints_the_resolved_config() -> None:
    result = CliRunner().invoke(main, ["presets", "--show", "xiao2023-batchnorm"])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.output)
    assert shown == load_config("xiao2023-batchnorm").to_dict()
    assert shown["model"]["batchnorm"] is True and shown["optim"]["d"]["name"] == "sgd"
    assert shown["paper"] == "xiao2023"  # from the _xiao2023 base


def test_presets_show_unknown_name_is_a_user_error() -> None:
    result = CliRunner().invoke(main, ["presets", "--show", "nope"])
    assert result.exit_code == 2 and "unknown preset 'nope'" in result.output
    assert "Traceback" not in result.output


def test_a_presets_lineage_follows_its_base_chain() -> None:
    assert preset_lineage("liu2021-dcgan-atienza") == [
        "liu2021-dcgan-atienza", "liu2021-dcgan-3groups", "liu2021-dcgan"]  # fmt: skip
    assert preset_lineage("xiao2023-adam") == ["xiao2023-adam", "_xiao2023-mlp", "_xiao2023"]
    assert preset_lineage("my-own-config") == ["my-own-config"]


def test_the_three_group_digit_6_preset_differs_from_its_all_digit_one_only_in_the_data() -> None:
    """Experiment 2 under the three-group reading: Experiment 1's config on the digit 6."""
    six, all_digits = load_config("liu2021-dcgan-3groups-6"), load_config("liu2021-dcgan-3groups")
    assert six.data.labels == [6] and all_digits.data.labels is None
    assert six.model_copy(update={"data": all_digits.data}).fingerprint() == (
        all_digits.fingerprint()
    )


def test_presets_show_takes_set_and_config_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["presets", "--show", "dcgan", "--set", "optim.d.lr=1e-4", "--set", "train.seed=5"]
    )
    assert result.exit_code == 0, result.output
    expected = load_config("dcgan", ["optim.d.lr=1e-4", "train.seed=5"])
    assert yaml.safe_load(result.output) == expected.to_dict()
    mine = tmp_path / "mine.yaml"
    mine.write_text("base: dcgan\ntrain: {batch_size: 16}\n")
    result = CliRunner().invoke(main, ["presets", "--show", str(mine)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output) == load_config(mine).to_dict()
    assert yaml.safe_load(result.output)["train"]["batch_size"] == 16


def test_presets_set_without_show_is_refused() -> None:
    result = CliRunner().invoke(main, ["presets", "--set", "train.seed=5"])
    assert result.exit_code == 2 and "--set goes with --show NAME" in result.output
    result = CliRunner().invoke(main, ["presets", "--show", "dcgan", "--set", "train.nope=5"])
    assert result.exit_code == 2 and "unknown config key 'train.nope'" in result.output
