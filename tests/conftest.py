"""Shared fixtures; the fakes themselves live in drm_fakes.py."""

import os
import signal
from pathlib import Path

import pytest

from drm_fakes import FakeClock

# a suite started as a background job (`bash scripts/test.sh &` from a script) inherits SIGINT
# ignored, and so would every dashboard a test starts and stops with Ctrl-C: give the processes
# of the suite, and through them their children, the default handling back
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pytest_setup_options():
    """Chrome options for dash.testing's dash_duo: Debian's headless Chromium, offline-friendly."""
    from selenium.webdriver.chrome.options import Options
    opts = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,900"):
        opts.add_argument(flag)
    opts.binary_location = os.environ.get("DRM_CHROMIUM", "/usr/bin/chromium")
    return opts


@pytest.fixture
def artifacts() -> Path:
    """Where browser tests save screenshots (kept by CI as test artifacts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `-n 2 --dist loadgroup`, each file runs whole on one worker and browser files share one.

    A file's module fixtures (a recorded dashboard, a Prometheus server) are then built once, and
    two Chromiums never compete for the two cores while the other worker runs the unit tests.
    """
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
