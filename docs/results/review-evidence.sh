#!/usr/bin/env bash
# Committed evidence for the investigations' load-bearing tables, whose checkpoints were not
# kept: each run trains again from its collected config.yaml (every setting pinned as it ran,
# so on a CPU it computes what the collected run computed), then the investigation's script
# reads its checkpoints and its output is saved as RUNS/review-evidence/<name>.txt, to be
# committed beside the pages as docs/results/<name>.txt.
#   GANKIT_DATA=../shared/data bash docs/results/review-evidence.sh [RUNS [PREFIX]]
# From a snapshot of the code outside queue.sh (which sets it), set PYTHONPATH=SNAPSHOT/src as
# benchmark-inception.sh says, or the installed tree's code trains.
# RUNS defaults to ~/gankit-runs; PREFIX (for example liu2021) runs only the outputs so named.
# Written 2026-12-06. Each step is skipped once its output exists; a killed training resumes.
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/review-evidence
only=${2:-}
# GANKIT_QUEUE_THREADS=N trains on N threads where the collected run used others: beside other
# jobs one thread is faster; the sum order changes, so the rerun is then not bit-identical
threads=()
[ -n "${GANKIT_QUEUE_THREADS:-}" ] && threads=(--set "perf.threads=$GANKIT_QUEUE_THREADS")
python=${GANKIT_PYTHON:-.venv/bin/python}
here=$(dirname "$0")
mkdir -p "$runs"
evidence() {  # evidence NAME SCRIPT COLLECTED-RUN [gankit train options]
    local name=$1 script=$2 collected=$3
    shift 3
    # the output goes beside the runs (a snapshot's docs/results is not the work tree): copy
    # it to docs/results/<name>.txt to commit it, after which the step is skipped anywhere
    local out="$runs/$name.txt" run="$runs/$(basename "$collected")"
    [[ -s "$here/$name.txt" || -s "$out" || $name != "$only"* ]] && return
    echo "=== $(date -u +%FT%TZ) $name: train $collected again"
    "$python" -m gankit train "$here/$collected/config.yaml" --out "$run" --no-eval --quiet "${threads[@]}" "$@" \
        || { echo "=== training failed: rc $?"; return; }
    PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" "$here/$script" "$run" > "$out.tmp" \
        && mv "$out.tmp" "$out" || echo "=== $script failed: rc $?"
}
# xiao2023.md, the RNN discriminator's sight: the three seeds of the reproduction
for seed in 0 1 2; do
    evidence "xiao2023-rnn-sight-s$seed" xiao2023_rnn_sight.py "xiao2023/xiao2023-rnn-s$seed"
done
# liu2021.md, the two-group DCGAN's drift to ones (seed 0)
evidence liu2021-drift-s0 liu2021_drift.py liu2021-readings/liu2021-dcgan-s0
# liu2021.md, the MLP GAN's discriminator memory: on the 6 to 100,000, on all digits to 10,000
evidence liu2021-d-memory-gan-6-s0 liu2021_d_memory.py liu2021/liu2021-gan-6-s0
evidence liu2021-d-memory-gan-s0 liu2021_d_memory.py liu2021/liu2021-gan-s0 --iterations 10000
echo "=== $(date -u +%FT%TZ) evidence done"
