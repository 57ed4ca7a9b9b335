"""Alertmanager as a destination: alerts posted to its API v2, so it groups, routes and silences them.

Alertmanager resolves an alert nobody re-sent by its endsAt, as it does for Prometheus; so while an
alert fires, the "drm-alertmanager" thread re-posts it every `refresh_s` with endsAt a few refreshes
ahead, and on the same beat reads which of our alerts Alertmanager silences (for the Alerts tab).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable

from ..models import Alert
from ..threads import BackgroundLoop
from .destinations import DeliveryError, _failure, alert_state, safe_url

log = logging.getLogger(__name__)

ALERTS_PATH = "/api/v2/alerts"
# labels a route, an inhibition or a silence can rely on: the same names for every alert we send
LABELS = ("alertname", "severity", "source", "metric", "cluster")
_SOURCE_METRIC = {"system": "source_health", "scaling_decision": "scaling",
                  "regression_detection": "performance", "threshold": "value"}
# a firing alert stays alive in Alertmanager for this many refreshes if we stop re-sending it
_HOLD_REFRESHES = 4


def rfc3339(epoch_s: float) -> str:
    """Epoch seconds as the RFC 3339 UTC time Alertmanager reads."""
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def alert_labels(alert: Alert, cluster: str) -> dict[str, str]:
    """The stable labels: rule name, severity, our source, the metric and the cluster.

    The cluster is the alert's own when the dashboard watches several coordinators, else the
    destination's configured one.
    """
    metric = alert.details.get("metric") or _SOURCE_METRIC.get(alert.source, alert.source)
    return {"alertname": str(alert.details.get("rule") or alert.source), "severity": alert.level,
            "source": alert.source, "metric": str(metric), "cluster": alert.cluster or cluster}


def am_alert(alert: Alert, cluster: str, now: float, hold_s: float) -> dict[str, Any]:
    """One postable alert: firing ones end a hold ahead (re-sent before), resolved ones end now."""
    state = alert_state(alert)
    started = alert.details.get("fired_at", alert.details.get("since", alert.timestamp))
    ends = alert.details.get("resolved_at", now) if state == "resolved" else now + hold_s
    if state == "event":  # a one-shot alert (a decision, a finding): shown for one hold
        ends = alert.timestamp + hold_s
    return {"labels": alert_labels(alert, cluster),
            "annotations": {"summary": alert.message, "alert_id": alert.id},
            "startsAt": rfc3339(float(started)), "endsAt": rfc3339(float(ends))}


class AlertmanagerDestination(BackgroundLoop):
    """A notify destination (send) plus the refresh thread (start/stop) and the silenced set."""

    kind = "alertmanager"
    thread_name = "drm-alertmanager"

    def __init__(self, url: str, *, min_level: str = "warning", timeout_s: float = 5.0,
                 cluster: str = "default", refresh_s: float = 30.0,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self._base = url.rstrip("/")
        self.min_level = min_level
        self.timeout_s = timeout_s
        self.cluster = cluster
        self.refresh_s = refresh_s
        self._clock = clock
        self.name = f"{self.kind} {safe_url(url)}"
        self._firing: dict[str, Alert] = {}
        self._silenced: frozenset[str] = frozenset()
        self._clusters = {cluster}  # every cluster label we have sent: their silences are ours
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AlertmanagerDestination({self.name!r}, cluster={self.cluster!r})"

    # -- the Destination protocol --------------------------------------------------------------
    def send(self, alert: Alert) -> None:
        """Post one transition; remember firing alerts so the refresh keeps them alive."""
        with self._lock:
            self._clusters.add(alert.cluster or self.cluster)
            if alert_state(alert) == "firing":
                self._firing[alert.id] = alert
            else:
                self._firing.pop(alert.id, None)
        self._post([am_alert(alert, self.cluster, self._clock(), self._hold_s)])

    @property
    def _hold_s(self) -> float:
        return self.refresh_s * _HOLD_REFRESHES

    # -- the refresh beat ----------------------------------------------------------------------
    def silenced_ids(self) -> frozenset[str]:
        """Ids of our alerts Alertmanager suppressed by a silence, as of the last sync."""
        return self._silenced

    def sync(self) -> None:
        """Re-post the firing alerts, then read which of ours Alertmanager silences."""
        with self._lock:
            firing = list(self._firing.values())
        if firing:
            now = self._clock()
            self._post([am_alert(a, self.cluster, now, self._hold_s) for a in firing])
        self._silenced = frozenset(self._read_silenced())

    def _read_silenced(self) -> list[str]:
        query = "?silenced=true&inhibited=false&active=false&unprocessed=false"
        body = self._request(urllib.request.Request(self._base + ALERTS_PATH + query))
        try:
            alerts = json.loads(body)
        except ValueError:
            raise DeliveryError(f"{self.name}: GET {ALERTS_PATH} answered no JSON") from None
        out = []
        for a in alerts if isinstance(alerts, list) else ():
            status, labels = a.get("status") or {}, a.get("labels") or {}
            if (status.get("state") == "suppressed" and status.get("silencedBy")
                    and labels.get("cluster") in self._clusters):
                out.append(str((a.get("annotations") or {}).get("alert_id", "")))
        return out

    def _run(self) -> None:
        while not self._stop.wait(self.refresh_s):
            try:
                self.sync()
            except DeliveryError as exc:
                log.warning("alertmanager refresh failed: %s", exc)

    # -- HTTP ----------------------------------------------------------------------------------
    def _post(self, alerts: list[dict[str, Any]]) -> None:
        data = json.dumps(alerts).encode("utf-8")
        self._request(urllib.request.Request(self._base + ALERTS_PATH, data=data, method="POST",
                                             headers={"Content-Type": "application/json"}))

    def _request(self, request: urllib.request.Request) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                return reply.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"{self.name}: HTTP {exc.code}") from None
        except OSError as exc:
            raise DeliveryError(f"{self.name}: {_failure(exc)}") from None
