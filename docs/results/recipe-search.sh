#!/usr/bin/env bash
# The default recipe's search, stage 1: a screen of one change at a time against the `dcgan`
# preset as it was on 2026-12-06 (3,000 iterations), one seed, every trial with the periodic
# evaluation every 500 iterations, so that quality against iterations comes from
# metrics_history.csv. The list below was fixed before any of these trials ran. Run it from a
# code snapshot, as docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/recipe-screen
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep --preset dcgan --seeds "[0]" "$@" --out "$runs" \
        --workers 1 --threads "$threads" || echo "=== step failed: rc $?"
}
step                                                     # the preset as it is
step --grid "model.d_conditioning=[projection]"          # projection discriminator
step --grid "train.ema=[0.999]"                          # a longer average
step --grid "optim.g.decay=[0.001]" --grid "optim.d.decay=[0.001]"  # lr / (1 + 0.001 t): 1/4 at 3,000
step --grid "optim.g.lr=[0.0002]" --grid "optim.d.lr=[0.0002]"      # Radford's rate
step --grid "model.g_width=[64]"                         # a wider generator (more time per step)
step --grid "train.iterations=[6000]"                    # twice as long
echo "=== $(date -u +%FT%TZ) screen done"
