"""Drive an original-shaped manager through the real source, collector, stores and Dash callbacks."""

from __future__ import annotations

from typing import Any

from drm_dashboard.collector import Collector
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.store.history import HistoryStore
from drm_fakes import FakeClock
from ui.ui_views import callback_body, callback_key

TABS = {"System Overview": "overview-cards.children", "Worker Details": "workers-lines-data.data",
        "Performance Metrics": "perf-task-throughput-data.data",
        "Scaling Decisions": "scaling-table.children", "Alerts": "alerts-list.children"}
VALUES = {"drm-interval.n_intervals": 1, "drm-theme.data": "dark", "workers-metric.value": "cpu",
          "perf-range.value": 60, "alerts-levels.value": ["info", "warning", "error", "critical"],
          "alerts-sources.value": ["scaling_decision", "regression_detection", "system", "threshold"]}


class Fed:
    """A dashboard over `manager`, fed `ticks` polls `step` seconds apart through its collector."""

    def __init__(self, manager: Any, clock: FakeClock, db_path: str, ticks: int, step: float = 5.0,
                 between=None) -> None:
        self.dash = DRMRealTimeDashboard(dynamic_resource_manager=manager, db_path=db_path,
                                         update_interval=step, clock=clock)
        self.history = HistoryStore(db_path)
        self.collector = Collector(self.dash.source, self.dash.live, self.history, interval_s=step,
                                   clock=clock, processors=[self.dash.analytics])
        self.results = []
        for i in range(ticks):
            if between:
                between(i)
            self.results.append(self.collector.poll_once())
            clock.advance(step)
        self.history.flush()
        self.app = self.dash.create_app()
        self.client = self.app.server.test_client()

    def tab(self, label: str, **over: Any) -> dict:
        """The JSON answer of the callback that draws `label`'s first output, as a browser asks it."""
        key = callback_key(self.app, TABS[label])
        body = callback_body(self.app, key, {**VALUES, "drm-tabs.active_tab": label, **over})
        answer = self.client.post("/_dash-update-component", json=body)
        assert answer.status_code == 200, answer.data[:500]
        return answer.get_json()["response"]

    def close(self) -> None:
        self.history.close()
