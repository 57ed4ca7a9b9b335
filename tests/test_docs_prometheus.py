"""The README's Prometheus section and docs/grafana-dashboard.json name only what we export."""

import json
import re
from pathlib import Path

import yaml
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from drm_dashboard.analytics.alert_config import parse_alert_config
from drm_dashboard.analytics.alert_rules import AlertmanagerConfig
from drm_dashboard.analytics.changepoint_records import ChangePoint
from drm_dashboard.analytics.forecast import ThresholdEta
from drm_dashboard.analytics.pipeline import AnalyticsReport
from drm_dashboard.coordinator.metrics import coordinator_registry
from drm_dashboard.manager import DynamicResourceManager
from drm_dashboard.metrics import DashboardState, dashboard_registry
from drm_dashboard.models import Alert, SourceHealth
from drm_dashboard.sources import prometheus as prom_source

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}


def exported_names() -> set[str]:
    """Every series name the coordinator's and the dashboard's /metrics can carry."""
    manager = DynamicResourceManager()
    manager.register_worker("w", {"cpu": {"cores": 4}, "memory": {"total_mb": 4096},
                                  "gpu": {"devices": 1, "memory_mb": 8000}})
    finding = ChangePoint("task_throughput", 5, 1e9, 2.0, 1.0, -50.0, "regression", 0.9, 5.0,
                          1e-4, 2.0, 6, 0.1)
    eta = ThresholdEta("cpu_utilization", 90.0, "up", "crossing", 120.0, "CPU reaches 90%")
    alert = Alert("a", 1e9, "warning", "threshold", "hot", {"state": "firing", "rule": "cpu-hot"})
    state = DashboardState(health=SourceHealth, tick_times_ms=lambda: [1.0, 2.0],
                           report=lambda: AnalyticsReport(findings=(finding,),
                                                          etas={"cpu_utilization": eta}),
                           firing=lambda: [alert], alerts=lambda: [alert], run_started=lambda: 0.0,
                           notifications=lambda: {"sent": 1})
    names = set()
    for registry in (coordinator_registry(manager), dashboard_registry(state)):
        for family in text_string_to_metric_families(generate_latest(registry).decode()):
            names.add(family.name)
            names.update(family.name + s for s in SUFFIXES.get(family.type, ()))
    return names


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b((?:drm|node)_[a-zA-Z_]+)\b", expr))


def test_every_grafana_expr_names_a_metric_we_export():
    board = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    assert len(exprs) >= 10
    ours, node = exported_names(), set(metric_names(prom_source.NODE_CPU + prom_source.NODE_MEMORY))
    for expr in exprs:
        named = metric_names(expr)
        assert named, f"{expr!r} names no metric"
        # node-exporter's series are the ones PrometheusSource itself reads
        assert named <= ours | node, f"{expr!r} names {sorted(named - ours - node)}, not exported"


def test_the_readme_yaml_blocks_are_a_scrape_config_and_an_alertmanager_destination():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Beside Prometheus, Grafana and Alertmanager", 1)[1].split("\n## ", 1)[0]
    scrape, alerting = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]
    jobs = {j["job_name"]: j for j in scrape["scrape_configs"]}
    assert jobs["drm-coordinator"]["authorization"]["type"] == "Bearer"
    assert "worker_id" in jobs["node"]["static_configs"][0]["labels"]
    (dest,) = parse_alert_config(alerting).destinations
    assert isinstance(dest, AlertmanagerConfig) and dest.cluster == "lab-a" and dest.refresh_s == 30
