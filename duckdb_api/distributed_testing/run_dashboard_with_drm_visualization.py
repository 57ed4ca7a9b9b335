#!/usr/bin/env python3
"""The original's `cd duckdb_api/distributed_testing; python run_dashboard_with_drm_visualization.py`."""

import sys
from pathlib import Path

try:
    from drm_dashboard.monitoring.cli import main
except ImportError:  # a checkout that is not installed: the package sits two levels up
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from drm_dashboard.monitoring.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="run_dashboard_with_drm_visualization.py"))
