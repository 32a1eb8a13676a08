#!/usr/bin/env bash
# The reproduction queue of liu2021.md and xiao2023.md: the runs still to make, in the order
# they matter. Every step is a sweep, so running the script again skips finished trials and
# resumes interrupted ones from their checkpoints. Keep RUNS outside the work tree.
#   GANKIT_DATA=../shared/data bash docs/results/queue.sh [RUNS]   (default ~/gankit-runs)
# Collect a finished trial with
#   gankit report collect RUNS/<sweep>/<trial> --to docs/results/<page folder>
#
# Precision: an experiment that already has collected seeds keeps their arithmetic
# (perf.amp=none, fp32); an experiment with none yet takes the machine's choice (auto: bf16
# where the CPU has it in hardware). Each run's config.yaml and timing.json record which.
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
gankit=${GANKIT:-.venv/bin/gankit}
one_at_a_time=(--workers 1 --threads 2)  # faster than two 1-thread trials (scale.md)
step() {
    echo "=== $(date -u +%FT%TZ) $*"
    "$gankit" sweep "$@" "${one_at_a_time[@]}" || echo "=== step failed: rc $?"
}
# Liu Table 3 on the digit 6 needs the DCGAN side.
step --preset liu2021-dcgan-3groups-6 --seeds "[0]" --set perf.amp=auto --out "$runs/liu2021"
# Error bars for the MLP GAN, on the 6 and on all digits.
step --preset liu2021-gan-6 --preset liu2021-gan --seeds "[1]" --set perf.amp=none --out "$runs/liu2021"
# Xiao's RNN discriminator: the other end of the width knob (width 32 is collected).
step --preset xiao2023-rnn --grid "model.d_width=[512]" --seeds 2 --set perf.amp=none \
    --out "$runs/xiao2023-rnn-width"
step --preset liu2021-gan-6 --preset liu2021-gan --seeds "[2]" --set perf.amp=none --out "$runs/liu2021"
# The preset's width 128 again, seed 0, for its checkpoints: xiao2023_rnn_sight.py's recurrence
# columns (spectral radius, saturation) beside width 512's.
step --preset xiao2023-rnn --grid "model.d_width=[128]" --seeds "[0]" --set perf.amp=none \
    --out "$runs/xiao2023-rnn-width"
# Liu's DCGAN readings, 2 seeds each.
step --preset liu2021-dcgan-d1 --seeds 2 --set perf.amp=auto --out "$runs/liu2021-readings"
step --preset liu2021-dcgan-3groups --seeds "[2]" --set perf.amp=none --out "$runs/liu2021"
step --preset liu2021-dcgan-3groups-6 --seeds "[1, 2]" --set perf.amp=auto --out "$runs/liu2021"
step --preset liu2021-dcgan --seeds "[1]" --set perf.amp=none --out "$runs/liu2021-readings"
step --preset liu2021-dcgan-atienza --seeds 2 --set perf.amp=auto --out "$runs/liu2021-readings"
# Beyond two seeds per reading: how often the two-group generator drifts to ones (seed 0 did,
# seed 1 did not). fp32, as its collected seeds.
step --preset liu2021-dcgan --seeds "[2]" --set perf.amp=none --out "$runs/liu2021-readings"
echo "=== $(date -u +%FT%TZ) queue done"
