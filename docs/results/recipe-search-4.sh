#!/usr/bin/env bash
# The default recipe's search, stage 4: R1 over 3 seeds at the default's time budget. Fixed on
# 2026-12-07 after stage 3's R1 trial had run to 4,000 of its 6,000 iterations, so it is
# informed by it: there the periodic FID of the projection discriminator with R1 (gamma 1) was
# 4.15 at 3,000 and 3.27 at 4,000, against 5.88 and 5.54 for stage 2's projection trial at the
# same steps (one seed each, 2,000 samples). R1 costs 1.54 times the iteration of
# `dcgan-projection` (pace_variants.py, 2026-12-07, Zen 4, idle, fp32), so the time of the
# default's 4,000 iterations buys it 2,600: the length here, which compares it with the
# benchmark's 3 seeds of `dcgan-projection` at equal training time, not at equal iterations.
# The final evaluation on 10,000 samples; the periodic one every 500 iterations. Run it from a
# code snapshot, as docs/results/queue.sh says:
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src bash SNAPSHOT/docs/results/recipe-search-4.sh
set -uo pipefail
runs=${1:-$HOME/gankit-runs}/recipe-stage4
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
# fp32, as the benchmark's `dcgan-projection` seeds computed it (`perf.amp=auto` on an AVX2 CPU)
for seed in 0 1 2; do  # a seed at a time, so that two instances of the queue share them
    echo "=== $(date -u +%FT%TZ) seed $seed"
    "$python" -m gankit sweep --preset dcgan-projection --grid "train.r1_gamma=[1.0]" \
        --set train.iterations=2600 --seeds "[$seed]" --out "$runs" --workers 1 \
        --threads "$threads" --set perf.amp=none || echo "=== step failed: rc $?"
done
echo "=== $(date -u +%FT%TZ) stage 4 done"
