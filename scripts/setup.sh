#!/usr/bin/env bash
# Create .venv and install gankit with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
torch_req="${GANKIT_TORCH:-torch==2.13.0}"
echo "setup.sh: installing into .venv: pip, $torch_req, then gankit (editable) with the extras [${GANKIT_EXTRAS:-dev}]; torch is a large download"
.venv/bin/python -m pip install --upgrade pip
# torch first, pinned to the release gankit is tested on: resolving gankit's `torch>=2.13` then
# keeps it.
# GANKIT_TORCH: another requirement. GANKIT_TORCH_INDEX: the index to take it from, e.g.
# https://download.pytorch.org/whl/cpu for the CPU build where PyPI's default is a CUDA one.
.venv/bin/python -m pip install "$torch_req" \
    ${GANKIT_TORCH_INDEX:+--index-url "$GANKIT_TORCH_INDEX"}
# GANKIT_EXTRAS adds optional extras (CI sets dev,ray,inception so the Ray executor's and the
# Inception network's tests run).
.venv/bin/python -m pip install -e ".[${GANKIT_EXTRAS:-dev}]"
