"""The table of bench_before_after.sh's JSON files: per preset, gankit's iterations per second
before and after (the median of the repeats) and their ratio, the reference loop's rates (the
same code in both runs: the control), and gankit's speed as a multiple of the reference's in
each run, which cancels a change of the machine's speed between the two runs.
    python docs/results/bench_before_after.py OUT_DIR"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def rate(path: Path, key: str) -> float:
    (result,) = json.loads(path.read_text())["presets"].values()
    return 1.0 / statistics.median(result[key])


def main(folder: Path) -> None:
    print(
        "| preset | gankit before (it/s) | after | after / before | reference before | after "
        "| gankit / reference before | after |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for before in sorted(folder.glob("*-before.json")):
        preset = before.name.removesuffix("-before.json")
        after = folder / f"{preset}-after.json"
        g0, g1 = rate(before, "gankit_s_per_it"), rate(after, "gankit_s_per_it")
        r0, r1 = rate(before, "reference_s_per_it"), rate(after, "reference_s_per_it")
        print(
            f"| `{preset}` | {g0:.2f} | {g1:.2f} | {g1 / g0:.3f} | {r0:.2f} | {r1:.2f} "
            f"| {g0 / r0:.3f} | {g1 / r1:.3f} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
