#!/usr/bin/env bash
# gankit bench before and after the code reorganisation of 2026-12-06 (explicit phases, one
# declaration per name, process settings out of the Trainer), on the same machine in one run:
# for each preset the two code versions are timed one after the other, in alternating order,
# each in its own process, so that a drift of the machine's speed falls on both. The reference
# loop that `gankit bench` times beside gankit's trainer is a control: its rate should agree
# between the two runs of a preset.
#   bash docs/results/bench_before_after.sh BEFORE_TREE AFTER_TREE OUT_DIR
# BEFORE_TREE and AFTER_TREE are checkouts (git worktree) of the two commits; the presets are
# one per distinct way an iteration is put together (losses, D/G schedules, Keras readings).
set -euo pipefail
before=$1 after=$2 out=$3
python=${GANKIT_PYTHON:-.venv/bin/python}
presets="dcgan dcgan-uncond wgan-gp sngan lsgan stacked-pacgan2 liu2021-gan liu2021-dcgan
liu2021-dcgan-3groups liu2021-dcgan-atienza xiao2023-sgd xiao2023-rnn xiao2023-dcgan
xiao2023-adam-sgd pacgan2018-pacdcgan2"
mkdir -p "$out"
order=0
for preset in $presets; do
    if [ $order = 0 ]; then pair="before after"; order=1; else pair="after before"; order=0; fi
    for version in $pair; do
        tree=$before; [ "$version" = after ] && tree=$after
        echo "=== $(date -u +%FT%TZ) $preset $version"
        PYTHONPATH="$tree/src" "$python" -m gankit bench --presets "$preset" --repeats 3 \
            --json "$out/$preset-$version.json" --force
    done
done
