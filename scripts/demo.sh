#!/usr/bin/env bash
# The main job: install, then run notebooks/tour.ipynb headless in a real kernel
# (against the local OpenRouter emulator unless OPENROUTER_API_KEY is set),
# write build/tour.ipynb and build/tour.html, and print the session's cost tally.
set -euo pipefail
source "$(dirname "$0")/_bootstrap.sh" notebooks
exec .venv/bin/python -m jupyter_gemini.run notebooks/tour.ipynb --output-dir build "$@"
