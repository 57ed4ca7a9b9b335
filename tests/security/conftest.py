"""Fixtures of the security tests: an auth file with a user and a token, and the real servers."""

import pytest

from drm_dashboard.auth import add_token, add_user
from drm_dashboard.config import Settings
from drm_dashboard.dashboard import DRMRealTimeDashboard
from security_helpers import PASSWORD, USER



@pytest.fixture
def auth_file(tmp_path):
    """An auth file holding alice (scrypt) and a token named ci; yields (path, token)."""
    path = tmp_path / "users"
    add_user(path, USER, PASSWORD)
    token = add_token(path, "ci")
    return path, token


@pytest.fixture
def dashboard_factory(tmp_path):
    """Start real dashboards (embedded demo, port 0) with extra settings; stops them all."""
    started = []

    def start(**changes):
        changes.setdefault("host", "127.0.0.1")
        settings = Settings(port=0, db_path=str(tmp_path / f"h{len(started)}.duckdb"),
                            update_interval=1.0, **changes)
        dash = DRMRealTimeDashboard(settings=settings)
        started.append(dash)
        return dash, dash.start_in_background()

    yield start
    for dash in started:
        dash.stop()


@pytest.fixture
def monitored(tmp_path):
    """A MonitoringDashboard over a few simulated minutes, with an auth file; stopped at the end."""
    from drm_dashboard.access import build_exposure
    from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
    from drm_dashboard.monitoring import DRMVisualizationIntegration, MonitoringDashboard
    from drm_fakes import FakeClock
    made = []

    def make(auth_path=None, **exposure):
        clock = FakeClock()
        manager = DynamicResourceManager(clock=clock)
        workload = Workload(manager, WorkloadConfig(seed=3), clock=clock)
        integration = DRMVisualizationIntegration(tmp_path / "charts", 60.0, manager, clock=clock)
        for _ in range(24):
            workload.step(clock.advance(5))
            integration.visualization.collect_once()
        exp = build_exposure(auth_file=str(auth_path) if auth_path else None, trusted_proxy=None,
                             proxy_user_header="X-Forwarded-User", allowed_host=None,
                             insecure_no_auth=False, **exposure)
        dashboard = MonitoringDashboard("127.0.0.1", 0, tmp_path / "dashboards", exposure=exp)
        dashboard.drm_visualization_integration = integration
        made.append(dashboard)
        return dashboard, integration

    yield make
    for dashboard in made:
        dashboard.stop()
