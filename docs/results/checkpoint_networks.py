"""The networks a run saved at each checkpoint, for the analysis scripts beside this file."""

from collections.abc import Iterator
from pathlib import Path

import torch

from gankit.config import Config
from gankit.training.build import build_discriminator, build_generator
from gankit.training.checkpoint import load_checkpoint


def milestone_networks(
    run_dir: Path, last: bool = False
) -> Iterator[tuple[int, Config, torch.nn.Module, torch.nn.Module]]:
    """(step, config, generator, discriminator) in inference mode for each milestone
    checkpoint (step_*.pt), then for last.pt when `last`; G is the EMA copy where there is one."""
    paths = sorted((run_dir / "checkpoints").glob("step_*.pt"))
    for path in [*paths, run_dir / "checkpoints" / "last.pt"] if last else paths:
        state = load_checkpoint(path)
        config = Config.model_validate(state["config"])
        generator, discriminator = build_generator(config), build_discriminator(config)
        generator.load_state_dict(state.get("ema") or state["generator"])
        discriminator.load_state_dict(state["discriminator"])
        yield state["step"], config, generator.eval(), discriminator.eval()
