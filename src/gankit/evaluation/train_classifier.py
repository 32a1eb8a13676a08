"""Seeded, deterministic training of the evaluator CNN; reproduces the bundled weights."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save
from torch import nn

from gankit.data import dataset_info, load_tensors
from gankit.evaluation.classifier import (
    ARCH,
    EvaluatorCNN,
    classifier_recipe,
    classify,
    file_sha256,
)
from gankit.fileio import atomic_write_bytes

BATCH_SIZE = 128
MAX_LR = 3e-3
WEIGHT_DECAY = 5e-4
MAX_SHIFT = 2  # pixels; small translations are the invariance digits and clothes really have


@dataclass(frozen=True)
class TrainedClassifier:
    path: Path
    sha256: str
    test_accuracy: float
    seconds: float


def augment(x: torch.Tensor, gen: torch.Generator, hflip: bool) -> torch.Tensor:
    """Random shifts of up to MAX_SHIFT pixels (zero-padded with the background value -1)."""
    n, _, h, w = x.shape
    padded = nn.functional.pad(x, [MAX_SHIFT] * 4, value=-1.0)
    dy, dx = torch.randint(0, 2 * MAX_SHIFT + 1, (2, n, 1), generator=gen)
    rows = (dy + torch.arange(h))[:, :, None]
    cols = (dx + torch.arange(w))[:, None, :]
    out = padded[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    if hflip:
        flip = torch.rand(n, generator=gen) < 0.5
        out[flip] = out[flip].flip(-1)
    return out


def accuracy(model: EvaluatorCNN, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    _, probs = classify(model, images)
    return (probs.argmax(1) == labels).float().mean().item()


def train_classifier(
    dataset: str,
    out: Path,
    *,
    seed: int | None = None,
    epochs: int | None = None,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    log: Callable[[str], None] = print,
) -> TrainedClassifier:
    """Train the evaluator for `dataset` and write it to `out` as safetensors.

    With the registry's seed and epochs (the defaults) and the same torch build, the file is
    byte-identical to the bundled one. `limit` keeps the first `limit` training and test
    images (a smoke run for tests).
    """
    spec = classifier_recipe(dataset)
    seed = spec.seed if seed is None else seed
    epochs = spec.epochs if epochs is None else epochs
    train_x, train_y = load_tensors(dataset, "train", data_dir=data_dir, limit=limit)
    test_x, test_y = load_tensors(dataset, "test", data_dir=data_dir, limit=limit)

    start = time.perf_counter()
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    threads = torch.get_num_threads()
    torch.use_deterministic_algorithms(True)
    # Reductions split across threads sum in a different order, so the bytes depend on the
    # thread count: one thread makes them the same on every machine with this torch build.
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        classes = len(dataset_info(dataset).classes)
        model = EvaluatorCNN(classes).to(memory_format=torch.channels_last)
        steps_per_epoch = -(-len(train_x) // BATCH_SIZE)
        opt = torch.optim.AdamW(model.parameters(), lr=MAX_LR, weight_decay=WEIGHT_DECAY)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=MAX_LR, epochs=epochs, steps_per_epoch=steps_per_epoch
        )
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(train_x), generator=gen)
            total = 0.0
            for i in range(steps_per_epoch):
                idx = order[i * BATCH_SIZE : (i + 1) * BATCH_SIZE]
                x = augment(train_x[idx], gen, spec.hflip)
                loss = nn.functional.cross_entropy(
                    model(x.contiguous(memory_format=torch.channels_last)), train_y[idx]
                )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item()
            log(
                f"epoch {epoch + 1}/{epochs}: train loss {total / steps_per_epoch:.4f} "
                f"({time.perf_counter() - start:.0f} s)"
            )
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.set_num_threads(threads)

    test_acc = accuracy(model, test_x, test_y)
    metadata = {
        "arch": ARCH,
        "dataset": dataset,
        "seed": str(seed),
        "epochs": str(epochs),
        "test_accuracy": f"{test_acc:.4f}",
    }
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    # One metadata key: safetensors writes several keys in a random order per process,
    # which would make the file's checksum irreproducible.
    payload = save(state, metadata={"gankit": json.dumps(metadata, sort_keys=True)})
    out = Path(out)
    atomic_write_bytes(out, lambda f: f.write(payload))
    return TrainedClassifier(out, file_sha256(out), test_acc, time.perf_counter() - start)
