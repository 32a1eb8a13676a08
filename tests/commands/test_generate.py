"""Images and generators out of a run: `gankit sample --format png-dir|npz`, `gankit export`
with `gankit.load_generator`, latent interpolation and the nearest-training-image gallery,
each checked for what it contains."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import gankit
from gankit.cli import main
from gankit.data import load_tensors
from gankit.data.load import to_uint8
from gankit.gallery import interpolation_grid, nearest_training
from gankit.runs import load_run
from gankit.sampling import draw_noise, generate, slerp


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A conditional dcgan run of two iterations: enough to have weights unlike the init."""
    out = tmp_path_factory.mktemp("gen") / "run"
    cli("train", "dcgan", "--out", str(out), "--iterations", "2", "--no-eval", "--quiet",
        "--set", "log.tensorboard=false", "--set", "log.plots=false",
        "--set", "model.g_width=8", "--set", "model.d_width=8",
        "--set", "data.limit=256", "--set", "log.grid_size=10")  # fmt: skip
    return out


@pytest.mark.integration
def test_npz_holds_uint8_nhwc_images_and_their_labels(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "samples.npz"
    cli("sample", str(run_dir), "--n", "30", "--format", "npz", "--out", str(out), "--seed", "3")
    with np.load(out) as f:
        images, labels = f["arr_0"], f["arr_1"]
    assert images.dtype == np.uint8 and images.shape == (30, 28, 28, 1)
    assert labels.tolist() == [i % 10 for i in range(30)]
    expected = to_uint8(load_run(run_dir).generate(30, seed=3)).permute(0, 2, 3, 1).numpy()
    assert np.array_equal(images, expected)


@pytest.mark.integration
def test_png_dir_holds_one_image_per_sample(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pngs"
    cli("sample", str(run_dir), "--n", "12", "--format", "png-dir", "--out", str(out))
    files = sorted(out.glob("*.png"))
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(12)]
    expected = to_uint8(load_run(run_dir).generate(12, seed=0))[:, 0].numpy()
    for i, path in enumerate(files):
        assert np.array_equal(np.asarray(Image.open(path)), expected[i])
    assert (out / "labels.csv").read_text().splitlines()[1:3] == ["000000.png,0", "000001.png,1"]
    result = CliRunner().invoke(
        main, ["sample", str(run_dir), "--n", "2", "--format", "png-dir", "--out", str(out)]
    )
    assert result.exit_code == 2 and "not an empty folder" in result.output
    assert len(list(out.glob("*.png"))) == 12  # nothing lost


@pytest.mark.integration
def test_exported_generator_draws_the_runs_images(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    cli("export", str(run_dir), "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["config.yaml", "generator.safetensors"]
    generator = gankit.load_generator(out)
    run = load_run(run_dir)
    assert generator.step == run.step == 2
    labels = torch.tensor([7] * 8)
    assert torch.equal(generator.generate(16, seed=5), run.generate(16, seed=5))
    assert torch.equal(generator.generate(8, labels=labels), run.generate(8, labels=labels))
    # `gankit sample` reads the exported folder as it reads the run
    png = tmp_path / "grid.png"
    cli("sample", str(out), "--n", "10", "--out", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_folder_without_an_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="no generator.safetensors or config.yaml"):
        gankit.load_generator(tmp_path)


def test_slerp_follows_the_great_circle() -> None:
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    path = slerp(a, b, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(path[0], a) and torch.allclose(path[2], b)
    assert torch.allclose(path[1], torch.tensor([1.0, 1.0]) / math.sqrt(2))  # on the circle
    assert torch.allclose(path.norm(dim=1), torch.ones(3))


@pytest.mark.integration
def test_interpolation_rows_run_between_two_draws(run_dir: Path) -> None:
    g = load_run(run_dir).generator
    grid = interpolation_grid(g, rows=3, steps=5, seed=9).reshape(3, 5, 1, 28, 28)
    z = draw_noise(6, g.z_dim, 9)
    with torch.no_grad():
        for i in range(3):  # row i keeps class i; its ends are the draws z_2i and z_2i+1
            y = torch.tensor([i])
            assert torch.allclose(grid[i, 0], g(z[2 * i : 2 * i + 1], y)[0], atol=1e-6)
            assert torch.allclose(grid[i, -1], g(z[2 * i + 1 : 2 * i + 2], y)[0], atol=1e-6)
    assert not torch.allclose(grid[0, 0], grid[0, 2])  # the middle is neither end


def test_nearest_training_image_of_a_training_image_is_itself() -> None:
    images, _ = load_tensors("mnist", "train", limit=5000)
    picks = torch.tensor([0, 1, 2, 1234, 4999])
    index, distance = nearest_training(images[picks], images, k=3)
    assert index[:, 0].tolist() == picks.tolist()
    assert torch.allclose(distance[:, 0], torch.zeros(5), atol=1e-2)
    assert (distance[:, 1] > 1.0).all()  # the second nearest is another image
    # against a brute-force search for one query
    direct = (images.flatten(1) - images[1234].flatten()).norm(dim=1).topk(3, largest=False)
    assert index[3].tolist() == direct.indices.tolist()


@pytest.mark.integration
def test_sample_nearest_and_interpolate_write_grids(run_dir: Path, tmp_path: Path) -> None:
    for flag, extra in (("--interpolate", ["--steps", "4"]), ("--nearest", ["--k", "2"])):
        png = tmp_path / f"{flag[2:]}.png"
        cli("sample", str(run_dir), flag, "--n", "3", *extra, "--out", str(png))
        grid = np.asarray(Image.open(png))
        cols = 4 if flag == "--interpolate" else 3  # 28-pixel cells and 2-pixel borders, x2
        assert grid.shape == (2 * (3 * 30 + 2), 2 * (cols * 30 + 2))


@pytest.mark.integration
def test_one_seeding_rule_for_every_consumer(run_dir: Path) -> None:
    run = load_run(run_dir)
    direct = generate(run.generator, 40, seed=11, batch_size=7)
    assert torch.equal(run.generate(40, seed=11), direct)
    with torch.no_grad():  # the rule itself: randn from a CPU generator, classes in turn
        by_hand = run.generator(draw_noise(40, run.generator.z_dim, 11), torch.arange(40) % 10)
    assert torch.allclose(direct, by_hand, atol=1e-6)
