#!/usr/bin/env bash
# The default recipe's search, stage 3: the discriminator's normalisation and regulariser, on
# top of stage 1's keeper (the projection discriminator) at stage 2's length (6,000 iterations),
# one seed, the periodic evaluation every 500 iterations. Fixed on 2026-12-06 after stage 2's
# first two trials had run (a longer EMA made FID worse, and recall fell to about 0.8 in every
# projection trial while precision rose): this list is informed by those results. Run it from a
# code snapshot, as docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search-3.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/recipe-stage3
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
# fp32 everywhere: the screen's first trials trained on an AVX2 CPU, where `perf.amp=auto` is
# fp32; pinned so that a CPU with bf16 in hardware computes the same arithmetic for the rest.
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep --preset dcgan --seeds "[0]" \
        --set model.d_conditioning=projection --set train.iterations=6000 "$@" --out "$runs" \
        --workers 1 --threads "$threads" --set perf.amp=none || echo "=== step failed: rc $?"
}
# SNGAN's projection discriminator: spectral normalisation on every D weight instead of BatchNorm
step --grid "model.d_spectral_norm=[true]" --grid "model.d_norm=[none]"
# R1 on the real images (Mescheder et al. 2018), BatchNorm kept
step --grid "train.r1_gamma=[1.0]"
# both: spectral normalisation without BatchNorm, and R1
step --grid "model.d_spectral_norm=[true]" --grid "model.d_norm=[none]" --grid "train.r1_gamma=[1.0]"
echo "=== $(date -u +%FT%TZ) stage 3 screen done"
