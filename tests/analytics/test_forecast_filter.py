"""The forecast's filter equals scipy.signal.lfilter, and the tick's modules leave scipy.stats unloaded."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import lfilter

from drm_dashboard.analytics.forecast import GRID, filtered


@pytest.mark.parametrize("n", [1, 2, 3, 50, 720])
def test_every_grid_model_filters_as_lfilter_does(n):
    rng = np.random.default_rng(n)
    y = 50 + np.cumsum(rng.normal(0, 1, n))
    for alpha, beta, phi, _ in GRID:
        num = np.array([1.0, -(1.0 + phi), phi])
        den = np.array([1.0, alpha + phi * beta - 1.0 - phi, phi * (1.0 - alpha)])
        zi = rng.normal(0, 5, 2)
        np.testing.assert_allclose(filtered(num, den, y, zi), lfilter(num, den, y, zi=zi)[0],
                                   rtol=1e-9, atol=1e-9)


@pytest.mark.timeout(120)
def test_the_collector_and_analytics_do_not_import_scipy_stats():
    # scipy.stats (and scipy.signal, which imports it) is ~60 MB of resident memory
    code = ("import sys; import drm_dashboard.collector, drm_dashboard.analytics.pipeline, "
            "drm_dashboard.analytics.alerts, drm_dashboard.store.history, drm_dashboard.sources.local; "
            "print(sorted(m for m in ('scipy.stats', 'scipy.signal') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=100)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
