"""Shared fixtures; the fakes themselves live in drm_fakes.py."""

import os
from pathlib import Path

import pytest

from drm_fakes import FakeClock


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
