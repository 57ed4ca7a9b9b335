"""The heatmap at fleet scale: never more rows than a screen shows, each a run of workers' mean."""

import numpy as np

from drm_dashboard.ui.figures.common import bucket_mean
from drm_dashboard.ui.figures.workers import HEATMAP_ROWS, heatmap_figure
from drm_dashboard.ui.theme import THEMES

from ui_views import synthetic

DARK = THEMES["dark"]


def test_ten_thousand_workers_become_screen_rows_of_means():
    view = synthetic(120, 2_000)
    heat = heatmap_figure(view, metric="cpu", theme=DARK).data[0]
    z = np.asarray(heat.z)
    assert z.shape[0] == HEATMAP_ROWS and z.size * 4 < 1_000_000
    order = np.argsort(np.asarray(view.worker_ids, dtype=object), kind="stable")
    per_row = 2_000 // HEATMAP_ROWS
    means, _ = bucket_mean(view.workers["cpu"][:, order], z.shape[1])
    np.testing.assert_allclose(z[0], np.nanmean(means[:, :per_row], axis=1), rtol=1e-5)
    first, last = sorted(view.worker_ids)[0], sorted(view.worker_ids)[per_row - 1]
    assert heat.y[0] == f"{first} … {last} ({per_row})"
    assert "mean of 10 a row" in heatmap_figure(view, metric="cpu", theme=DARK).layout.yaxis.title.text


def test_a_screenful_of_workers_keeps_one_row_each():
    view = synthetic(60, HEATMAP_ROWS)
    heat = heatmap_figure(view, metric="cpu", theme=DARK).data[0]
    assert list(heat.y) == sorted(view.worker_ids)
