"""`python -m drm_dashboard.coordinator` is the same as the `drm-coordinator` command."""

import sys

from .cli import main

sys.exit(main())
