#!/usr/bin/env bash
# Sets everything up (Debian's chromium for the browser tests and the local model server included), then runs the
# whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then  # the browser tests use exactly this path
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  fi
  if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
  elif [ "${CI:-}" = "true" ]; then
    echo "Debian's chromium is needed at /usr/bin/chromium and cannot be installed here (no apt, or not root)" >&2
    exit 1
  else
    echo "warning: no /usr/bin/chromium and no way to install it: the browser tests will be skipped" >&2
  fi
fi
bash scripts/setup.sh --local-llm
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest -q "$@"
