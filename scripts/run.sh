#!/usr/bin/env bash
# Install the dashboard into the project's virtual environment and run it (arguments are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
python -m pip install --quiet --disable-pip-version-check -e .
exec python run_drm_real_time_dashboard.py "$@"
