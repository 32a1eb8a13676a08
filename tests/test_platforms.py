"""gankit runs where Linux-only calls are missing (macOS, Windows): each module loads, the run
locks work, and the speed probe counts the cores it may use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gankit.fast import probe
from gankit.machine import available_cores

# What macOS or Windows lacks of what Linux has: fcntl (Windows), pread/pwrite, O_CLOEXEC,
# setpgrp and getloadavg (Windows), sched_getaffinity (both).
WITHOUT_LINUX_CALLS = """
import importlib, json, os, pkgutil, sys
from pathlib import Path

import filelock  # picks its OS lock at import: flock here, LockFileEx on Windows

sys.modules["fcntl"] = None  # `import fcntl` now fails, as on Windows
for name in ("pread", "pwrite", "O_CLOEXEC", "sched_getaffinity", "getloadavg", "setpgrp"):
    delattr(os, name)

import gankit

failed = {}
for module in pkgutil.walk_packages(gankit.__path__, "gankit."):
    if module.name != "gankit.__main__":  # that one runs the command line
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failed[module.name] = repr(exc)

from gankit.fast.probe import machine_busy
from gankit.locks import ClaimBusy, DirClaim, run_lock
from gankit.machine import available_cores

folder = Path(sys.argv[1])
with run_lock(folder):
    record = (folder / ".lock").read_text()
claim, rival = DirClaim(folder), DirClaim(folder)
claim.acquire()
try:
    rival.acquire()
    exclusive = False
except ClaimBusy as exc:
    exclusive = str(exc)
claim.release()
print(json.dumps({
    "failed": failed, "pid": os.getpid(), "record": record,
    "lock_left": (folder / ".lock").exists(),
    "exclusive": exclusive, "claim_left": (folder / ".claim").exists(),
    "cores": available_cores(), "busy": machine_busy(),
}))
"""


@pytest.mark.integration
def test_gankit_loads_and_locks_without_the_linux_only_calls(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", WITHOUT_LINUX_CALLS, str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["failed"] == {}
    assert seen["record"].startswith(f"pid {seen['pid']}\nhost ")
    assert not seen["lock_left"] and not seen["claim_left"]  # released and removed
    assert seen["exclusive"].startswith(f"{tmp_path} is in use by pid ")
    assert seen["cores"] == list(range(os.cpu_count() or 1))
    assert seen["busy"] == ""  # no load average to tell busy cores by


def test_cores_are_the_affinity_where_the_os_keeps_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3, 1}, raising=False)
    assert available_cores() == [1, 3]
    monkeypatch.setattr(os, "getloadavg", lambda: (2.5, 0.0, 0.0), raising=False)
    assert probe.machine_busy() == "not cached: load average 2.5 on 2 cores"
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert available_cores() == [0, 1, 2, 3]
    assert probe.machine_busy() == ""  # 2.5 on 4 cores
