#!/usr/bin/env bash
# Sets everything up (the local model server included), then runs the whole test suite (browser tests need Debian's
# chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --local-llm
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest -q "$@"
