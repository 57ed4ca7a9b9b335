"""The metric catalog is the one table: every layer's list of metrics is a selection of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drm_dashboard.catalog import CATALOG, GROUPS, KINDS, METRICS, metric_info, names

HERE = Path(__file__).resolve().parent


def test_every_entry_is_complete_and_units_are_written_one_way():
    units_of_kind: dict[str, set[str]] = {}
    for m in CATALOG:
        assert m.group in GROUPS and m.kind in KINDS and m.label, m
        assert m.unit == m.unit.strip(), f"{m.name}: the unit carries no spacing, the suffix adds it"
        assert (m.field != "") == (m.group != "worker"), m
        units_of_kind.setdefault(m.kind, set()).add(m.unit)
    # a quantity is spelled one way: every percentage "%", every duration "ms"
    assert units_of_kind["percent"] == {"%"} and units_of_kind["duration_ms"] == {"ms"}
    assert [metric_info(n).suffix for n in ("cpu_utilization", "queue_wait_ms", "task_throughput",
                                            "pending_tasks")] == ["%", " ms", " tasks/s", ""]


def test_the_stores_columns_and_rows_follow_the_catalog():
    from drm_dashboard.store import schema
    from drm_dashboard.store.database import COLUMNS
    assert schema.SYSTEM_COLUMNS == names(group="system")
    assert schema.PERFORMANCE_COLUMNS == names(group="performance")
    assert schema.WORKER_METRICS == names(group="worker")
    assert set(names(kind="count")) <= schema.INTEGER_COLUMNS  # counts are stored as BIGINT
    for table, group in (("system_metrics", "system"), ("performance_metrics", "performance")):
        history = [c for c, _ in COLUMNS[table]]
        assert [c for c in history if c in METRICS] == list(names(group=group))


def test_analytics_tables_are_selections_of_the_catalog():
    from drm_dashboard.analytics import alert_rules, pipeline
    assert dict(pipeline.DETECTED) == {n: METRICS[n].higher_is_better for n in names(detect=True)}
    assert tuple(pipeline.FORECAST) == names(forecast=True)
    assert alert_rules.METRICS == names(group="system") + names(group="performance")
    assert all(alert_rules.metric_unit(m.name) == m.suffix for m in CATALOG)


def test_pages_and_reports_read_the_catalog():
    from drm_dashboard.report.summary import KPIS as SUMMARY
    from drm_dashboard.ui.figures.performance import KPIS as CHARTS
    from drm_dashboard.ui.regressions import WATCHED
    assert tuple(SUMMARY) == names(summary=True)
    charted = [m for m in CATALOG if m.axis]
    assert {k: v[:3] for k, v in CHARTS.items()} == {m.name: (m.title, m.suffix, m.axis) for m in charted}
    assert WATCHED == {m.name: m.label for m in charted if m.detect}


@pytest.mark.timeout(120)
def test_adding_a_kpi_is_one_catalog_entry_plus_its_source_field():
    """Only the catalog (and the record carrying the value) changes; every layer picks it up."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, str(HERE / "catalog_new_kpi.py")], capture_output=True,
                         text=True, env=env, timeout=110, check=True).stdout
    got = json.loads(out)
    assert got["live_column"] == 80  # stored every tick
    assert got["detector"] and got["findings"] == ["regression"]  # lower is better: a rise regresses
    assert got["forecast"] and got["eta"].startswith("P99 queue wait reaches 500 ms")
    regression, threshold = got["alerts"]  # the detector's confidence is its own business
    assert regression.startswith("p99_wait_ms regressed by 200.2% (99.95 ms -> 300 ms), confidence")
    assert threshold == "p99-slow: p99_wait_ms 900 ms above 500 ms"
    assert (got["unit"], got["summary_unit"], got["value_text"]) == (" ms", "ms", "850 ms")
    assert got["chart"] == ["P99 queue wait", " ms", "ms, 99th percentile"]
    assert got["watched"] == "p99 queue wait"
    # the run report: a row of its KPI table (last, mean) and a chart of it
    assert got["report"] == ["<td>p99 queue wait</td><td>900 ms</td><td>207 ms</td>",
                             '"name":"P99 queue wait"']
    # a history file from before the KPI gains the column; its old rows read "not reported"
    assert got["history"] == [None, 120.0]


def test_the_alert_rules_document_lists_the_catalogs_metrics():
    from drm_dashboard.analytics.alert_rules import METRICS as WATCHABLE
    row = next(line for line in (HERE.parent / "docs" / "ALERTS.md").read_text().splitlines()
               if line.startswith("| `metric` |"))
    listed = row.split("`drm_dashboard/catalog.py`): `")[1].split("`")[0].split(", ")
    assert listed == list(WATCHABLE)
