import math

import numpy as np

from drm_dashboard.analytics.confidence import (
    confidence,
    features,
    finding_features,
    make_change_point,
    relative_change,
)
from drm_dashboard.analytics.step_test import split_test
from drm_dashboard.analytics.changepoint_records import DetectorConfig


def test_relative_change_of_the_earlier_level():
    assert relative_change(10.0, 15.0) == 0.5
    assert relative_change(-4.0, -2.0) == 0.5
    assert relative_change(0.0, 3.0) == 0.0  # undefined from a zero level: no evidence


def _step(level: float) -> np.ndarray:
    # the same noise and step of 2 units on two levels: same z, different relative change
    noise = np.array([0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1] * 4)
    return level + noise + np.r_[np.zeros(30), np.full(10, 2.0)]


def test_a_step_large_for_its_level_is_more_credible_than_the_same_step_on_a_high_level():
    config = DetectorConfig()
    low, high = (split_test(_step(level), 30, float(_step(level).std()), 0.99)
                 for level in (4.0, 400.0))
    assert math.isclose(low.z, high.z, rel_tol=1e-9)
    assert confidence(low, config) > confidence(high, config)


def test_a_findings_record_gives_back_the_inputs_it_was_judged_on():
    config = DetectorConfig()
    y = _step(4.0)
    test = split_test(y, 30, float(y.std()), 0.99)
    point = make_change_point(test, config, metric="m", offset=0, timestamp=0.0,
                              higher_is_better=False)
    assert finding_features(point) == features(test, config)
    assert len(config.confidence_weights) == 1 + len(features(test, config))
