"""Settings precedence (flag > environment > default) and validation messages."""

import pytest

from drm_dashboard.config import Settings, resolve
from drm_dashboard.errors import ConfigError


def test_defaults_are_the_original_projects():
    s = resolve({}, environ={})
    assert (s.host, s.port, s.db_path, s.theme, s.update_interval, s.retention) == (
        "localhost", 8085, "benchmark_db.duckdb", "dark", 5.0, 60.0)


def test_flag_beats_environment_beats_default():
    env = {"DRM_DASHBOARD_PORT": "9000", "DRM_DASHBOARD_THEME": "light"}
    s = resolve({"port": 9100, "theme": None}, environ=env)
    assert s.port == 9100 and s.theme == "light"


def test_api_key_from_drm_api_key_and_never_in_repr():
    s = resolve({"drm_url": "http://127.0.0.1:1"}, environ={"DRM_API_KEY": "s3cret-key"})
    assert s.api_key == "s3cret-key"
    assert "s3cret-key" not in repr(s)


@pytest.mark.parametrize("changes, words", [
    ({"port": -1}, "--port"), ({"port": 70000}, "--port"),
    ({"update_interval": 0}, "--update-interval"), ({"update_interval": -1}, "--update-interval"),
    ({"retention": 0.05, "update_interval": 5}, "--retention"),
    ({"theme": "blue"}, "--theme"), ({"drm_url": "ftp://x"}, "--drm-url"),
    ({"drm_url": "http://"}, "--drm-url"), ({"drm_url": "http://h:abc/"}, "--drm-url"),
    ({"retention": float("nan")}, "--retention"), ({"update_interval": float("inf")}, "--update-interval"),
    ({"report": "out/run.json"}, "--report"),
])
def test_invalid_values_name_the_flag(changes, words):
    with pytest.raises(ConfigError, match=words):
        Settings(**changes)


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="DRM_DASHBOARD_PORT"):
        resolve({}, environ={"DRM_DASHBOARD_PORT": "eighty"})


def test_drm_api_key_in_the_environment_does_not_block_the_embedded_demo():
    assert resolve({}, environ={"DRM_API_KEY": "exported-for-drm-worker"}).api_key is None


def test_a_bad_environment_number_is_worded_for_people():
    with pytest.raises(ConfigError, match="must be a whole number, got 'eighty'"):
        resolve({}, environ={"DRM_DASHBOARD_PORT": "eighty"})
    with pytest.raises(ConfigError, match="DRM_DASHBOARD_DEMO_SPEED must be a number"):
        resolve({}, environ={"DRM_DASHBOARD_DEMO_SPEED": "quick"})
def test_min_coverage_from_flag_or_environment_and_validated():
    assert resolve({}, environ={}).min_coverage == 0.9
    assert resolve({}, environ={"DRM_DASHBOARD_MIN_COVERAGE": "0.75"}).min_coverage == 0.75
    assert resolve({"min_coverage": 1.0}, environ={"DRM_DASHBOARD_MIN_COVERAGE": "0.5"}).min_coverage == 1.0
    with pytest.raises(ConfigError, match="DRM_DASHBOARD_MIN_COVERAGE"):
        resolve({}, environ={"DRM_DASHBOARD_MIN_COVERAGE": "most"})
    for bad in (0.0, -0.1, 1.01, float("nan")):
        with pytest.raises(ConfigError, match="--min-coverage"):
            Settings(min_coverage=bad)
