"""Typed run configuration: one source of defaults, presets that override it, `--set` overrides,
and validation that names the bad key and lists the valid choices."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from gankit import choices, config_rules
from gankit.data.catalog import known_datasets
from gankit.errors import GankitError

DEFAULT_PRESET = "dcgan-projection"


class ConfigError(GankitError, ValueError):
    """A preset, override or config file is invalid; the message names the key and the fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(Strict):
    dataset: str = Field(
        default="mnist",
        description="mnist, fashion-mnist, stacked-mnist (3 random digits as RGB, 1,000 modes), "
        "stacked-mnist-128k (PacGAN's 128,000 of them, digits from MNIST train and test) or a "
        "folder imported with `gankit data import`",
    )
    labels: list[int] | None = Field(
        default=None, description="train on these classes only, e.g. [6]"
    )
    limit: int | None = Field(default=None, gt=0, description="keep the first N images")

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, name: str) -> str:
        known = known_datasets()
        if name not in known:
            raise ValueError(
                f"unknown dataset {name!r}; choose one of: {', '.join(known)}, or import a "
                "folder of 28x28 images with `gankit data import DIR --name NAME`"
            )
        return name


class ModelConfig(Strict):
    generator: Annotated[str, AfterValidator(choices.GENERATORS.check)] = Field(
        default="dcgan", description=choices.GENERATORS.described()
    )
    discriminator: Annotated[str, AfterValidator(choices.DISCRIMINATORS.check)] = Field(
        default="dcgan", description=choices.DISCRIMINATORS.described()
    )
    z_dim: int = Field(default=100, gt=0)
    z_dist: Literal["normal", "uniform"] = Field(
        default="normal",
        description="the noise G maps, in training and in every sampling draw: normal N(0, 1), "
        "or uniform on [-1, 1] (DCGAN-tensorflow, PacGAN)",
    )
    g_width: int = Field(default=64, gt=0, description="base width, where a model has one")
    d_width: int = Field(default=64, gt=0)
    batchnorm: bool = Field(default=False, description="BN switch for models that offer one")
    d_norm: Literal["batch", "layer", "none"] = Field(
        default="batch", description="normalisation in the dcgan discriminator"
    )
    conditional: bool = Field(
        default=False, description="condition G and D on the class label (cGAN)"
    )
    d_conditioning: Literal["concat", "projection"] = Field(
        default="concat",
        description="how a conditional D sees the class: concat: one-hot input planes; "
        "projection: <embed(y), phi(x)> added to the logit (Miyato & Koyama 2018)",
    )
    d_spectral_norm: bool = Field(
        default=False,
        description="spectral normalisation (Miyato et al. 2018) of every convolution, linear "
        "and embedding weight of D",
    )


class OptimizerConfig(Strict):
    name: Annotated[str, AfterValidator(choices.OPTIMIZERS.check)] = Field(
        default="adam", description=choices.OPTIMIZERS.described()
    )
    lr: float = Field(default=2e-4, gt=0)
    betas: tuple[float, float] = (0.5, 0.999)
    eps: float = Field(default=1e-8, gt=0, description="Keras Adam uses 1e-7")
    momentum: float = Field(default=0.0, ge=0, description="SGD momentum")
    rho: float = Field(default=0.9, gt=0, lt=1, description="RMSprop smoothing (Keras rho)")
    decay: float = Field(default=0.0, ge=0, description="Keras decay: lr / (1 + decay * step)")


class OptimConfig(Strict):
    g: OptimizerConfig = OptimizerConfig()
    d: OptimizerConfig = OptimizerConfig()


class TrainConfig(Strict):
    iterations: int = Field(
        default=3000,
        gt=0,
        description="iterations in total, each d_steps D updates then g_steps G updates",
    )
    batch_size: int = Field(default=64, gt=0)
    loss: Annotated[str, AfterValidator(choices.LOSSES.check)] = Field(
        default="bce", description=choices.LOSSES.described()
    )
    gp_weight: float = Field(
        default=10.0,
        ge=0,
        description="gradient penalty weight (read by "
        f"{', '.join(choices.LOSSES.readers('gp_weight'))})",
    )
    r1_gamma: float = Field(
        default=0.0,
        ge=0,
        description="R1 penalty (Mescheder et al. 2018): D's loss adds gamma/2 E||grad D(x)||^2 "
        "at real images; 0 = off",
    )
    diffaugment: list[Literal["translation", "cutout"]] = Field(
        default_factory=list,
        description="DiffAugment (Zhao et al. 2020): differentiable augmentations of every "
        "image D sees, real and generated, in the D and the G step, e.g. [translation, cutout]",
    )
    packing: int = Field(
        default=1,
        gt=0,
        description="PacGAN (Lin et al. 2018): D scores packs of this many images of one kind "
        "(all real or all generated) stacked along the channels; 1 = off",
    )
    d_steps: int = Field(default=1, gt=0, description="discriminator updates per G update")
    d_same_batch: bool = Field(
        default=False, description="Liu 2021: all d_steps reuse one real batch and one fake batch"
    )
    d_forward: Literal["separate", "combined"] = Field(
        default="separate",
        description="combined: one D pass over real+fake concatenated, so BatchNorm sees both "
        "(Keras train_on_batch on a combined batch); separate: one pass each",
    )
    d_update: Literal["joint", "real-then-fake"] = Field(
        default="joint",
        description="joint: one D update on the real and the generated batch together; "
        "real-then-fake: two updates, first on the real batch alone, then on the generated one "
        "(Keras code calling train_on_batch once per half, e.g. Keras-GAN's gan.py)",
    )
    g_steps: int = Field(
        default=1,
        gt=0,
        description="generator updates per iteration, after the D updates (DCGAN-tensorflow "
        "runs G's optimizer twice so that D's loss does not go to zero)",
    )
    g_noise: Literal["fresh", "d-step"] = Field(
        default="fresh",
        description="the noise of each G update: fresh draws, or d-step: the noise (and labels) "
        "the iteration's last D update generated its batch from, for every G update, as "
        "DCGAN-tensorflow feeds one batch_z to the D step and both G steps",
    )
    g_batch_size: int | None = Field(
        default=None, gt=0, description="noise batch of the G update (default: batch_size)"
    )
    g_step_d: Literal["frozen", "trained"] = Field(
        default="frozen",
        description="D in the G step: frozen (only G is updated), or trained: G's optimizer "
        "also updates D towards calling the generated batch real, as a Keras combined model "
        "built without trainable=False on D does",
    )
    g_step_d_bn: Literal["batch", "running"] = Field(
        default="batch",
        description="how D's BatchNorm layers normalise in the G step: batch statistics "
        "(PyTorch train mode), or their running averages, left unchanged, as a Keras "
        "discriminator frozen with trainable=False does inside the combined model (TF 2)",
    )
    accumulate: int = Field(
        default=1,
        gt=0,
        description="micro-batches per update: each update's batch (train.batch_size for D, "
        "G's batch for G) is split into this many, whose gradients add up before one optimizer "
        "step, to fit a batch larger than memory allows. The same update as one pass over the "
        "whole batch where each image's loss depends on that image alone; BatchNorm instead "
        "normalises each micro-batch by its own statistics (and updates its running averages "
        "once per micro-batch), and spectral normalisation takes a power iteration per "
        "micro-batch: training warns of both. Random draws inside an update (dropout, "
        "DiffAugment, the gradient penalty's mixing) keep their law but not their order. The "
        "batches must split into micro-batches of whole packs (train.packing)",
    )
    ema: float | None = Field(
        default=None, ge=0, lt=1, description="decay of an averaged generator used for samples"
    )
    ema_start: int = Field(
        default=0,
        ge=0,
        description="the iteration the average starts at; until then it is a copy of the "
        "generator, so the randomly initialised weights never enter it (BigGAN's ema_start)",
    )
    seed: int = 0


NETWORKS = Literal["auto", "both", "generator", "discriminator", "none"]
# the perf keys that take `auto`
AUTO_PERF_KEYS = ("amp", "channels_last", "gemm_conv", "subpixel_conv")


class PerfConfig(Strict):
    """How fast, not what: every key but amp (bf16 arithmetic) and dropout (another random
    stream) only changes speed and floating-point rounding order (docs/results/performance.md
    has what each one measured, and on which CPU). `auto` is decided for the machine the run
    starts on, recorded in the run's config.yaml with the reason in `decisions`, and kept when
    the run resumes."""

    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(default=None, gt=0, description="CPU threads (torch default)")
    amp: Literal["auto", "none", "bf16"] = Field(
        default="auto",
        description="bf16 autocast of the forward passes; weights, optimizer state and losses stay "
        "fp32. auto: bf16 where the CPU or GPU computes bf16 in hardware, else none. It changes "
        "the arithmetic, so a run never resumes across it",
    )
    channels_last: NETWORKS = Field(
        default="auto",
        description="networks whose conv weights are laid out NHWC: the same convolutions through "
        "other kernels. auto: timed per network on this machine (cached)",
    )
    gemm_conv: NETWORKS = Field(
        default="auto",
        description="networks whose Conv2d layers train as im2col GEMMs (CPU only): the same "
        "sums, faster where oneDNN's kernels are slow. auto: timed with channels_last",
    )
    subpixel_conv: NETWORKS = Field(
        default="auto",
        description="networks whose nearest x2 upsample + stride-1 'same' convolution pairs run "
        "as one convolution at the low resolution and a pixel shuffle: the same sums regrouped, "
        "fewer multiply-adds for kernels of 5x5 and up. auto: timed with channels_last",
    )
    dropout: Literal["fast", "native"] = Field(
        default="fast",
        description="fast: CPU dropout masks from uniform draws (the same Bernoulli law, another "
        "random stream); native: nn.Dropout's bernoulli_",
    )
    optimizer: Literal["fused-flat", "fused", "foreach"] = Field(
        default="fused-flat",
        description="optimizer kernels: torch's fused ones, with channels-last tensors handed to "
        "fused Adam as flat memory (fused-flat) or as they are (fused); or foreach kernels",
    )
    keep_freed_memory: bool = Field(
        default=True, description="ask glibc to keep freed memory for reuse (fewer page faults)"
    )
    compile: bool = Field(
        default=False,
        description="torch.compile the networks (CUDA graphs on GPU); slower than eager on CPU",
    )
    decisions: dict[str, str] = Field(
        default_factory=dict, description="written by gankit: why each auto setting was chosen"
    )

    @property
    def resolved(self) -> bool:
        """No `auto` left: every setting is decided (gankit.fast.settings.resolve_perf)."""
        return all(getattr(self, key) != "auto" for key in AUTO_PERF_KEYS)

    @field_validator("channels_last", "gemm_conv", "subpixel_conv", mode="before")
    @classmethod
    def _both_or_none(cls, value: object) -> object:
        # true/false mean both networks or neither (and read configs saved when it was a bool)
        return ("both" if value else "none") if isinstance(value, bool) else value


class LogConfig(Strict):
    every: int = Field(default=10, gt=0, description="losses.csv row cadence (iterations)")
    sample_every: int = Field(default=500, gt=0, description="fixed-noise grid cadence")
    checkpoint_every: int = Field(default=500, gt=0)
    checkpoint_minutes: float = Field(
        default=10,
        ge=0,
        description="also save last.pt once this much wall time has passed "
        "since the last save, so a machine that stops without warning loses at most that; 0 = off",
    )
    milestones: list[int] = Field(default_factory=list, description="checkpoints kept forever")
    eval_every: int = Field(
        default=0,
        ge=0,
        description="cheap periodic evaluation (IS and FID; Stacked MNIST: modes and KL); 0 = off",
    )
    eval_samples: int = Field(default=2000, gt=0)
    keep_best: bool = Field(
        default=True,
        description="with eval_every: also keep checkpoints/best.pt, the state at the periodic "
        "evaluation with the lowest FID (a run can be past its best at the end; not for "
        "Stacked MNIST, whose periodic evaluation has no FID)",
    )
    grid_size: int = Field(default=64, gt=0, description="images in each sample grid")
    tensorboard: bool = Field(
        default=True, description="TensorBoard event files in the run directory"
    )
    plots: bool = Field(
        default=True,
        description="draw plots/losses.png and plots/metrics.png (about half a second each time, "
        "at most every 30 s and at the end); false for sweeps of many short trials",
    )


class Config(Strict):
    name: str = DEFAULT_PRESET
    description: str = ""
    paper: str | None = None
    world_size: int = Field(
        default=1, gt=0, description="processes training this run (torchrun ranks), set by torchrun"
    )
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    train: TrainConfig = TrainConfig()
    perf: PerfConfig = PerfConfig()
    log: LogConfig = LogConfig()

    @model_validator(mode="after")
    def _settings_apply(self) -> Config:
        """The one cross-field validator: see gankit.config_rules."""
        problems = config_rules.check(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def computed_settings(self) -> dict[str, Any]:
        """Every setting that changes what training computes (not length, speed, logging), as
        dotted keys: what the fingerprint hashes."""
        return {k: v for k, v in flatten(self.to_dict()).items() if not k.startswith(UNHASHED)}

    def fingerprint(self) -> str:
        """Hash of everything that changes what training computes (not length, speed, logging)."""
        kept = self.computed_settings()
        return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


# Keys a run may resume across: they change its length, logging, speed or only the rounding
# order of the same arithmetic. perf.amp is not one of them (bf16 is different arithmetic), nor
# perf.dropout (another random stream).
UNHASHED = (
    "train.iterations",
    "log.",
    "name",
    "description",
    "perf.device",
    "perf.threads",
    "perf.channels_last",
    "perf.gemm_conv",
    "perf.subpixel_conv",
    "perf.optimizer",
    "perf.keep_freed_memory",
    "perf.compile",
    "perf.decisions",
)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}"""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def preset_names() -> list[str]:
    """The presets one can train; files named _*.yaml are bases that presets inherit from."""
    folder = resources.files("gankit") / "presets"
    return sorted(
        p.name[: -len(".yaml")]
        for p in folder.iterdir()
        if p.name.endswith(".yaml") and not p.name.startswith("_")
    )


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`base` with `changes` laid over it, section by section (a list or value replaces)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _preset_file(name: str) -> dict[str, Any] | None:
    """The tree one preset file (or _base file) holds, its `base:` unresolved; None when there
    is no such file. A copy: the caller may change it."""
    tree = _parsed_preset_file(name)
    return copy.deepcopy(tree) if tree is not None else None


@functools.cache
def _parsed_preset_file(name: str) -> dict[str, Any] | None:
    # The presets ship inside the package and do not change while it runs; a sweep or the
    # benchmark resolves the same few hundred times.
    path = resources.files("gankit") / "presets" / f"{name}.yaml"
    return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else None


def read_preset(name: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A preset's tree with its `base:` chain resolved: a preset lists only what differs from
    the preset (or _base file) it names."""
    tree = _preset_file(name)
    if tree is None:
        raise ConfigError(f"unknown preset {name!r}; choose one of: {', '.join(preset_names())}")
    base = tree.pop("base", None)
    if base is None:
        return tree
    if base in (*_seen, name):
        raise ConfigError(f"preset {name!r}: base {base!r} inherits from itself")
    return deep_merge(read_preset(base, (*_seen, name)), tree)


def preset_lineage(name: str) -> list[str]:
    """`name` and the presets its `base:` chain names, nearest first; [name] alone when it is
    not a preset (a run's config may carry any name)."""
    lineage = [name]
    while (tree := _preset_file(lineage[-1])) is not None:
        base = tree.get("base")
        if base is None or base in lineage:  # a cycle: read_preset names it
            break
        lineage.append(base)
    return lineage


CONFIG_SUFFIXES = (".yaml", ".yml")


def is_config_file(source: str | Path) -> bool:
    """Whether `source` names a config file rather than a preset: a Path, or a name ending in
    .yaml / .yml or holding a folder (no preset name does)."""
    if isinstance(source, Path):
        return True
    return source.endswith(CONFIG_SUFFIXES) or "/" in source or os.sep in source


def config_label(source: str | Path) -> str:
    """The name a config of `source` carries (and its run folder): the preset's name, or the
    config file's name without its suffix."""
    return Path(source).stem if is_config_file(source) else str(source)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML parser error on one line, with the line and column of what it was reading
    (an unclosed bracket's opening) and of where it failed."""
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return str(exc).splitlines()[0]

    def at(mark: yaml.Mark) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"

    problem = f"{exc.problem} at {at(exc.problem_mark)}"
    if exc.context and exc.context_mark is not None:
        return f"{exc.context} at {at(exc.context_mark)}: {problem}"
    return problem


def _read_file_tree(path: Path) -> dict[str, Any]:
    """One config file's tree, its `base:` unresolved."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        hint = (
            f" ({path.stem!r} is a preset: give its name without .yaml)"
            if path.stem in preset_names() and not path.parent.parts
            else ""
        )
        raise ConfigError(
            f"config file {path}: no such file{hint}; give the path of a YAML config file or "
            "a preset name (`gankit presets` lists them)"
        ) from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path}: is a folder; give a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc})") from None
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"config file {path} is not valid YAML ({_yaml_problem(exc)}); fix it there"
        ) from None
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise ConfigError(
            f"config file {path}: holds a {type(tree).__name__}, not a mapping of config keys "
            "(base:, train:, optim:, ...); `gankit presets --show dcgan` shows one"
        )
    return tree


def read_config_file(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A config file's tree with its `base:` chain resolved. Like a preset it lists only what
    differs from its base: a preset's name, or another config file (a name ending in .yaml or
    .yml, relative to the folder of the file that names it)."""
    tree = _read_file_tree(path)
    base = tree.pop("base", None)
    if base is None:
        return tree
    if not isinstance(base, str) or not base:
        raise ConfigError(
            f"config file {path}: base: {base!r} must be a preset name or a file name"
        )
    if not is_config_file(base):
        try:
            return deep_merge(read_preset(base), tree)
        except ConfigError as exc:
            raise ConfigError(
                f"config file {path}: base: {exc}; or name a config file (ending in .yaml) "
                "next to it"
            ) from None
    base_path = path.parent / base
    seen = (*_seen, path.resolve())
    if base_path.resolve() in seen:
        chain = " -> ".join(str(p) for p in (*seen, base_path.resolve()))
        raise ConfigError(f"config file {path}: base {base!r} leads back to itself ({chain})")
    if not base_path.is_file():
        raise ConfigError(
            f"config file {path}: its base {base!r} is not a file ({base_path}); a base file "
            f"is found relative to the folder of the file that names it"
        )
    return deep_merge(read_config_file(base_path, seen), tree)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "config"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "literal_error":
            msg = f"bad value {err['input']!r}; {msg}"
        elif err["type"] == "value_error" and not err["loc"]:  # config_rules: keys named
            lines += [f"  {line}" for line in str(err["ctx"]["error"]).splitlines()]
            continue
        elif err["type"] == "value_error":  # a validator's own message, as it wrote it
            msg = str(err["ctx"]["error"])
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def _valid_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            keys += _valid_keys(ann, f"{prefix}{name}.")
        else:
            keys.append(f"{prefix}{name}")
    return keys


def _check_key(key: str) -> list[str]:
    """The parts of a dotted config key; an unknown key is an error listing the valid ones."""
    valid = _valid_keys(Config)
    if key not in valid:
        raise ConfigError(f"unknown config key {key!r}; valid keys: {', '.join(valid)}")
    return key.split(".")


def set_value(tree: dict[str, Any], key: str, value: Any) -> None:
    """Set dotted `key` (optim.d.lr) of a nested dict to `value`, as it is."""
    parts = _check_key(key.strip())
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def apply_override(tree: dict[str, Any], assignment: str) -> None:
    """Apply `a.b.c=value` to a nested dict; the value is parsed as YAML (1e-4, true, [6])."""
    if "=" not in assignment:
        raise ConfigError(f"override {assignment!r} must look like key=value (optim.d.lr=1e-4)")
    key, raw = assignment.split("=", 1)
    _check_key(key.strip())
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
        raise ConfigError(
            f"{key.strip()}: {raw!r} is not a YAML value ({problem}); quote it or fix the "
            "brackets, e.g. --set data.labels=[6] or --set name=my-run"
        ) from None
    set_value(tree, key, value)


def validate(tree: dict[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(f"invalid config ({source}):\n{_format_errors(exc)}") from None


Overrides = Iterable[str] | Mapping[str, Any]


def load_config(preset: str | Path | None = None, overrides: Overrides = ()) -> Config:
    """The config of a preset or of a config file (is_config_file), its `base:` chain
    resolved, with `overrides` laid over it: `key=value` strings as `--set` takes them (the
    value parsed as YAML), or a mapping of dotted keys to values."""
    source = preset or DEFAULT_PRESET
    if is_config_file(source):
        tree, what = read_config_file(Path(source)), f"config file {source}"
    elif _preset_file(str(source)) is None:
        raise ConfigError(
            f"unknown preset {source!r}; choose one of: {', '.join(preset_names())}; or give "
            "the path of a config file (ending in .yaml)"
        )
    else:
        tree, what = read_preset(str(source)), f"preset {source!r}"
    tree.setdefault("name", config_label(source))
    if isinstance(overrides, Mapping):
        for key, value in overrides.items():
            set_value(tree, key, value)
        shown = [f"{key}={value!r}" for key, value in overrides.items()]
    else:
        shown = list(overrides)
        for assignment in shown:
            apply_override(tree, assignment)
    return validate(tree, what + (f" with {' '.join(shown)}" if shown else ""))


def load_config_file(path: Path) -> Config:
    """A resolved config as a run directory records it (config.yaml: every key, no `base:`);
    a missing, unreadable or malformed file is a ConfigError that names it."""
    return validate(_read_file_tree(path), str(path))


def dump_config(config: Config) -> str:
    return yaml.safe_dump(config.to_dict(), sort_keys=False)
