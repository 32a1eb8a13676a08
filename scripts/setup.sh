#!/usr/bin/env bash
# Create .venv and install gankit with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned to a CPU build, so resolving gankit's `torch>=2.4` installs nothing
# bigger; set GANKIT_TORCH to another requirement (a CUDA build, say) to change that.
.venv/bin/python -m pip install --quiet "${GANKIT_TORCH:-torch==2.13.0}"
# GANKIT_EXTRAS adds optional extras (CI sets dev,ray so the Ray executor's test runs).
.venv/bin/python -m pip install --quiet -e ".[${GANKIT_EXTRAS:-dev}]"
