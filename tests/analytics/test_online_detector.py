"""OnlineDetector: one finding per change, re-anchoring, status, and per-tick cost."""

import time

import numpy as np

from drm_dashboard.analytics.changepoint import DetectorConfig, OnlineDetector
from drm_dashboard.analytics.online import SETTLE_AFTER


def feed(detector, values):
    return [f for i, v in enumerate(values) if (f := detector.update(float(i), float(v)))]


def test_one_step_raises_one_finding_not_one_per_tick():
    rng = np.random.default_rng(11)
    values = np.r_[rng.normal(100.0, 2.0, 120), rng.normal(80.0, 2.0, 200)]
    detector = OnlineDetector("task_throughput", higher_is_better=True)
    found = feed(detector, values)
    assert len(found) == 1 and [f.index for f in detector.findings] == [found[0].index]
    finding = found[0]
    assert abs(finding.index - 120) <= 1
    assert finding.direction == "regression"
    assert -25 < finding.change_pct < -15
    assert 0 < finding.confidence < 1 and finding.persistence >= 4  # 60% of min_after


def test_a_step_that_reverts_gives_two_findings():
    rng = np.random.default_rng(4)
    values = np.r_[rng.normal(0, 0.3, 60), rng.normal(5, 0.3, 30), rng.normal(0, 0.3, 60)]
    found = feed(OnlineDetector("queue_wait_ms", higher_is_better=False), values)
    assert [abs(f.index - i) <= 1 for f, i in zip(found, (60, 90))] == [True, True]
    assert [f.direction for f in found] == ["regression", "improvement"]


def test_step_at_index_10_with_short_baseline():
    cfg = DetectorConfig(min_before=8, min_after=4)
    values = [10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 10.0] + [12.0, 12.1, 11.9, 12.0] * 5
    found = feed(OnlineDetector("allocation_time_ms", higher_is_better=False, config=cfg), values)
    assert [f.index for f in found] == [10]
    assert found[0].direction == "regression" and found[0].timestamp == 10.0


def test_white_noise_raises_nothing():
    noise = np.random.default_rng(5).normal(0.5, 0.05, 1500)
    assert feed(OnlineDetector("cpu_utilization", higher_is_better=None), noise) == []


# a short baseline at a fixed penalty, so the known answers below do not move with the default
SHORT = DetectorConfig(penalty=10.0, min_before=8, min_after=4)


def confirmations(values, config):
    detector = OnlineDetector("allocation_time_ms", higher_is_better=False, config=config)
    return [i for i, v in enumerate(values) if detector.update(float(i), v)], detector


def test_a_clean_step_is_confirmed_once_min_after_samples_follow_it():
    # step 2 over within-level sd 0.08: z^2 ~ 1700 beats 10 ln 14 at the first chance, sample 13
    values = [10.0 + 0.1 * (i % 3) for i in range(10)] + [12.0 + 0.1 * (i % 3) for i in range(40)]
    confirmed_at, detector = confirmations(values, SHORT)
    assert confirmed_at == [13] and detector.findings[0].index == 10


def test_a_small_step_waits_until_its_two_sample_z_beats_the_penalty():
    # step 1 over a +-0.5 pattern (within sd 0.42): 11 samples after it give z^2 = 29.1 <
    # 10 ln 21 = 30.4, 12 give 32.3 > 10 ln 22 = 30.9, so sample 21 confirms it
    # the +-0.5 pattern restarts at the step
    wiggle = [0.5 * (i % 3 - 1) for i in range(10)] + [0.5 * (i % 3 - 1) for i in range(40)]
    values = [(10.0 if i < 10 else 11.0) + w for i, w in enumerate(wiggle)]
    confirmed_at, detector = confirmations(values, SHORT)
    assert confirmed_at == [21] and detector.findings[0].index == 10
    # a step of 0.8 on the same noise explains too little within these 50 samples
    smaller = [(10.0 if i < 10 else 10.8) + w for i, w in enumerate(wiggle)]
    assert confirmations(smaller, SHORT)[0] == []


def test_status_says_how_many_more_points_are_needed():
    detector = OnlineDetector("queue_wait_ms", higher_is_better=False)
    for i in range(12):
        detector.update(float(i), 5.0)
    status = detector.status()
    needed = DetectorConfig().min_points
    assert not status.judged and status.points == 12 and status.points_needed == needed
    assert status.message == f"12 of {needed} points needed ({needed - 12} more)"


def test_anomaly_score_flags_a_spike_once():
    rng = np.random.default_rng(2)
    detector = OnlineDetector("cpu_utilization", higher_is_better=None)
    scores = []
    for i, v in enumerate(np.r_[rng.normal(10, 0.5, 100), [30.0], rng.normal(10, 0.5, 50)]):
        detector.update(float(i), float(v))
        scores.append(detector.anomaly_score)
    assert int(np.argmax(scores)) == 100 and scores[100] > 0.75
    assert max(scores[101:]) < 0.5 and detector.findings == ()


def test_non_finite_samples_are_ignored():
    detector = OnlineDetector("task_throughput", higher_is_better=True)
    assert detector.update(0.0, float("nan")) is None and detector.points == 0


def test_update_cost_stays_bounded_as_samples_accumulate():
    rng = np.random.default_rng(0)
    detector = OnlineDetector("task_throughput", higher_is_better=True)
    values = rng.normal(10.0, 1.0, 3000)

    def median_cost(lo, hi):
        costs = []
        for i in range(lo, hi):
            start = time.thread_time()
            detector.update(float(i), float(values[i]))
            costs.append(time.thread_time() - start)
        return float(np.median(costs))

    for i in range(300):
        detector.update(float(i), float(values[i]))
    full = median_cost(300, 600)
    for i in range(600, 2700):
        detector.update(float(i), float(values[i]))
    later = median_cost(2700, 3000)
    assert detector.points == DetectorConfig().window
    # a ratio of thread CPU time within one run (other processes do not count): the window caps
    # the work per update
    assert later < 2.5 * full


# forty samples near 10, then seventy near 11: the same ten noise values throughout
NOISE = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.4, -0.3, 0.1]
STEP_UP = [10 + e for e in NOISE * 4] + [11 + e for e in reversed(NOISE)] * 7


# weights that count the evidence (the defaults fitted on NAB hold its weight at 0, so with them
# the confidence follows only the re-estimated size of the change)
EVIDENCE = DetectorConfig(confidence_weights=(-2.0, 0.5, 0.4))


def test_an_open_findings_confidence_rises_as_samples_arrive_then_settles(clock):
    detector = OnlineDetector("allocation_time_ms", higher_is_better=False, config=EVIDENCE)
    versions, open_after = [], []
    for value in STEP_UP:
        detector.update(clock.advance(5), value)
        versions += detector.take_changes()
        open_after.append(detector.open_finding is not None)
    # one change, revised in place: same index and step time in every version
    assert {(f.index, f.timestamp) for f in versions} == {(40, versions[0].timestamp)}
    confidence = [f.confidence for f in versions]
    assert len(versions) > 20 and confidence[-1] > confidence[0]
    assert np.mean(confidence[-10:]) > np.mean(confidence[10:20]) > np.mean(confidence[:10])
    # revised until SETTLE_AFTER samples follow the step, then final
    assert open_after[40 + SETTLE_AFTER - 2] and not open_after[40 + SETTLE_AFTER - 1]
    assert detector.findings == (versions[-1],)
    for value in STEP_UP[-10:]:
        detector.update(clock.advance(5), value)
    assert detector.take_changes() == [] and detector.findings == (versions[-1],)


def test_a_further_step_is_a_new_finding_and_settles_the_open_one(clock):
    values = STEP_UP[:70] + [13 + e for e in NOISE * 4]
    detector = OnlineDetector("allocation_time_ms", higher_is_better=False)
    for value in values:
        detector.update(clock.advance(5), value)
    first, second = detector.findings
    assert (first.index, second.index) == (40, 70)
    # the first was judged on its own level only (40 samples near 10, 30 near 11)
    assert abs(first.after - 11.0) < 0.1 and detector.open_finding == second
