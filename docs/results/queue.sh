#!/usr/bin/env bash
# The run queue: the runs still to make, in the order they matter. Every step is a sweep, so
# running the script again skips finished trials and resumes interrupted ones from their
# checkpoints. Keep RUNS outside the work tree, and run the queue from a snapshot of the code
# (a `git worktree` at a fixed commit), so that later changes to the tree never change a
# running trial:
#   git worktree add ~/gankit-queue/code <commit>
#   GANKIT_DATA=../shared/data PYTHONPATH=~/gankit-queue/code/src \
#       bash ~/gankit-queue/code/docs/results/queue.sh [RUNS]        (default ~/gankit-runs)
# Collect a finished trial with
#   gankit report collect RUNS/<sweep>/<trial> --to docs/results/<page folder>
#
# Precision: the MLP GANs train in fp32 (perf.amp=none), as their collected seeds did.
# One trial at a time on one thread leaves the other core to other work.
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep "$@" --workers 1 --threads "$threads" || echo "=== step failed: rc $?"
}
# Liu Table 3 on all digits: the MLP GAN baseline under Keras' default beta1 and under the
# text's learning rate, 2 seeds each at full length (100,000 iterations); one seed of each
# reading first.
for seed in 0 1; do
    step --preset liu2021-gan-beta1-09 --preset liu2021-gan-lr2e-3 --seeds "[$seed]" \
        --set perf.amp=none --out "$runs/liu2021-readings"
done
# Xiao's Adam+SGD: D's SGD rate over a grid fixed before any of these runs, 3 seeds each.
step --preset xiao2023-adam-sgd --grid "optim.d.lr=[0.01, 0.02, 0.03, 0.05, 0.1]" --seeds 3 \
    --set perf.amp=none --out "$runs/xiao2023-adam-sgd-lr"
# Liu Table 3 on the 6 in one precision: the DCGAN's collected seeds trained in bf16, the MLP
# GAN's in fp32; the DCGAN again in fp32, 3 seeds (about 2 h a seed on 2 AVX2 cores).
step --preset liu2021-dcgan-3groups-6 --seeds 3 --set perf.amp=none --out "$runs/liu2021-fp32"
echo "=== $(date -u +%FT%TZ) queue done"
