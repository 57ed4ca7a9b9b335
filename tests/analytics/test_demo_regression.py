"""The demo's injected regression is found where it was injected: real manager, workload and pipeline."""

import pytest

from drm_dashboard.analytics.pipeline import AnalyticsPipeline
from drm_dashboard.collector import Collector
from drm_dashboard.manager import DynamicResourceManager, InjectedRegression, Workload, WorkloadConfig
from drm_dashboard.sources.local import LocalSource
from drm_dashboard.store.live import LiveStore

pytestmark = pytest.mark.timeout(180)  # 20 simulated minutes; a loaded machine is slow


def run_demo(clock, regression, minutes=20):
    # a constant timer: allocation time is the latency model alone, not this machine's CPU load
    mgr = DynamicResourceManager(clock=clock, timer=lambda: 0.0)
    workload = Workload(mgr, WorkloadConfig(seed=0, regression=regression), clock=clock)
    pipe = AnalyticsPipeline(clock=clock)
    col = Collector(LocalSource(mgr, clock=clock), LiveStore(3600, clock=clock), None, interval_s=5,
                    clock=clock, processors=[pipe])
    start = clock.now
    for _ in range(minutes * 12):
        workload.step(clock.advance(5))
        col.poll_once()
    return [(f.timestamp - start, f) for f in pipe.report.findings if f.metric == "allocation_time_ms"]


def test_doubled_allocation_time_is_one_regression_at_the_injection(clock):
    found = run_demo(clock, InjectedRegression("allocation_time", start_s=600, factor=2.0))
    at_injection = [(t, f) for t, f in found if 600 <= t <= 660]
    assert len(at_injection) == 1, found
    t, finding = at_injection[0]
    assert finding.direction == "regression" and 60 <= finding.change_pct <= 140
    assert not [t for t, _ in found if t < 600], "a regression was found before any was injected"


def test_without_injection_allocation_time_raises_nothing_in_the_first_ten_minutes(clock):
    found = run_demo(clock, None, minutes=10)
    assert found == []
