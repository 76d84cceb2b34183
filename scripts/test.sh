#!/usr/bin/env bash
# Install everything, then run the linters, the type checker and the full test suite.
set -euo pipefail
source "$(dirname "$0")/_bootstrap.sh" test
# The tests run against the local emulator; a real key must never reach them.
unset OPENROUTER_API_KEY OPENROUTER_BASE_URL
echo "==> ruff";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "==> mypy";  .venv/bin/mypy
echo "==> import layers"; .venv/bin/lint-imports
echo "==> labextension: jest and Playwright UI tests"; PYTHON="$PWD/.venv/bin/python" labextension/run-ui-tests.sh
# Python 3.10 is the oldest version we support: the whole suite runs there too, in .venv310.
echo "==> pytest on Python 3.10"
py310=""
for candidate in "${PYTHON310:-}" python3.10 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
        py310=$candidate
        break
    fi
done
if [ -n "$py310" ]; then
    [ -x .venv310/bin/python ] || "$py310" -m venv .venv310
    .venv310/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv310/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
    .venv310/bin/python -m pytest -q "$@"
else
    echo "    skipped: no Python 3.10 found (set PYTHON310=/path/to/python3.10 to run it)"
fi
# pytest on the main Python last, so its summary closes the run.
echo "==> pytest"; .venv/bin/python -m pytest "$@"
