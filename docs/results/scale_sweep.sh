#!/usr/bin/env bash
# The sweep measurements of docs/results/scale.md: one 2-preset x 3-seed sweep run three ways
# (one trial at a time on both cores, two pinned one-core workers, a local Ray instance),
# each into a fresh folder, with the load average before and after.
#   bash docs/results/scale_sweep.sh OUT
set -euo pipefail
out=${1:?usage: scale_sweep.sh OUT}
gankit=${GANKIT:-.venv/bin/gankit}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE RAY_USAGE_STATS_ENABLED=0
sweep=(--preset xiao2023-adam --preset xiao2023-sgd --seeds 3 --iterations 300
       --set log.eval_every=0 --eval-samples 2000)
run() {
    local name=$1; shift
    rm -rf "$out/$name"
    echo "== $name: load average $(cut -d' ' -f1-3 /proc/loadavg)"
    local start=$(date +%s.%N)
    "$gankit" sweep "${sweep[@]}" --out "$out/$name" "$@" | grep -E "^\[|trials:"
    echo "== $name: $(echo "$(date +%s.%N) - $start" | bc) s wall, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
run sequential --workers 1 --threads 2
run local-2x1 --workers 2 --threads 1
run ray-2x1 --executor ray --threads 1
