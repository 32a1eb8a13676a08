"""Files and folders gankit writes get the user's umask, as open() and mkdir give them, not the
private 0o600 / 0o700 of the temporary files they are written through."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from gankit.fileio import atomic_write_text, temporary_file
from gankit.sample_files import write_png_dir

pytestmark = pytest.mark.skipif(os.name == "nt", reason="Windows has no POSIX modes")


@pytest.fixture(params=[0o022, 0o002, 0o077], ids=oct)
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_files_and_folders_get_the_umask(umask: int, tmp_path: Path) -> None:
    atomic_write_text(tmp_path / "metrics.json", "{}\n")
    assert _mode(tmp_path / "metrics.json") == 0o666 & ~umask
    (tmp_path / "metrics.json").chmod(0o600)
    atomic_write_text(tmp_path / "metrics.json", "{}\n")  # a replaced file gets it too
    assert _mode(tmp_path / "metrics.json") == 0o666 & ~umask

    fd, part = temporary_file(tmp_path, ".mnist.gz.", ".part")  # a download in progress
    os.close(fd)
    assert part.name.startswith(".mnist.gz.") and part.name.endswith(".part")
    assert _mode(part) == 0o666 & ~umask

    pngs = tmp_path / "pngs"
    assert write_png_dir(pngs, [torch.zeros(2, 1, 28, 28)], torch.tensor([3, 4])) == 2
    assert _mode(pngs) == 0o777 & ~umask
    assert {p.name: _mode(p) for p in pngs.iterdir()} == {
        name: 0o666 & ~umask for name in ("000000.png", "000001.png", "labels.csv")
    }
