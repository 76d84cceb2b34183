# Sourced by demo.sh and test.sh: create .venv if needed and install the project into it.
# Usage: source scripts/_bootstrap.sh [EXTRAS]     (EXTRAS e.g. "test")
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "jupyter-gemini needs Python 3.10 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
spec="."
[ -n "${1:-}" ] && spec=".[$1]"
echo "==> installing jupyter-gemini${1:+ with [$1]} into .venv"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
