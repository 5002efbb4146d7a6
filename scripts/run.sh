#!/usr/bin/env bash
# Sets everything up, builds the index from seeds/ on first run, and serves the chat app on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/rag serve --host "${HOST:-127.0.0.1}" --port "${PORT:-7860}" --index index --corpus seeds "$@"
