"""A trained generator on its own: its weights as safetensors and the config that builds it,
loadable without the run directory:

    import gankit
    g = gankit.load_generator("exported/")   # in eval mode, on the CPU
    images = g.generate(64, seed=0)          # (64, 1, 28, 28) in [-1, 1]

The weights are those the run samples with (the averaged generator when it has one). No
pickle is involved on either side: safetensors holds only tensors, the config is YAML.
"""

from __future__ import annotations

from pathlib import Path

from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from gankit.config import ConfigError, dump_config, load_config_file
from gankit.fileio import atomic_write_bytes, atomic_write_text
from gankit.machine import resolve_device
from gankit.rundir import CONFIG, LAST  # CONFIG: the run's config file, under the same name
from gankit.runs import TrainedRun, load_run
from gankit.training.build import build_generator
from gankit.training.checkpoint import CheckpointError

WEIGHTS = "generator.safetensors"
FORMAT = "gankit-generator"


def export_generator(run_dir: str | Path, out: str | Path, checkpoint: str = LAST) -> Path:
    """Write out/generator.safetensors and out/config.yaml from a run's checkpoint (the last
    one unless `checkpoint` names 'best' or a milestone's step)."""
    run = load_run(run_dir, checkpoint=checkpoint)
    tensors = {k: v.detach().cpu().contiguous() for k, v in run.generator.state_dict().items()}
    metadata = {"format": FORMAT, "step": str(run.step), "checkpoint": checkpoint}
    out = Path(out)
    atomic_write_bytes(out / WEIGHTS, lambda f: f.write(save(tensors, metadata=metadata)))
    atomic_write_text(out / CONFIG, dump_config(run.config))
    return out


def is_export(folder: str | Path) -> bool:
    """Whether `folder` is one `gankit export` wrote (its weights file is there), not a run
    directory, which may have a config and no checkpoint yet when stopped early."""
    return (Path(folder) / WEIGHTS).is_file()


def load_generator(folder: str | Path, device: str = "cpu") -> TrainedRun:
    """The exported generator of `folder` in eval mode; `.generate(n, labels=None, seed=0)`
    draws images by the same rule as the run it came from."""
    folder = Path(folder)
    weights, config_file = folder / WEIGHTS, folder / CONFIG
    missing = [p.name for p in (weights, config_file) if not p.is_file()]
    if missing:
        raise CheckpointError(
            f"{folder}: no {' or '.join(missing)}; is this a folder written by "
            "`gankit export RUN --out DIR`?"
        )
    try:
        config = load_config_file(config_file)
        with safe_open(str(weights), framework="pt") as f:
            state = {key: f.get_tensor(key) for key in f.keys()}  # noqa: SIM118 (a safe_open handle)
            step = int((f.metadata() or {}).get("step", 0))
    except (ConfigError, SafetensorError, OSError) as exc:
        raise CheckpointError(
            f"{folder}: unreadable export ({exc}); export the run again"
        ) from None
    dev = resolve_device(device)
    generator = build_generator(config)
    try:
        generator.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(
            f"{weights}: the weights do not fit the generator {CONFIG} describes "
            f"({str(exc).splitlines()[0]}); export the run again"
        ) from None
    generator.to(dev).eval()
    return TrainedRun(folder, config, step, generator, dev)
