#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite (browser tests need Debian's chromium at /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest -q "$@"
