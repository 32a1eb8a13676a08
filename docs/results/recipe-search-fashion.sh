#!/usr/bin/env bash
# The default recipe's search on Fashion-MNIST: a screen of one change at a time against
# `dcgan-fashion` (the previous MNIST recipe on Fashion, 3,000 iterations), one seed, each trial
# with the periodic evaluation every 500 iterations. Fixed on 2026-12-07, after the benchmark's
# first two `dcgan-fashion` seeds (FID about 184x the floor, recall 0.59 to 0.63) and before any
# of these trials ran; the projection discriminator is the benchmark's own
# `dcgan-projection-fashion`, so it is not repeated here. Run it from a code snapshot, as
# docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search-fashion.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/recipe-fashion
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
# fp32 everywhere: the screen's first trials trained on an AVX2 CPU, where `perf.amp=auto` is
# fp32; pinned so that a CPU with bf16 in hardware computes the same arithmetic for the rest.
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep --preset dcgan-fashion --seeds "[0]" "$@" --out "$runs" \
        --workers 1 --threads "$threads" --set perf.amp=none || echo "=== step failed: rc $?"
}
step --grid "model.g_width=[64]"                                    # a wider generator
step --grid "model.g_width=[64]" --grid "model.d_width=[128]"       # both networks wider
step --grid "train.iterations=[6000]"                               # twice as long
step --grid "train.ema=[0.999]" --grid "train.ema_start=[1000]"     # a longer average, started late
step --grid "optim.g.lr=[0.0002]" --grid "optim.d.lr=[0.0002]"      # Radford's rate
echo "=== $(date -u +%FT%TZ) Fashion screen done"
