#!/usr/bin/env bash
# The JupyterLab extension's tests: lint (eslint, stylelint, prettier, tsc), jest (unit), then Playwright in Debian's
# Chromium against a real `jupyter lab` whose kernels answer from the local
# OpenRouter emulator. Screenshots land in labextension/ui-tests/screenshots/.
#
#   labextension/run-ui-tests.sh [playwright args, e.g. -g "status bar"]
#
# PYTHON picks the environment that has jupyter-gemini (built extension
# included) and jupyterlab installed; default: the checkout's .venv, else python3.
# Needs Node 20. Installs Chromium with apt-get when /usr/bin/chromium is missing
# (as root). Both servers are always stopped, whatever happens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
PYTHON=${PYTHON:-$root/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
# Absolute, since the steps below cd around: a relative .venv/bin on PATH would stop resolving.
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"
export PATH="$(dirname "$PYTHON"):$PATH" # jlpm and jupyter come with the environment
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # Playwright's browser download is not reachable; Debian's is
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
export CHROMIUM_PATH=$CHROMIUM
step() { echo "==> $*"; }

if [ ! -x "$CHROMIUM" ]; then
    step "installing Chromium from Debian"
    if [ "$(id -u)" != 0 ]; then
        echo "Chromium is missing and this is not root: run 'apt-get install chromium' as root first." >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

step "checking that the extension is installed in $("$PYTHON" -c 'import sys; print(sys.prefix)')"
if ! "$PYTHON" -m jupyter labextension list 2>&1 | grep -q "jupyter-gemini.*enabled.*OK"; then
    "$PYTHON" -m jupyter labextension list >&2 || true
    echo "jupyter-gemini is not an installed JupyterLab extension here: pip install -e . (with Node) first." >&2
    exit 2
fi

step "installing npm packages (from the lockfiles; the yarn cache makes reruns offline)"
(cd "$here" && jlpm install --immutable >/dev/null)
(cd "$here/ui-tests" && jlpm install --immutable >/dev/null)

step "eslint, stylelint, prettier and tsc"
(cd "$here" && jlpm lint:check)

step "jest"
(cd "$here" && jlpm test)

tmp=$(mktemp -d)
emulator_pid=""
lab_pid=""
stop() {
    # Each server leads its own process group (setsid), so kernels go with the server.
    for pid in $lab_pid $emulator_pid; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for pid in $lab_pid $emulator_pid; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

step "starting the emulator"
PYTHONUNBUFFERED=1 setsid "$PYTHON" -m jupyter_gemini.emulator --port 0 --quiet >"$tmp/emulator.log" 2>&1 &
emulator_pid=$!
base_url=""
for _ in $(seq 150); do
    base_url=$(sed -n 's/^jupyter-gemini emulator: \(http[^ ]*\).*/\1/p' "$tmp/emulator.log" | head -n 1)
    [ -n "$base_url" ] && break
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$base_url" ]; then
    cat "$tmp/emulator.log" >&2
    echo "The emulator did not start." >&2
    exit 1
fi
echo "    $base_url"

step "starting jupyter lab"
port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/root" "$tmp/config" "$tmp/data" "$tmp/runtime" "$tmp/ipython" "$tmp/workspaces" \
    "$tmp/settings/@jupyterlab/apputils-extension"
# No news or update toasts over the screenshots.
echo '{"fetchNews": "false", "checkForUpdates": false}' \
    >"$tmp/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
# Kernels inherit this environment: they talk to the emulator, with a key that is no key.
env -u OPENROUTER_API_KEY -u JUPYTER_PATH -u JUPYTER_CONFIG_PATH \
    OPENROUTER_BASE_URL="$base_url" OPENROUTER_API_KEY=sk-or-emulator \
    JUPYTER_GEMINI_UI_PORT="$port" JUPYTER_GEMINI_UI_ROOT="$tmp/root" \
    JUPYTER_CONFIG_DIR="$tmp/config" JUPYTER_DATA_DIR="$tmp/data" JUPYTER_RUNTIME_DIR="$tmp/runtime" \
    IPYTHONDIR="$tmp/ipython" JUPYTERLAB_SETTINGS_DIR="$tmp/settings" JUPYTERLAB_WORKSPACES_DIR="$tmp/workspaces" \
    MPLBACKEND=module://matplotlib_inline.backend_inline \
    setsid "$PYTHON" -m jupyter lab --config "$here/ui-tests/jupyter_server_test_config.py" >"$tmp/lab.log" 2>&1 &
lab_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 120); do
    if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url/api/status" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$lab_pid" 2>/dev/null; then
        cat "$tmp/lab.log" >&2
        echo "jupyter lab exited." >&2
        exit 1
    fi
    sleep 0.5
done
echo "    $url"

step "playwright"
mkdir -p "${JUPYTER_GEMINI_SCREENSHOTS:-$here/ui-tests/screenshots}"
status=0
(cd "$here/ui-tests" && JUPYTER_URL="$url" ./node_modules/.bin/playwright test ${CI:+--forbid-only} "$@") || status=$?
if [ "$status" != 0 ]; then
    echo "---- jupyter lab log (last 80 lines) ----" >&2
    tail -n 80 "$tmp/lab.log" >&2
fi
exit "$status"
