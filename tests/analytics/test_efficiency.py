"""Efficiency per worker on literal samples: used / allocated, and who is over- or under-provisioned."""

import math
from dataclasses import replace

import pytest

from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.theme import THEMES
from drm_dashboard.analytics.efficiency import advice, efficiency_report, tick_efficiency
from drm_dashboard.report.figures_workers import efficiency_figure
from drm_fakes import make_snapshot

T0 = 1_700_000_000.0
# worker -> (cpu used, memory used, cpu allocated, memory allocated), fractions of capacity
USE = {
    "w0000": (0.10, 0.10, 0.40, 0.40),  # uses 25% of what it holds: over-provisioned
    "w0001": (0.76, 0.76, 0.80, 0.80),  # 95%: under-provisioned
    "w0002": (0.45, 0.15, 0.60, 0.20),  # 75%: balanced
    "w0003": (0.02, 0.02, 0.0, 0.0),    # never held a reservation
}


def _view(ticks: int = 6):
    store = LiveStore(retention_s=3600, clock=lambda: T0 + ticks * 5)
    for i in range(ticks):
        snap = make_snapshot(T0 + i * 5, workers=4)
        workers = tuple(replace(w, cpu=c, memory=m, alloc_cpu=ac, alloc_memory=am)
                        for w, (c, m, ac, am) in zip(snap.workers, USE.values()))
        store.ingest(replace(snap, workers=workers))
    return store.view()


def _report(view, **thresholds):
    return efficiency_report(view.worker_ids, view.workers, **thresholds)


def test_per_tick_efficiency_is_used_over_allocated_and_blank_without_allocation():
    eff = tick_efficiency(_view().workers)
    assert eff[0, :3].tolist() == pytest.approx([25.0, 95.0, 75.0], abs=1e-3)
    assert math.isnan(eff[0, 3])


def test_the_report_names_over_and_under_provisioned_workers():
    report = _report(_view())
    assert report.over == ("w0000",)
    assert report.under == ("w0001",)
    verdicts = {w.worker_id: (w.verdict, w.samples) for w in report.workers}
    assert verdicts["w0002"] == ("balanced", 6)
    assert verdicts["w0003"] == ("too few samples", 0)
    assert report.mean == pytest.approx((25 + 95 + 75) / 3, abs=1e-3)


def test_thresholds_are_parameters():
    report = _report(_view(), low=20.0, high=99.0)
    assert report.over == () and report.under == ()


def test_too_few_samples_are_not_judged():
    assert _report(_view(ticks=2)).over == ()


def test_advice_and_the_figure_name_the_same_workers():
    view = _view()
    report = _report(view)
    tips = advice(report)
    assert "w0000" in tips[0] and "w0001" in tips[1]
    fig = efficiency_figure(view, report, theme=THEMES["light"])
    assert "over-provisioned (below 50%): w0000" in fig.layout.title.text
    assert "under-provisioned (above 90%): w0001" in fig.layout.title.text
    bars = {t.name: list(t.x) for t in fig.data if t.type == "bar"}
    assert bars == {"over-provisioned": ["w0000"], "under-provisioned": ["w0001"], "balanced": ["w0002"],
                    "too few samples": ["w0003"]}
