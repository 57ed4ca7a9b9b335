"""Worker Details figures: busiest pre-selection, lines or bands, and a heatmap with real gaps."""

import numpy as np

from drm_dashboard.ui.figures.common import MAX_POINTS
from drm_dashboard.ui.figures.workers import (BAND_ABOVE, HEATMAP_CELLS, busiest, chosen_workers,
                                              heatmap_figure, selection_note, spread,
                                              worker_timeseries_figure)
from drm_dashboard.ui.theme import THEMES
from ui_views import drop_worker, fill, synthetic

DARK = THEMES["dark"]


def test_busiest_ranks_by_recent_mean(view):
    recent = view.workers["cpu"][view.timestamps >= view.timestamps[-1] - 300]
    expected = [view.worker_ids[i] for i in np.argsort(-np.nanmean(recent, axis=0))]
    assert busiest(view, "cpu", 2) == expected[:2]


def test_no_choice_falls_back_to_the_busiest_never_an_empty_chart(view):
    assert chosen_workers(view, [], "cpu") == (busiest(view, "cpu"), True)
    assert chosen_workers(view, ["gone", "w0001"], "cpu") == (["w0001"], False)
    fig = worker_timeseries_figure(view, worker_ids=busiest(view), metric="cpu", theme=DARK)
    assert [t.name for t in fig.data] == busiest(view)
    assert "busiest" in selection_note(view, busiest(view), True, "cpu")


def test_one_line_per_chosen_worker_with_its_gaps(view):
    gappy = fill(40, 3, shape=lambda i, s: drop_worker(s, "w0002") if 10 <= i < 20 else s)
    fig = worker_timeseries_figure(gappy, worker_ids=["w0002"], metric="memory", theme=DARK)
    (line,) = fig.data
    assert line.y.dtype == np.float32 and np.isnan(line.y[10:20]).all() and not np.isnan(line.y[:10]).any()
    assert fig.layout.uirevision == "workers-lines-memory"


def test_more_chosen_than_the_limit_become_bands():
    big = fill(30, BAND_ABOVE + 10)
    fig = worker_timeseries_figure(big, worker_ids=list(big.worker_ids), metric="cpu", theme=DARK)
    names = [t.name for t in fig.data]
    assert len(fig.data) == 6  # pool spread + chosen spread, three bands each
    assert "median of 60 chosen" in names and "max of all 60" in names


def test_large_pool_draws_its_spread_under_the_chosen_lines():
    big = fill(30, BAND_ABOVE + 1)
    fig = worker_timeseries_figure(big, worker_ids=["w0003"], metric="cpu", theme=DARK)
    assert [t.name for t in fig.data] == ["max of all 51", "p90 of all 51", "median of all 51", "w0003"]
    assert "Grey bands" in selection_note(big, ["w0003"], False, "cpu")


def test_spread_quantiles_skip_missing_workers():
    m = np.array([[1, 2, 3, 4, 5, np.nan], [np.nan] * 6], dtype=np.float32)
    s = spread(m)
    assert s["median"][0] == 3 and s["max"][0] == 5 and np.isclose(s["p90"][0], 4.6)
    assert all(np.isnan(s[k][1]) for k in s)


def test_heatmap_leaves_absent_workers_blank_not_zero():
    gappy = fill(40, 3, shape=lambda i, s: drop_worker(s, "w0001") if i >= 20 else s)
    fig = heatmap_figure(gappy, metric="cpu", theme=DARK)
    (heat,) = fig.data
    assert list(heat.y) == ["w0000", "w0001", "w0002"]
    z = np.asarray(heat.z)
    assert z.dtype == np.float32 and np.isnan(z[1, 20:]).all() and not np.isnan(z[1, :20]).any()
    assert heat.hoverongaps is False


def test_heatmap_rows_are_in_natural_order():
    from dataclasses import replace
    unpadded = lambda i, snap: replace(snap, workers=tuple(  # noqa: E731
        replace(w, worker_id=f"worker-{[2, 10, 1][k]}") for k, w in enumerate(snap.workers)))
    (heat,) = heatmap_figure(fill(10, 3, shape=unpadded), metric="cpu", theme=DARK).data
    assert list(heat.y) == ["worker-1", "worker-2", "worker-10"]


def test_heatmap_for_a_thousand_workers_stays_small():
    big = synthetic(720, 1000)
    z = np.asarray(heatmap_figure(big, metric="cpu", theme=DARK).data[0].z)
    # 1,000 rows do not fit a screen: runs of 5 workers per row (tests/ui/test_ui_heatmap_bins.py)
    assert z.shape[0] == 200 and z.size <= HEATMAP_CELLS and z.shape[1] <= MAX_POINTS


def test_a_metric_nobody_reports_says_so(view):
    fig = heatmap_figure(view, metric="gpu", theme=DARK)
    assert not fig.data and "No worker reports GPU usage" in fig.layout.annotations[0].text
