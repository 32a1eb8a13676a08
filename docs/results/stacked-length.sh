#!/usr/bin/env bash
# How long gankit's Stacked MNIST recipes need to cover every mode (benchmark.md): each
# preset's seed 0 from the study (finished at its 3,000 iterations) copied into
# RUNS/stacked-length and trained on to 9,000, its milestones kept, then scored at 6,000 as well
# as at its end (26,000 samples each, as the study scores). Exploratory and chosen after seeing
# the study's seed 0 miss modes at 3,000: it says what length to try, the study's seeds decide.
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/stacked-length.sh [RUNS]
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
for preset in stacked-dcgan stacked-pacgan2; do
    trial=$runs/benchmark/$preset-s0 out=$runs/stacked-length/$preset-s0
    if [[ -f $out/metrics_step_006000.json && -f $out/metrics.json ]] \
        && grep -qs '"step": 9000' "$out/metrics.json"; then
        continue
    fi
    if [[ ! -d $out ]]; then
        [[ -f $trial/checkpoints/last.pt ]] || { echo "=== $preset: no finished seed 0 here"; continue; }
        mkdir -p "$runs/stacked-length" && cp -r "$trial" "$out.tmp" && mv "$out.tmp" "$out"
    fi
    echo "=== $(date -u +%FT%TZ) $preset seed 0 on to 9,000 iterations"
    flock -n "$runs/stacked-length/.$preset.lock" bash -c '
        "$1" -m gankit train "$2/config.yaml" --out "$2" --iterations 9000 --quiet \
            --set "perf.threads=$3" --set "log.milestones=[1000, 3000, 6000, 9000]" || exit
        [[ -f $2/metrics_step_006000.json ]] \
            || OMP_NUM_THREADS=$3 "$1" -m gankit eval "$2" --checkpoint 6000
    ' _ "$python" "$out" "$threads" || echo "=== $preset: busy or failed"
done
