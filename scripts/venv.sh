#!/usr/bin/env bash
# Sourced by run.sh and test.sh: make (once) and activate the project's own virtual environment, so
# the commands work on a Python that refuses system-wide installs (PEP 668).
VENV="${DRM_VENV:-.venv}"
# no environment yet, or one a first run interrupted half-way left without its activate script
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/bin/activate" ]; then
  if [ -n "$(ls -A "$VENV" 2>/dev/null)" ] && [ ! -f "$VENV/pyvenv.cfg" ]; then
    echo "$VENV exists and is not a virtual environment: move it, or name another in DRM_VENV" >&2
    exit 2
  fi
  if ! python3 -m venv --clear "$VENV" >/dev/null 2>&1; then
    # Debian's Python ships venv separately
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv --clear "$VENV"
  fi
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
