#!/usr/bin/env bash
# The default recipe's search, stage 6: how far R1 moves the frontier. Fixed on 2026-12-07
# before any of its runs, after stages 3 to 5 (so informed by them): R1 (gamma 1, the projection
# discriminator, D's BatchNorm kept) reached FID 1.92 at 6,000 iterations, seed 0, where the
# MNIST frontier without it needed 16,800.
#  1. MNIST: stage 3's seed-0 run trained on from its 6,000 iterations to 14,000 (about 40
#     minutes of training on the Zen 3 pace clock), scored every 1,400 on 10,000 samples as the
#     frontier runs were. No learning-rate schedule and a constant EMA decay, so going on from
#     the finished run computes what one run to 14,000 would.
#  2. Fashion-MNIST (untried): `dcgan-projection-fashion` with R1, seed 0, at its own 4,000
#     iterations and at 2,600 (the time of 4,000 without R1, which costs 1.54 times an iteration).
# Run it from a code snapshot, as docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search-6.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
here=$(dirname "$0")
name=dcgan-projection-r1-14000
frontier=$runs/frontier/$name
if [[ -f "$frontier/metrics.json" || -f "$here/frontier/$name/metrics.json" ]]; then
    echo "=== the R1 frontier: done"
else
    seed=$runs/recipe-stage3/dcgan_r1_gamma=1-s0
    if [[ ! -d "$frontier" ]]; then  # the finished 6,000-iteration run, as the new run's start
        mkdir -p "$runs/frontier"
        cp -r "$seed" "$frontier.tmp"
        rm -f "$frontier.tmp"/{trial.json,collected.json,metrics.json,report.md,report.html}
        mv "$frontier.tmp" "$frontier"
    fi
    echo "=== $(date -u +%FT%TZ) the R1 frontier to 14,000"
    "$python" -m gankit train "$seed/config.yaml" --out "$frontier" --iterations 14000 \
        --set log.eval_every=1400 --set log.eval_samples=10000 \
        --set "log.milestones=[8400,11200,14000]" --quiet || echo "=== step failed: rc $?"
fi
# Both lengths are one trial (the same name): the 4,000-iteration step trains the 2,600-iteration
# run on, which keeps its evaluation at 2,600 as metrics_step_002600.json.
fashion=recipe-fashion/dcgan-projection-fashion_r1_gamma=1-s0
for length in 2600 4000; do
    if [[ -f "$here/$fashion/metrics_step_002600.json" ]]; then
        echo "=== Fashion with R1: done (collected)"
        break
    fi
    echo "=== $(date -u +%FT%TZ) Fashion with R1, $length iterations"
    "$python" -m gankit sweep --preset dcgan-projection-fashion --grid "train.r1_gamma=[1.0]" \
        --set "train.iterations=$length" --seeds "[0]" --out "$runs/recipe-fashion" --workers 1 \
        --threads "$threads" --set perf.amp=none || echo "=== step failed: rc $?"
done
echo "=== $(date -u +%FT%TZ) stage 6 done"
