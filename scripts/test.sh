#!/usr/bin/env bash
# Install everything, then run the linters, the type checker and the full test suite.
set -euo pipefail
source "$(dirname "$0")/_bootstrap.sh" test
# The tests run against the local emulator; a real key must never reach them.
unset OPENROUTER_API_KEY OPENROUTER_BASE_URL
echo "==> ruff";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "==> mypy";  .venv/bin/mypy
echo "==> labextension: jest and Playwright UI tests"; PYTHON="$PWD/.venv/bin/python" labextension/run-ui-tests.sh
# pytest last, so its summary closes the run.
echo "==> pytest"; .venv/bin/python -m pytest "$@"
