"""Per-interval samples from counters: literal series with hand-computed answers."""

import numpy as np

from drm_dashboard.analytics.intervals import rate_per_interval, ratio_per_interval

NAN = np.nan


def test_ratio_is_the_mean_of_each_interval_not_of_a_trailing_window():
    num = np.array([0.0, 10.0, 30.0, 30.0, 70.0])   # ms spent, cumulative
    den = np.array([0.0, 5.0, 10.0, 10.0, 20.0])    # allocations, cumulative
    reported = np.full(5, 99.0)
    got = ratio_per_interval(num, den, reported, 0)
    np.testing.assert_allclose(got, [NAN, 2.0, 4.0, NAN, 4.0])  # an interval with none: no sample


def test_ratio_skips_a_counter_reset_and_falls_back_without_counters():
    num = np.array([100.0, 5.0, 15.0, NAN])
    den = np.array([50.0, 1.0, 6.0, NAN])
    reported = np.array([1.0, 2.0, 3.0, 7.5])
    np.testing.assert_allclose(ratio_per_interval(num, den, reported, 1), [NAN, 2.0, 7.5])


def test_rate_per_second_over_uneven_intervals():
    completed = np.array([0.0, 10.0, 10.0, 40.0, 2.0])
    ts = np.array([0.0, 5.0, 10.0, 20.0, 25.0])
    np.testing.assert_allclose(rate_per_interval(completed, ts, 0), [NAN, 2.0, 0.0, 3.0, NAN])


def test_interval_samples_use_counters_and_fall_back_for_sources_without_them(clock):
    import dataclasses

    from drm_dashboard.analytics.intervals import interval_samples
    from drm_dashboard.models import PerformanceSample
    from drm_dashboard.store.live import LiveStore
    from drm_fakes import make_snapshot
    store = LiveStore(retention_s=1e6, clock=clock)
    for i in range(4):  # counters for three ticks, then a source that reports none
        counters = dict(allocations_total=10.0 * i, allocation_ms_total=30.0 * i) if i < 3 else {}
        perf = PerformanceSample(9.9, 7.0, 1.0, 0.5, 20 * i, 0, **counters)
        store.ingest(dataclasses.replace(make_snapshot(clock.advance(5)), performance=perf))
    got = interval_samples(store.view().series, ["allocation_time_ms", "task_throughput"], 1)
    np.testing.assert_allclose(got["allocation_time_ms"], [3.0, 3.0, 7.0])  # last: reported value
    np.testing.assert_allclose(got["task_throughput"], [4.0, 4.0, 4.0])  # 20 tasks per 5 s


def test_efficiency_with_nothing_allocated_is_no_sample(clock):
    import dataclasses

    from drm_dashboard.analytics.intervals import interval_samples
    from drm_dashboard.models import PerformanceSample
    from drm_dashboard.store.live import LiveStore
    from drm_fakes import make_snapshot
    store = LiveStore(retention_s=1e6, clock=clock)
    # the manager reports 0 efficiency while nothing is allocated; a source may not say at all
    for allocated, efficiency in ((0.6, 0.7), (0.0, 0.0), (None, 0.5)):
        snap = make_snapshot(clock.advance(5))
        perf = PerformanceSample(1.0, 2.0, 10.0, efficiency, 0, 0)
        store.ingest(dataclasses.replace(snap, performance=perf, allocated=allocated))
    got = interval_samples(store.view().series, ["resource_efficiency"], 0)["resource_efficiency"]
    np.testing.assert_allclose(got, [70.0, NAN, 50.0])
