"""The CI report's HTML: numbers with units, and only alert-worthy regressions under Regressions."""

from drm_dashboard.report.writer import _sections

T0 = 1_700_000_000.0


def _summary(regressions):
    stats = {"unit": "ms", "samples": 3, "last": 109.17853056657252, "mean": 2.44, "min": 1.0,
             "p95": 17_000.0, "max": 17_000.0}
    return {"source": "test", "simulated": False, "started": T0, "ended": T0 + 60, "ticks": 3,
            "workers_seen": 1, "kpis": {"allocation_time_ms": stats},
            "exit": {"status": 0, "because": "no alert"}, "regressions": regressions,
            "alerts": {"items": []}, "scaling_decisions": [],
            "source_health": {"state": "live", "reason": "", "events": []}}


def _finding(direction, confidence, metric="allocation_time_ms"):
    return {"metric": metric, "timestamp": T0, "before": 2.44, "after": 4.41, "change_pct": 80.7,
            "direction": direction, "confidence": confidence}


def test_kpis_are_formatted_with_units():
    page = _sections(_summary([]))
    assert "109.17853056657252" not in page and "109 ms" in page and "17.0 s" in page
    assert "allocation time" in page


def test_only_confident_regressions_are_listed():
    page = _sections(_summary([_finding("regression", 0.8), _finding("improvement", 0.9),
                               _finding("neutral", 0.9), _finding("regression", 0.2)]))
    assert page.count("2.44 ms → 4.41 ms") == 1 and "likely real (confidence 80%)" in page
    assert ("3 other changes (improvements, neutral moves, below 30% confidence, or shifts the alert "
            "rule leaves alone) not listed") in page


def test_the_report_lists_what_the_run_alerted_on():
    alerted = {**_finding("regression", 0.8), "alerted": True}
    wave = {**_finding("regression", 0.9, metric="queue_wait_ms"), "alerted": False}
    page = _sections({**_summary([alerted, wave]), "regression_min_confidence": 0.5})
    assert page.count("2.44 ms → 4.41 ms") == 1 and "queue wait" not in page.split("other change")[0]
    assert "1 other change (improvements, neutral moves, below 50% confidence" in page
