"""--history-retention: flag > environment > 30 days, validated, and turned into the store's policy."""

import pytest

from drm_dashboard.config import resolve
from drm_dashboard.errors import ConfigError
from drm_dashboard.store.rollup import DAY_S, policy_for


def test_default_env_and_flag():
    assert resolve({}, {}).history_retention == 30.0
    assert resolve({}, {"DRM_DASHBOARD_HISTORY_RETENTION": "7"}).history_retention == 7.0
    assert resolve({"history_retention": 2.0}, {"DRM_DASHBOARD_HISTORY_RETENTION": "7"}).history_retention == 2.0


@pytest.mark.parametrize("flags, words", [
    ({"history_retention": 0.0}, "positive number of days"),
    ({"history_retention": float("inf")}, "positive number of days"),
    ({"history_retention": 0.01, "retention": 60.0}, "shorter than the live window"),
])
def test_bad_values_name_the_flag(flags, words):
    with pytest.raises(ConfigError, match=words):
        resolve(flags, {})


def test_policy_never_rolls_up_what_the_live_window_reloads():
    policy = policy_for(30 * DAY_S, live_window_s=2 * 3600.0)
    assert policy.retention_s == 30 * DAY_S
    assert policy.steps == ((7200.0, 60.0), (DAY_S, 600.0))
