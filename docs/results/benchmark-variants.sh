#!/usr/bin/env bash
# The benchmark's variant switches tried where their papers say they help, fixed on 2026-12-06
# before any of these trials ran. Run after `gankit reproduce benchmark` into the same folder:
# the trials the benchmark already finished are skipped, and its page shows the others as rows
# it does not plan.
#   GANKIT_DATA=../shared/data bash docs/results/benchmark-variants.sh [RUNS]   (~/gankit-runs)
#
# - DiffAugment (Zhao et al. 2020) is for small training sets: dcgan-uncond on the first 1,000
#   and 5,000 MNIST training images, without and with DiffAugment (translation and cutout;
#   gankit has no colour transform, and MNIST has no colour), 3 seeds each.
# - R1 (Mescheder et al. 2018) over a range of gamma around the benchmark's 1: 0.1 and 10,
#   3 seeds each (gamma 1 is the benchmark's own model).
# Each trial evaluates every 250 iterations, as the benchmark's do (logging only).
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
# fp32, as dcgan-uncond's benchmark seeds computed (`perf.amp=auto` on an AVX2 CPU): pinned so a
# CPU with bf16 in hardware compares the same arithmetic.
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep "$@" --workers 1 --threads "$threads" --set log.eval_every=250 \
        --set perf.amp=none --out "$runs/benchmark" || echo "=== step failed: rc $?"
}
step --preset dcgan-uncond --grid "data.limit=[1000, 5000]" \
    --grid "train.diffaugment=[[], [translation, cutout]]" --seeds 3
step --preset dcgan-uncond --grid "train.r1_gamma=[0.1, 10.0]" --seeds 3
echo "=== $(date -u +%FT%TZ) variants done"
