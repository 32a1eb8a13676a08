#!/usr/bin/env bash
# The default recipe's search, stage 2: changes on top of what stage 1 kept (the projection
# discriminator), at the length 10 minutes buys the preset on 2 idle AVX2 cores (about 6,000
# iterations), one seed, the periodic evaluation every 500 iterations. The list was fixed on
# 2026-12-06, after stage 1's first three trials and before any of these ran; it is ordered by
# what was expected to pay most. Run it from a code snapshot, as docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search-2.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/recipe-stage2
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep --preset dcgan --seeds "[0]" \
        --set model.d_conditioning=projection --set train.iterations=6000 "$@" --out "$runs" \
        --workers 1 --threads "$threads" || echo "=== step failed: rc $?"
}
step                                                              # stage 1's keeper, 6,000 its
step --grid "train.ema=[0.999]" --grid "train.ema_start=[1000]"   # a longer average, started late
step --grid "train.ema=[0.999]" --grid "train.ema_start=[1000]" \
     --grid "optim.g.betas=[[0.0, 0.99]]" --grid "optim.d.betas=[[0.0, 0.99]]"  # BigGAN's betas
step --grid "train.ema=[0.999]" --grid "train.ema_start=[1000]" \
     --grid "optim.g.lr=[0.00025]"                                # G at half D's rate (TTUR)
echo "=== $(date -u +%FT%TZ) stage 2 screen done"
# Added on 2026-12-06 after trials 1 to 3 had run: the leader so far (trial 1, the projection
# discriminator alone) over seeds 1 and 2, so that it is measured over 3 seeds.
echo "=== $(date -u +%FT%TZ) seeds 1, 2 of trial 1"
"$python" -m gankit sweep --preset dcgan --seeds "[1, 2]" --set model.d_conditioning=projection \
    --set train.iterations=6000 --out "$runs" --workers 1 --threads "$threads" \
    || echo "=== step failed: rc $?"
