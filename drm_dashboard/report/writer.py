"""Write a run's report: a self-contained HTML page (plotly.js inline) and its JSON summary."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping

from ..store.view import LiveView
from ..ui.figures.overview import load_figure, utilization_figure
from ..ui.figures.performance import KPIS, kpi_figure
from ..ui.figures.scaling import timeline_figure
from ..ui.regressions import RULE, confidence_words
from ..ui.theme import THEMES, Theme
from ..ui.units import change_text, plural, value_text
from ..catalog import metric_info
from .page import figure_divs, page, when


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if rows else "<p class='muted'>None in this run.</p>"


def _kpi_rows(kpis: Mapping[str, Any]) -> list[list[Any]]:
    # every value with its unit, in the catalog's words; None (never sent) reads "not reported"
    return [[metric_info(name).label, *(value_text(name, s[k]) for k in ("last", "mean", "p95", "max"))]
            for name, s in kpis.items() if isinstance(s, dict) and s["samples"]]


def _alerting(r: Mapping[str, Any]) -> bool:
    """A regression the run's alert rule raised (a summary from before "alerted": the default rule)."""
    if r.get("direction") != "regression":
        return False
    if "alerted" in r:
        return bool(r["alerted"])
    # the summary's JSON has None for nan
    fields = {k: math.nan if v is None else v for k, v in {"worst_before": None, "after": None, **r}.items()}
    return RULE.raises(SimpleNamespace(**{**fields, "confidence": r.get("confidence") or 0.0}))


def _regression_rows(found: list[Mapping[str, Any]]) -> list[list[Any]]:
    return [[metric_info(r["metric"]).label, when(r.get("timestamp")),
             change_text(r["metric"], r.get("before"), r.get("after")),
             "—" if r.get("change_pct") is None else f"{r['change_pct']:+.0f}%",
             confidence_words(r.get("confidence") if r.get("confidence") is not None else float("nan"))]
            for r in found if _alerting(r)]


def _others(found: list[Mapping[str, Any]], min_confidence: float) -> str:
    k = sum(not _alerting(r) for r in found)
    return "" if not k else (f"<p class='muted'>{k} other change{'s' * (k != 1)} (improvements, neutral "
                             f"moves, below {min_confidence:.0%} confidence, or shifts the alert rule "
                             "leaves alone) not listed.</p>")


def _coverage_line(m: Mapping[str, Any] | None) -> str:
    """Polls that delivered data against those the run's length allowed, and its outages."""
    if not m:
        return ""
    return (f"<p>Coverage: {m['ticks_ok']} of {m['expected_ticks']:.0f} expected polls delivered data "
            f"({m['coverage']:.0%}; the run needs {m['min_coverage']:.0%}) · {m['ticks_failed']} failed · "
            f"{m['outages_total']} outage(s)</p>")


def _sections(summary: Mapping[str, Any]) -> str:
    exit_ = summary["exit"]
    verdict = "bad" if exit_["status"] else "ok"
    health = summary["source_health"]
    parts = [
        f"<p>Source: {html.escape(summary['source'])}{' (simulated load)' if summary['simulated'] else ''}"
        f" · {when(summary['started'])} to {when(summary['ended'])} · {plural(summary['ticks'], 'sample')}"
        f" · {plural(summary['workers_seen'], 'worker')} seen</p>",
        f"<p class='{verdict}'>Verdict: {html.escape(exit_['because'])}</p>",
        _coverage_line(summary.get("monitoring")),
        f"<p>Source health at the end: {html.escape(health['state'])} {html.escape(health['reason'])}</p>",
        "<h2>KPIs</h2>", _table(["KPI", "last", "mean", "p95", "max"], _kpi_rows(summary["kpis"])),
        "<h2>Regressions</h2>", _table(["metric", "when", "before → after", "change", "confidence"],
                                       _regression_rows(summary["regressions"])),
        _others(summary["regressions"], summary.get("regression_min_confidence", RULE.min_confidence)),
        "<h2>Alerts</h2>", _table(["time", "level", "source", "message"], [
            [when(a["timestamp"]), a["level"], a["source"], a["message"]] for a in summary["alerts"]["items"]]),
        "<h2>Scaling decisions</h2>", _table(["time", "action", "count", "reason"], [
            [when(d["timestamp"]), d["action"], d["count"], d["reason"]] for d in summary["scaling_decisions"]]),
        "<h2>Source health events</h2>", _table(["time", "state", "reason"], [
            [when(e["timestamp"]), e["state"], e["reason"]] for e in health["events"]]),
    ]
    return "\n".join(parts)


def _figures(view: LiveView, theme: Theme) -> str:
    figs = [("chart-utilization", utilization_figure(view, theme=theme)),
            ("chart-load", load_figure(view, theme=theme)),
            # the catalog's charts
            *((f"chart-{c}", kpi_figure(view, column=c, minutes=0, theme=theme)) for c in KPIS),
            ("chart-scaling", timeline_figure(view, theme=theme))]
    return "\n".join(figure_divs(figs, theme))


def render_html(view: LiveView, summary: Mapping[str, Any], theme_name: str = "light") -> str:
    """The whole report page as one string: the run's verdict and tables, then its charts."""
    theme = THEMES[theme_name]
    body = f"<h1>DRM run report</h1>{_sections(summary)}<h2>Charts</h2>{_figures(view, theme)}"
    return page("DRM run report", body, theme)


def write_report(dashboard: Any, summary: Mapping[str, Any], path: str) -> tuple[Path, Path]:
    """Write PATH (HTML) and PATH with .json (the summary); return both paths."""
    html_path = Path(path)
    json_path = html_path.with_suffix(".json")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    # several coordinators: the report draws all of them combined, as the summary counts them
    fleet = getattr(dashboard, "fleet", None)
    view = fleet.view() if fleet is not None else dashboard.live.view()
    html_path.write_text(render_html(view, summary, dashboard.settings.theme),
                         encoding="utf-8")
    json_path.write_text(json.dumps(summary, indent=1, allow_nan=False), encoding="utf-8")
    return html_path, json_path
