"""The fleet's parts without a network: tagging, the combined view's schedule, health, the header."""

from __future__ import annotations

import pytest

from drm_dashboard.analytics.pipeline import AnalyticsPipeline
from drm_dashboard.fleet import ClusterRuntime, ClusterSource, Fleet, tag_alert
from drm_dashboard.models import Alert, ScalingDecision, SourceHealth, Snapshot
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.clusters import picker
from drm_dashboard.ui.context import UIContext
from drm_dashboard.ui.status import HealthBadge, fleet_badge
from drm_fakes import FakeClock

T0 = 1_700_000_000.0


class _Source:
    """A source answering fixed snapshots, as a coordinator's client would after validation."""

    description = "coordinator http://east:1"

    def __init__(self, decisions=()):
        self.decisions = tuple(decisions)

    def snapshot(self) -> Snapshot:
        return Snapshot(timestamp=T0, total_workers=1, active_workers=1, active_tasks=0, pending_tasks=0,
                        resource_reservations=0, cpu=0.5, memory=0.5, gpu=None, overall=0.5,
                        decisions=self.decisions)


def _snap(ts: float, workers: int) -> Snapshot:
    return Snapshot(timestamp=ts, total_workers=workers, active_workers=workers, active_tasks=0,
                    pending_tasks=0, resource_reservations=0, cpu=0.5, memory=0.5, gpu=None, overall=0.5)


def test_a_cluster_alert_carries_its_name_in_field_and_id_once():
    alert = Alert("threshold:cpu:1", T0, "warning", "threshold", "CPU high")
    tagged = tag_alert(alert, "east")
    assert (tagged.id, tagged.cluster) == ("east/threshold:cpu:1", "east")
    assert tag_alert(tagged, "east") is tagged  # the engine's re-sent transitions stay one alert
    assert tagged.to_dict()["cluster"] == "east" and "cluster" not in alert.to_dict()


def test_a_cluster_source_names_its_decisions():
    decision = ScalingDecision("scale_up", 1, "busy", 0.9, timestamp=T0, seq=3)
    source = ClusterSource(_Source([decision]), "east")
    assert source.description == "east: coordinator http://east:1"
    assert [d.cluster for d in source.snapshot().decisions] == ["east"]
    assert decision.to_dict() == {k: v for k, v in source.snapshot().decisions[0].to_dict().items()
                                  if k != "cluster"}


def _fleet(monotonic):
    clock = FakeClock(T0)
    runtimes = [ClusterRuntime(name, ClusterSource(_Source(), name), LiveStore(3600.0, clock=clock),
                               AnalyticsPipeline(), engine=None) for name in ("east", "west")]
    return Fleet(runtimes, interval_s=5.0, clock=clock, max_backoff_s=5.0, monotonic=monotonic)


def test_the_combined_view_is_rebuilt_at_most_once_an_interval():
    now = [100.0]
    fleet = _fleet(lambda: now[0])
    east, west = (r.live for r in fleet.runtimes)
    east.ingest(_snap(T0, 2))
    west.ingest(_snap(T0 + 1, 3))
    first = fleet.view()
    assert first.system["total_workers"][-1] == 5
    east.ingest(_snap(T0 + 5, 4))
    now[0] += 4.9
    assert fleet.view() is first  # within the interval: the same view, every viewer's cache warm
    now[0] += 0.2
    assert fleet.view().system["total_workers"][-1] == 7
    second = fleet.view()
    now[0] += 10
    assert fleet.view() is second  # nothing changed: no rebuild, the same object


def test_fleet_health_is_the_worst_and_each_cluster_keeps_its_own():
    fleet = _fleet(lambda: 0.0)
    east, west = fleet.runtimes
    east.last_health = SourceHealth("live", last_success=T0)
    west.last_health = SourceHealth("error", "connection refused")
    assert fleet.health().state == "error" and fleet.health("east").state == "live"
    assert fleet.healths() == {"east": east.last_health, "west": west.last_health}


def test_the_header_badge_counts_live_clusters_and_names_the_others():
    live = HealthBadge("live", "success", "")
    down = HealthBadge("error", "danger", "connection refused")
    assert fleet_badge({"a": live, "b": live}) == HealthBadge("live", "success", "all 2 clusters live")
    one = fleet_badge({"a": live, "b": down})
    assert (one.label, one.color) == ("1 of 2 live", "warning")
    assert one.detail == "b: error (connection refused)"
    assert fleet_badge({"a": down, "b": down}).color == "danger"


@pytest.mark.parametrize("clusters, hidden", [((), True), (("east", "west"), False)])
def test_the_cluster_picker_is_shown_only_with_several_clusters(clusters, hidden):
    ctx = UIContext(live=LiveStore(), health=SourceHealth, source="s", simulated=False,
                    update_interval_s=5.0, clusters=clusters)
    div = picker(ctx)
    assert bool(getattr(div, "hidden", False)) is hidden
    options = [o["value"] for o in div.children[-1].options] if not hidden else []
    assert options == ([] if hidden else ["*", "east", "west"])


def test_pick_returns_the_clusters_context_or_the_combined_one():
    east = UIContext(live=LiveStore(), health=SourceHealth, source="east", simulated=False,
                     update_interval_s=5.0)
    all_ = UIContext(live=LiveStore(), health=SourceHealth, source="2", simulated=False,
                     update_interval_s=5.0, clusters=("east",), choices={"east": east})
    assert all_.pick("east") is east and all_.pick("*") is all_ and all_.pick(None) is all_


def test_alertmanager_gets_the_alerts_own_cluster_else_the_configured_one():
    from drm_dashboard.notify.alertmanager import alert_labels
    alert = Alert("x", T0, "error", "system", "down")
    assert alert_labels(alert, "default")["cluster"] == "default"
    assert alert_labels(tag_alert(alert, "west"), "default")["cluster"] == "west"
