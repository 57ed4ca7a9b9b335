#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# browser tests drive Debian's Chromium and its driver, the stack tests real Prometheus,
# node-exporter and Alertmanager; install them when missing
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
   || ! command -v prometheus >/dev/null 2>&1 || ! command -v prometheus-node-exporter >/dev/null 2>&1 \
   || ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver \
    prometheus prometheus-node-exporter prometheus-alertmanager >/dev/null
fi

. scripts/venv.sh
python -m pip install --quiet --disable-pip-version-check -e ".[test]"

set +e
python -m pytest -n 2 --dist loadgroup "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
