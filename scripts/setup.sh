#!/usr/bin/env bash
# Create .venv and install gankit with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned, so that resolving gankit's `torch>=2.13,<2.14` installs nothing newer.
# GANKIT_TORCH: another requirement. GANKIT_TORCH_INDEX: the index to take it from, e.g.
# https://download.pytorch.org/whl/cpu for the CPU build where PyPI's default is a CUDA one.
.venv/bin/python -m pip install --quiet "${GANKIT_TORCH:-torch==2.13.0}" \
    ${GANKIT_TORCH_INDEX:+--index-url "$GANKIT_TORCH_INDEX"}
# GANKIT_EXTRAS adds optional extras (CI sets dev,ray so the Ray executor's test runs).
.venv/bin/python -m pip install --quiet -e ".[${GANKIT_EXTRAS:-dev}]"
