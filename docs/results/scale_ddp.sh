#!/usr/bin/env bash
# The DDP measurement of docs/results/scale.md: the default preset for 300 iterations as one
# process on both cores (2 threads) and as 2 gloo ranks of 1 thread each (torchrun), global
# batch 64 in both; then both loss curves in one figure.
#   bash docs/results/scale_ddp.sh OUT
set -euo pipefail
out=${1:?usage: scale_ddp.sh OUT}
py=${PYTHON:-.venv/bin/python}
export OMP_WAIT_POLICY=PASSIVE
common=(dcgan --iterations 300 --no-eval --quiet --set log.eval_every=0)
rm -rf "$out/single" "$out/ddp"
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_NUM_THREADS=2 "$py" -m gankit train "${common[@]}" --out "$out/single" --set perf.threads=2 \
    | grep "^trained"
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
OMP_NUM_THREADS=1 "$py" -m torch.distributed.run --standalone --nproc_per_node=2 \
    -m gankit train "${common[@]}" --out "$out/ddp" --set perf.threads=1 | grep "^trained"
echo "== load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" - "$out" <<'PY'
import sys
from pathlib import Path
from gankit.figures.curves import plot_loss_comparison
out = Path(sys.argv[1])
plot_loss_comparison({"1 process, 2 threads": out / "single/losses.csv",
                      "2 gloo ranks, 1 thread each": out / "ddp/losses.csv"},
                     out / "ddp_losses.png")
print("plot:", out / "ddp_losses.png")
PY
