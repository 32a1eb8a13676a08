"""Faults a long unattended run meets: a full or read-only disk, and two writers on one run
directory. Each failure must leave the previous files intact and name the path."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gankit.fileio import WriteError, atomic_write_text
from gankit.locks import RunDirBusy, run_lock
from gankit.rundir import LOCK
from gankit.training.checkpoint import load_checkpoint, save_checkpoint

FAILURES = [errno.ENOSPC, errno.EROFS, errno.EACCES]


def _failing(code: int):  # noqa: ANN202
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize("code", FAILURES, ids=errno.errorcode.get)
@pytest.mark.parametrize("stage", ["write", "replace"])
def test_failed_checkpoint_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, stage: str
) -> None:
    path = tmp_path / "checkpoints" / "last.pt"
    state = {"step": 1, "config": {}, "fingerprint": "f", "generator": {"w": torch.ones(3)}}
    save_checkpoint(path, state)
    before = path.read_bytes()
    if stage == "write":  # the disk fills while the bytes go out
        monkeypatch.setattr(os, "fsync", _failing(code))
    else:
        monkeypatch.setattr(os, "replace", _failing(code))
    with pytest.raises(WriteError) as info:
        save_checkpoint(path, {**state, "step": 2})
    monkeypatch.undo()
    message = str(info.value)
    assert str(path) in message and errno.errorcode[code] in message
    assert "left as it was" in message and "run the same command again" in message
    assert path.read_bytes() == before and load_checkpoint(path)["step"] == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.pt"]  # no temporary left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_real_read_only_folder(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    atomic_write_text(path, "old")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(WriteError, match=f"{path}.*EACCES"):
            atomic_write_text(path, "new")
    finally:
        tmp_path.chmod(0o755)
    assert path.read_text() == "old"


def _can_mount_tmpfs() -> bool:
    probe = ["unshare", "--user", "--map-root-user", "--mount", "true"]
    try:
        return subprocess.run(probe, capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


REAL_FS_SCRIPT = """
import sys
from pathlib import Path
from gankit.fileio import WriteError, atomic_write_bytes, atomic_write_text
path = Path(sys.argv[1]) / "metrics.json"
try:
    if sys.argv[2] == "old":
        atomic_write_text(path, "old")
    else:
        atomic_write_bytes(path, lambda f: f.write(bytes(int(sys.argv[2]))))
except WriteError as exc:
    print(exc)
"""


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and user namespaces")
def test_real_full_and_read_only_file_systems(tmp_path: Path) -> None:
    """A 64 KiB tmpfs in a private mount namespace: a real ENOSPC, then a real EROFS."""
    folder = tmp_path / "small"
    folder.mkdir()
    write = f"{sys.executable} -c '{REAL_FS_SCRIPT}' {folder}"
    shell = (
        f"mount -t tmpfs -o size=64k none {folder} && {write} old && {write} 200000 && "
        f"cat {folder}/metrics.json && echo && ls -A {folder} && "
        f"mount -o remount,ro {folder} && {write} 10 && cat {folder}/metrics.json"
    )
    out = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", shell],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )
    lines = out.stdout.splitlines()
    assert out.returncode == 0, out.stderr
    assert f"could not write {folder}/metrics.json" in lines[0] and "(ENOSPC)" in lines[0]
    assert lines[1:3] == ["old", "metrics.json"]  # intact, and no temporary left behind
    assert "(EROFS)" in lines[3] and "read-only" in lines[3]
    assert lines[4] == "old"


def test_run_lock_refuses_a_second_writer_naming_the_owner(tmp_path: Path) -> None:
    hold = (
        "import sys, time; from pathlib import Path\n"
        "from gankit.locks import run_lock\n"
        "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = pytest.raises(RunDirBusy, match=f"pid {holder.pid} on host .*another --out")
        with busy, run_lock(tmp_path):
            pass
    finally:
        holder.kill()
        holder.wait()
    # The holder died without releasing: its lock is taken over.
    with run_lock(tmp_path):
        assert f"pid {os.getpid()}\n" in (tmp_path / LOCK).read_text()
    assert not (tmp_path / LOCK).exists()  # released and removed


@pytest.mark.parametrize("code", FAILURES, ids=errno.errorcode.get)
@pytest.mark.parametrize("stage", ["open", "record"])
def test_a_lock_that_cannot_be_written_is_a_write_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, stage: str
) -> None:
    """A read-only or forbidden run folder, or a full disk, stops the run before it trains with
    the message every failed write gives, and leaves no lock held."""
    monkeypatch.setattr(os, "open" if stage == "open" else "write", _failing(code))
    failed = pytest.raises(WriteError, match=f"{tmp_path / LOCK}.*{errno.errorcode[code]}")
    with failed, run_lock(tmp_path):
        pass
    monkeypatch.undo()
    with run_lock(tmp_path):  # nothing was left holding it
        pass


def test_stale_lock_of_a_dead_process_is_taken_over_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / LOCK).write_text("pid 999999999\nhost elsewhere\nsince 2026-01-01\n")
    with run_lock(tmp_path):
        pass
    assert "taking over the lock left by pid 999999999 on host elsewhere" in caplog.text
