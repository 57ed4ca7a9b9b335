"""The original's `python -m tests.run_drm_visualization_integration_test` (from this directory): our demo."""

import sys
from pathlib import Path

try:
    from drm_dashboard.integration_demo import main
except ImportError:  # a checkout that is not installed: the package sits three levels up
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from drm_dashboard.integration_demo import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m tests.run_drm_visualization_integration_test"))
