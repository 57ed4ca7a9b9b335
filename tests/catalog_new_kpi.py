"""Run as a script: add one KPI to the catalog (and a source field), then report what each layer does.

It runs in its own interpreter because every layer reads the catalog when it is imported: the
entry is added before anything but the catalog is loaded, exactly as an edit to catalog.py would.
Prints one JSON object; tests/test_catalog.py asserts on it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import tempfile
from pathlib import Path

import duckdb

import drm_dashboard.catalog as catalog

NAME = "p99_wait_ms"
NEW = catalog.Metric(NAME, "p99 queue wait", "ms", "duration_ms", "performance", NAME,
                     higher_is_better=False, detect=True, forecast=True, summary=True,
                     axis="ms, 99th percentile")
catalog.CATALOG = catalog.CATALOG + (NEW,)
catalog.METRICS = {m.name: m for m in catalog.CATALOG}

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drm_fakes import FakeClock, make_snapshot  # noqa: E402

from drm_dashboard.analytics.alert_config import parse_alert_config  # noqa: E402
from drm_dashboard.analytics.alert_rules import metric_unit  # noqa: E402
from drm_dashboard.analytics.alerts import AlertEngine  # noqa: E402
from drm_dashboard.analytics.pipeline import AnalyticsPipeline  # noqa: E402
from drm_dashboard.models import PerformanceSample, SourceHealth  # noqa: E402
from drm_dashboard.report.summary import RunFacts, kpis, run_summary  # noqa: E402
from drm_dashboard.report.writer import render_html  # noqa: E402
from drm_dashboard.store.history import HistoryStore  # noqa: E402
from drm_dashboard.store.live import LiveStore  # noqa: E402
from drm_dashboard.ui.figures.performance import KPIS  # noqa: E402
from drm_dashboard.ui.regressions import WATCHED  # noqa: E402
from drm_dashboard.ui.units import value_text  # noqa: E402


@dataclasses.dataclass(frozen=True)
class Performance(PerformanceSample):
    """The source's side of a new KPI: its record carries one more field."""

    p99_wait_ms: float | None = None


def _snapshot(clock: FakeClock, value: float):
    snap = make_snapshot(clock.advance(5.0))
    perf = Performance(**dataclasses.asdict(snap.performance), p99_wait_ms=value)
    return dataclasses.replace(snap, performance=perf)


def _old_history_file(path: Path) -> None:
    """A history file written before the KPI existed: its performance table lacks the column."""
    with HistoryStore(path) as history:
        history.append(_snapshot(FakeClock(1_600_000_000.0), 50.0))
        history.flush()
    con = duckdb.connect(str(path))
    con.execute(f'ALTER TABLE performance_metrics DROP COLUMN "{NAME}"')
    con.close()


def main() -> None:
    clock = FakeClock()
    live = LiveStore(retention_s=1e6, clock=clock)
    # every finding alerts: the detector's calibration is not what this checks
    rules = parse_alert_config({"threshold": [{"name": "p99-slow", "metric": NAME, "above": 500}],
                                "regression": {"min_confidence": 0.0}})
    engine = AlertEngine(rules, interval_s=5.0, clock=clock)
    pipe = AnalyticsPipeline(engine, clock=clock, thresholds={NAME: 500.0})
    health, alerts = SourceHealth("live"), []
    for i in range(80):  # 40 ticks near 100 ms, a step to 300 ms, and one 900 ms tick at the end
        value = 900.0 if i == 79 else (100.0 if i < 40 else 300.0) + (i % 3 - 1) * 2.0
        snap = _snapshot(clock, value)
        live.ingest(snap)
        alerts += pipe.process(live.view().series, snap, health)
    report = pipe.report
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old.duckdb"
        _old_history_file(path)
        with HistoryStore(path) as history:  # opening adds the column; old rows read NULL
            history.append(_snapshot(clock, 120.0))
            history.flush()
            stored = [None if v != v else v
                      for v in history.query("performance_metrics", 0, clock.now + 1)[NAME].tolist()]
    view = live.view()
    facts = RunFacts("test", True, float(view.timestamps[0]), clock.now, health, findings=report.findings)
    page = render_html(view, run_summary(view, facts))
    print(json.dumps({
        "report": [m.group(0) for m in re.finditer(r"<td>p99 queue wait</td><td>[^<]*ms</td><td>[^<]*ms</td>"
                                                   r"|\"name\": *\"P99 queue wait\"", page)],
        "live_column": int(sum(v == v for v in live.view().performance[NAME])),
        "detector": NAME in report.statuses,
        "findings": [f.direction for f in report.findings if f.metric == NAME],
        "forecast": NAME in report.forecasts,
        "eta": report.etas[NAME].message if NAME in report.etas else None,
        "alerts": [a.message for a in alerts if a.details.get("metric") == NAME],
        "unit": metric_unit(NAME),
        "summary_unit": kpis(live.view())[NAME]["unit"],
        "chart": list(KPIS[NAME][:3]) if NAME in KPIS else None,
        "watched": WATCHED.get(NAME),
        "value_text": value_text(NAME, 850.0),
        "history": stored,
    }))


if __name__ == "__main__":
    main()
