#!/usr/bin/env bash
# The run queue: every run still to make, in the order it matters. Every step is a sweep or a
# script of sweeps, so running the queue again skips finished trials and resumes interrupted
# ones from their checkpoints. Keep RUNS outside the work tree, and run the queue from a snapshot
# of the code (a `git worktree` at a fixed commit), so that later changes to the tree never
# change a running trial. One instance per core: the instances share the work, since a trial
# that another instance is training is passed over as busy and the next step is taken.
#   git worktree add ~/gankit-queue/code <commit> && cd ~/gankit-queue/code
#   export GANKIT_DATA=/path/to/shared/data GANKIT_PYTHON=/path/to/.venv/bin/python
#   for core in 1 2; do nohup bash docs/results/queue.sh [RUNS] > queue-$core.log 2>&1 & done
# RUNS defaults to ~/gankit-runs. On a machine whose RUNS is new, each study's folder is first
# filled with the runs collected under docs/results (their small files: trial.json, config.yaml,
# metrics.json), so its finished trials count as finished and are not trained again.
# Collect a finished trial with
#   gankit report collect RUNS/<folder> --to docs/results/<folder> --finished
#
# Precision: every study here pins fp32 (perf.amp=none): its first runs trained on an AVX2 CPU,
# where `auto` is fp32, and a CPU with bf16 in hardware would otherwise compute the rest in bf16.
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
export GANKIT_PYTHON=${GANKIT_PYTHON:-.venv/bin/python}
python=$GANKIT_PYTHON
threads=${GANKIT_QUEUE_THREADS:-1}
here=$(dirname "$0")
# the snapshot's own code, not the one the virtual environment installed
export PYTHONPATH="$(cd "$here/../.." && pwd)/src${PYTHONPATH:+:$PYTHONPATH}"
seed_from_collected() {  # seed_from_collected FOLDER: docs/results/FOLDER's runs into RUNS/FOLDER
    local run
    mkdir -p "$runs/$1"
    for run in "$here/$1"/*/; do
        [[ -f "$run/trial.json" && ! -e "$runs/$1/$(basename "$run")" ]] || continue
        cp -r "$run" "$runs/$1/$(basename "$run")"
    done
}
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$python" -m gankit sweep "$@" --workers 1 --threads "$threads" --set perf.amp=none \
        || echo "=== step failed: rc $?"
}
for folder in recipe-stage3 recipe-stage4 recipe-fashion liu2021-readings liu2021-bf16 benchmark \
    xiao2023-adam-sgd-lr; do
    seed_from_collected "$folder"
done
# The default recipe's search (default-recipe.md): stages 3 and 4, the Fashion-MNIST screen,
# then stages 5 and 6.
bash "$here/recipe-search-3.sh" "$runs"
bash "$here/recipe-search-4.sh" "$runs"
bash "$here/recipe-search-fashion.sh" "$runs"
bash "$here/recipe-search-5.sh" "$runs"
bash "$here/recipe-search-6.sh" "$runs"
# Liu Table 3 on all digits: the MLP GAN baseline under Keras' default beta1 and under the
# text's learning rate, 2 seeds each at full length (100,000 iterations); one seed of each
# reading first.
for seed in 0 1; do
    step --preset liu2021-gan-beta1-09 --preset liu2021-gan-lr2e-3 --seeds "[$seed]" \
        --out "$runs/liu2021-readings"
done
# The review's discriminator-memory evidence (review-evidence.sh): two MLP GANs trained again,
# minutes on a CPU with AVX-512, so ahead of the long steps below.
GANKIT_QUEUE_THREADS=$threads bash "$here/review-evidence.sh" "$runs" liu2021-d-memory
# Liu Table 3 on the 6 in one precision (the review's point 13), the cheap way round: the MLP
# GAN in bf16, as the DCGAN's collected seeds trained (on a Zen 4 like the one this runs on),
# 3 seeds of about half an hour here; only on a CPU with bf16 in hardware. Collected in
# docs/results/liu2021-bf16 (2026-12-07); it settled the point, so the DCGAN is not trained
# again in fp32.
if "$python" -c "import sys; from gankit.fast.capability import cpu_native_bf16; sys.exit(not cpu_native_bf16()[0])"; then
    for seed in 0 1 2; do
        "$python" -m gankit sweep --preset liu2021-gan-6 --seeds "[$seed]" --set perf.amp=bf16 \
            --out "$runs/liu2021-bf16" --workers 1 --threads "$threads" \
            || echo "=== step failed: rc $?"
    done
fi
# The Fashion-MNIST floor on the Inception network's scale (benchmark.md): 1,000 real images of
# each split at a time, each piece cached as it is done, so a stopped run resumes; one instance
# at a time (the lock), one thread.
floor="$runs/inception-floor-fashion-mnist.txt"
if [[ ! -s "$floor" ]]; then
    echo "=== $(date -u +%FT%TZ) the Fashion-MNIST Inception floor"
    # a file of this instance's own: a second instance, refused the lock, must not empty it
    flock -n "$runs/.inception-floor.lock" env OMP_NUM_THREADS="$threads" \
        "$python" "$here/inception_floor.py" floor fashion-mnist > "$floor.$$.tmp" \
        && mv "$floor.$$.tmp" "$floor" || echo "=== the floor: busy or failed"
    rm -f "$floor.$$.tmp"
fi
# R1's MNIST frontier run (default-recipe.md, stage 6) on the Inception network's scale, beside
# Lucic et al.'s best 6.7 (benchmark.md); it needs the run's checkpoint, on the machine that
# trained it.
frontier=$runs/frontier/dcgan-projection-r1-14000
if grep -qs fid_inception "$frontier/metrics.json"; then
    echo "=== R1's frontier on the Inception scale: done"
elif [[ -f "$frontier/checkpoints/last.pt" ]]; then
    echo "=== $(date -u +%FT%TZ) R1's frontier on the Inception scale"
    flock -n "$runs/.inception-frontier.lock" env OMP_NUM_THREADS="$threads" \
        "$python" -m gankit eval "$frontier" --features inception \
        || echo "=== R1's frontier on the Inception scale: busy or failed"
else
    echo "=== R1's frontier on the Inception scale: no checkpoint here, train it again first"
fi
# The quality preset's finished seeds on the Inception scale first, where they trained: their
# checkpoints stay on this machine only (benchmark-inception.sh).
GANKIT_QUEUE_THREADS=$threads bash "$here/benchmark-inception.sh" "$runs" quality
# The rest of the models the benchmark's Inception targets hang on: `dcgan-projection-fashion`
# as twins, trained again where the checkpoints went with another machine
# (benchmark-inception.sh). Before the benchmark's last trials, none of which a target hangs on,
# so that a Fashion-MNIST model that misses is known while there is time to fix its recipe.
GANKIT_QUEUE_THREADS=$threads bash "$here/benchmark-inception.sh" "$runs"
# The model benchmark (benchmark.md): the remaining trials take the settings the collected ones
# trained with; the Stacked MNIST trials finished at the presets' former 3,000 iterations train
# on to 9,000 (stacked-length.sh measured why; its seed 0 runs are the study's).
echo "=== $(date -u +%FT%TZ) reproduce benchmark"
"$python" -m gankit reproduce benchmark --out "$runs/benchmark" --workers 1 --threads "$threads" \
    --settings-from "$here/benchmark" --set perf.amp=none || echo "=== step failed: rc $?"
# The variants where their papers say they help (benchmark-variants.sh).
bash "$here/benchmark-variants.sh" "$runs"
# One seed of each unconditional MNIST model on the Inception scale, beside Lucic et al.'s rows.
GANKIT_QUEUE_THREADS=$threads bash "$here/benchmark-inception.sh" "$runs" unconditional
# The recipes the projection discriminator replaced on the same scale, as twins.
GANKIT_QUEUE_THREADS=$threads bash "$here/benchmark-inception.sh" "$runs" previous
# Xiao's Adam+SGD: D's SGD rate over a grid fixed before any of these runs, 3 seeds each.
step --preset xiao2023-adam-sgd --grid "optim.d.lr=[0.01, 0.02, 0.03, 0.05, 0.1]" --seeds 3 \
    --out "$runs/xiao2023-adam-sgd-lr"
# The investigations' evidence (review-evidence.sh): each skipped once its output is committed.
GANKIT_QUEUE_THREADS=$threads bash "$here/review-evidence.sh" "$runs"
echo "=== $(date -u +%FT%TZ) queue done"
