"""Kill `gankit reproduce` with SIGKILL at random moments, resume it each time, and check that
no finished experiment is ever lost or redone (docs/results/reliability.md).

    OMP_NUM_THREADS=1 GANKIT_DATA=../shared/data .venv/bin/python \
        docs/results/reliability_reproduce.py OUT [--kills 8] [--seed 14]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from test_kill import ForkServer  # noqa: E402

COMMAND = ["reproduce", "xiao2023", "--scale", "0.001", "--eval-samples", "20", "--quiet",
           "--set", "train.batch_size=8", "--set", "data.limit=64",
           "--set", "log.eval_every=0"]  # fmt: skip


def finished(out: Path) -> dict[str, str]:
    """Experiments with a final evaluation, each with a hash of its metrics and checkpoint."""
    done = {}
    for metrics in sorted(out.glob("*/metrics.json")):
        run = metrics.parent
        blob = metrics.read_bytes() + (run / "checkpoints" / "last.pt").read_bytes()
        done[run.name] = hashlib.sha256(blob).hexdigest()
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    out, log = args.out / "reproduce", args.out / "log.txt"
    rng, server = random.Random(args.seed), ForkServer()
    server.run(["presets"], log, warm=True)
    seen: dict[str, str] = {}
    kills = 0
    while kills < args.kills:
        delay = rng.uniform(1.0, 12.0)
        outcome = server.run([*COMMAND, "--out", str(out)], log, kill_after=delay)
        if not outcome.killed:
            break
        kills += 1
        now = finished(out)
        lost = [name for name in seen if name not in now]
        redone = [name for name in seen if name in now and now[name] != seen[name]]
        print(f"kill {kills} after {delay:.1f} s: {len(now)} experiments finished, "
              f"lost {lost or 'none'}, redone {redone or 'none'}", flush=True)  # fmt: skip
        assert not lost and not redone
        seen = now
    outcome = server.run([*COMMAND, "--out", str(out)], log)
    now = finished(out)
    redone = [name for name in seen if now.get(name) != seen[name]]
    report = (out / "report.md").is_file()
    print(f"final run: exit {outcome.code}, {len(now)} experiments finished, redone "
          f"{redone or 'none'}, report {'written' if report else 'MISSING'}")  # fmt: skip
    assert outcome.code == 0 and not redone and report
    server.close()


if __name__ == "__main__":
    main()
