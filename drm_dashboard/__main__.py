"""`python -m drm_dashboard` is the same as the `drm-dashboard` command."""

import sys

from .cli import main

sys.exit(main(prog="python -m drm_dashboard"))
