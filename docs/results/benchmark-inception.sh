#!/usr/bin/env bash
# The benchmark's models on the Inception network's scale (benchmark.md), in sets:
#   targets (the default): the quality recipe `dcgan-projection-r1` (the study's MNIST target
#     is an Inception FID below Lucic et al.'s 6.7), then the best Fashion-MNIST model,
#     `dcgan-projection-fashion` (its target: below Lucic's 21.5), 3 seeds each;
#   quality: the quality recipe's seeds alone, those finished, where they trained (the queue
#     scores them before it trains more, while their checkpoints are on this machine);
#   unconditional: one seed of each unconditional MNIST model, the kind of GAN Lucic et al.
#     tuned (their table's rows), to set beside it; one seed, as their classifier-scale FIDs
#     (over 100) leave no doubt which side of 6.7 they fall;
#   previous: the recipes the projection discriminator replaced, `dcgan-fashion` and `dcgan`,
#     3 seeds each (twins all, so last: no target hangs on them).
# A trial whose checkpoint is in RUNS/benchmark is scored there. Those marked "here" are only
# ever scored there, once their run has finished (they train on this machine, maybe in another
# instance of the queue at this moment), never as a twin. Any other trial collected from
# another machine has no checkpoint anywhere (only its small files were kept): it is trained
# again from its collected config.yaml (the same settings and seed, fp32 as it computed) into
# RUNS/benchmark-inception/<trial>, a twin that is the same recipe and seed but not the same
# run (another CPU sums in another order), and the twin is scored. Its classifier-scale
# metrics beside the original's say how far apart the two runs are. Collect the scored twins
# with `gankit report collect RUNS/benchmark-inception --to docs/results/benchmark-inception
# --finished`: the benchmark's page reads a twin's Inception scores from the folder beside its
# own (src/gankit/benchmark/twins.py), labelled as a twin's, for a trial scored nowhere else.
# Each trial under a lock of its own, so that two instances of the queue share them; each
# scoring is about 30 to 40 minutes of one thread, and the real side's features are cached.
#   GANKIT_DATA=../shared/data PYTHONPATH=SNAPSHOT/src \
#       bash SNAPSHOT/docs/results/benchmark-inception.sh [RUNS [SET]]
set -uo pipefail
runs=${1:-$HOME/gankit-runs}
python=${GANKIT_PYTHON:-.venv/bin/python}
threads=${GANKIT_QUEUE_THREADS:-1}
here=$(dirname "$0")
twins=$runs/benchmark-inception
mkdir -p "$twins"
scored() { grep -qs fid_inception "$1/metrics.json"; }
case ${2:-targets} in
    targets)
        trials=(dcgan-projection-r1-s{0,1,2}:here dcgan-projection-fashion-s{0,1,2}) ;;
    unconditional)  # the spectral-norm switch's seed 0 trained on a machine since gone
        trials=(dcgan-uncond-s0 dcgan-uncond_d_spectral_norm=true-s1:here
            dcgan-uncond_loss=lsgan-s0:here dcgan-uncond_r1_gamma=1-s0:here
            dcgan-uncond_diffaugment=translation-cutout-s0:here sngan-s0:here lsgan-s0:here
            wgan-gp-s0:here) ;;
    quality) trials=(dcgan-projection-r1-s{0,1,2}:here) ;;
    previous) trials=(dcgan-fashion-s{0,1,2} dcgan-s{0,1,2}) ;;
    *) echo "benchmark-inception.sh: no set '$2' (targets, quality, unconditional or previous)" >&2
        exit 2 ;;
esac
for entry in "${trials[@]}"; do
    trial=${entry%:here}
    if scored "$here/benchmark/$trial" || scored "$here/benchmark-inception/$trial" \
        || scored "$runs/benchmark/$trial" || scored "$twins/$trial"; then
        continue
    fi
    run=$runs/benchmark/$trial twin=no
    if [[ ! -f "$run/checkpoints/last.pt" || ! -f "$run/metrics.json" ]]; then
        if [[ $entry == *:here ]]; then
            echo "=== $trial: not trained to the end here yet, so not scored"
            continue
        fi
        run=$twins/$trial twin=yes
    fi
    echo "=== $(date -u +%FT%TZ) $trial on the Inception scale ($run)"
    flock -n "$twins/.$trial.lock" bash -c '
        if [[ $5 == yes && ! -f "$1/metrics.json" ]]; then  # the twin, trained (or resumed)
            "$2" -m gankit train "$3/config.yaml" --out "$1" --quiet \
                --set "perf.threads=$4" || exit
        fi
        OMP_NUM_THREADS=$4 "$2" -m gankit eval "$1" --features inception
    ' _ "$run" "$python" "$here/benchmark/$trial" "$threads" "$twin" \
        || echo "=== $trial: busy or failed"
done
echo "=== $(date -u +%FT%TZ) the benchmark on the Inception scale (${2:-targets}): done"
