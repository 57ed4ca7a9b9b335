"""Alerts routed through a real Alertmanager; a silence made there shows on our Alerts tab."""

import time

import pytest
import requests
import yaml

from drm_dashboard.config import Settings
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.models import Alert
from drm_dashboard.notify import AlertmanagerDestination, DeliveryError
from drm_dashboard.notify.alertmanager import rfc3339
from drm_dashboard.ui.tabs.alerts import SILENCED_WORDS
from drm_fakes import free_port
from promstack import poll
from ui_views import callback_body, callback_key

pytestmark = pytest.mark.timeout(180)


def active(am, **labels):
    """Alerts Alertmanager holds (not resolved) whose labels include these."""
    got = requests.get(am.url + "/api/v2/alerts", timeout=10).json()
    return [a for a in got if all(a["labels"].get(k) == v for k, v in labels.items())]


def silence(am, **labels):
    now = time.time()
    body = {"matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True}
                         for k, v in labels.items()],
            "startsAt": rfc3339(now - 1), "endsAt": rfc3339(now + 3600),
            "createdBy": "test", "comment": "maintenance"}
    resp = requests.post(am.url + "/api/v2/silences", json=body, timeout=10)
    resp.raise_for_status()
    return resp.json()["silenceID"]


def threshold_alert(now, state="firing"):
    details = {"state": state, "rule": "cpu-hot", "metric": "cpu_utilization", "value": 95.0,
               "since": now - 60}
    if state == "resolved":
        details.update(fired_at=now - 60, resolved_at=now)
    return Alert(f"threshold:cpu-hot:{int(now - 60)}", now, "warning", "threshold", "CPU saturated",
                 details)


def test_firing_then_resolved_with_stable_labels(alertmanager):
    dest = AlertmanagerDestination(alertmanager.url, cluster="lab-a")
    now = time.time()
    dest.send(threshold_alert(now))
    (got,) = poll(lambda: active(alertmanager, cluster="lab-a"), "the firing alert")
    assert got["labels"] == {"alertname": "cpu-hot", "severity": "warning", "source": "threshold",
                             "metric": "cpu_utilization", "cluster": "lab-a"}
    assert got["status"]["state"] == "active" and got["annotations"]["summary"] == "CPU saturated"
    dest.send(threshold_alert(time.time(), "resolved"))
    poll(lambda: not active(alertmanager, cluster="lab-a"), "the alert resolved")


def test_an_unreachable_alertmanager_is_a_delivery_error():
    dest = AlertmanagerDestination(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(DeliveryError, match="alertmanager http://127.0.0.1"):
        dest.send(threshold_alert(time.time()))


def test_source_down_reaches_alertmanager_and_its_silence_shows_on_the_alerts_tab(alertmanager,
                                                                                  tmp_path):
    rules = tmp_path / "alerts.yaml"
    rules.write_text(yaml.safe_dump({"notify": {"alertmanager": [
        {"url": alertmanager.url, "cluster": "lab-b", "refresh": "1h"}]}}))
    # a Prometheus nobody runs: the source is down, and the default rule fires after 3 intervals
    settings = Settings(db_path=str(tmp_path / "h.duckdb"), update_interval=0.2, retention=60,
                        alert_config=str(rules), prometheus_url=f"http://127.0.0.1:{free_port()}")
    dash = DRMRealTimeDashboard(settings=settings, max_backoff_s=0.2)
    (am_dest,) = dash._alertmanagers()
    app = dash.create_app()
    dash._begin_run()
    try:
        (got,) = poll(lambda: active(alertmanager, cluster="lab-b"), "source-down in Alertmanager")
        assert got["labels"]["alertname"] == "source-down" and got["labels"]["severity"] == "error"
        alert_id = got["annotations"]["alert_id"]
        assert am_dest.silenced_ids() == frozenset()
        silence(alertmanager, alertname="source-down", cluster="lab-b")

        def synced():
            am_dest.sync()  # what the refresh thread does every `refresh`
            return alert_id in am_dest.silenced_ids()
        poll(synced, "Alertmanager to mark the alert silenced")
        values = {"drm-interval.n_intervals": 1, "drm-tabs.active_tab": "Alerts",
                  "alerts-levels.value": ["info", "warning", "error", "critical"],
                  "alerts-sources.value": ["scaling_decision", "regression_detection", "system",
                                           "threshold"]}
        key = callback_key(app, "alerts-list.children")
        answer = app.server.test_client().post("/_dash-update-component",
                                               json=callback_body(app, key, values))
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and SILENCED_WORDS in text and text.count(SILENCED_WORDS) == 1
    finally:
        dash.stop()
