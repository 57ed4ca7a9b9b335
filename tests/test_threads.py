"""Every loop we run in the background is a BackgroundLoop: named, stoppable, joinable."""

import ast
import logging
import threading
from pathlib import Path

import pytest

from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.manager import DynamicResourceManager
from drm_dashboard.store.history import HistoryStore
from drm_dashboard.threads import BackgroundLoop, PeriodicLoop
from drm_dashboard.monitoring.integration import DRMVisualizationIntegration

# threads that are not loops of ours: waitress's request workers (its own pool)
SERVING = ("waitress",)


def _our_threads(before):
    return [t for t in threading.enumerate() if t not in before and not t.name.startswith(SERVING)]


def _is_loop(thread):
    target = getattr(thread, "_target", None)
    return isinstance(getattr(target, "__self__", None), BackgroundLoop)


@pytest.mark.timeout(60)
def test_coordinator_history_writer_and_chart_redraw_run_as_background_loops(tmp_path):
    before = set(threading.enumerate())
    coord = Coordinator("k", port=0, evaluate_every_s=60)
    history = HistoryStore(tmp_path / "h.duckdb", background=True)
    integration = DRMVisualizationIntegration(tmp_path / "charts", update_interval=60,
                                              resource_manager=DynamicResourceManager(), sample_interval=60)
    coord.start()
    integration.start()
    try:
        started = _our_threads(before)
        names = {t.name for t in started}
        assert {"drm-coordinator-housekeeping", "drm-history", "drm-viz-update", "drm-http"} <= names
        assert [t.name for t in started if not _is_loop(t)] == []
    finally:
        integration.stop()
        history.close()
        coord.stop()
    assert [t.name for t in started if t.is_alive()] == []


@pytest.mark.timeout(30)
def test_a_periodic_loop_logs_a_failing_round_and_keeps_going(caplog):
    rounds, two_more = [], threading.Event()

    def step():
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("first round breaks")
        if len(rounds) >= 3:
            two_more.set()

    loop = PeriodicLoop(step, 0.01, "drm-test-loop", first_now=True)
    with caplog.at_level(logging.ERROR, logger="drm_dashboard.threads"):
        loop.start()
        assert two_more.wait(20)
        loop.stop()
        assert loop.join(timeout=10) and not loop.is_alive
    assert [r.getMessage() for r in caplog.records] == ["drm-test-loop: a round failed"]


@pytest.mark.timeout(30)
def test_stopping_a_periodic_loop_does_not_wait_out_its_interval():
    ran = threading.Event()
    loop = PeriodicLoop(ran.set, 3600.0, "drm-test-slow", first_now=True)
    loop.start()
    assert ran.wait(10)
    loop.stop()
    # the hour-long wait is on the stop event: the thread ends at once, not in an hour
    assert loop.join(timeout=10)


def test_threads_py_is_the_only_module_that_creates_a_thread():
    package = Path(__file__).resolve().parents[1] / "drm_dashboard"
    creators = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "Thread":
                creators.add(str(path.relative_to(package)))
    assert creators == {"threads.py"}
