"""CI mode through the real script: --duration, --no-server, --report, --fail-on, --min-coverage.

Exit statuses: 0 passed, 1 an alert at --fail-on fired, 2 bad flag or config, 3 not monitored.
Runs against the real reference coordinator on port 0; short runs at a 0.2 s interval.
"""

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from drm_dashboard.coordinator.service import Coordinator
from drm_fakes import free_port

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "run_drm_real_time_dashboard.py")
KEY = "ci-key-7d3f90b2"
WRONG = "ci-wrong-key-55e1"
REJECTED = "the coordinator rejected the API key (HTTP 401)"
pytestmark = pytest.mark.timeout(120)


def command(tmp_path, *flags, duration="3", interval="0.5"):
    return [sys.executable, SCRIPT, "--duration", duration, "--no-server", "--update-interval", interval,
            "--db-path", str(tmp_path / "ci.duckdb"), *flags]


def run(tmp_path, *flags, **kw):
    return subprocess.run(command(tmp_path, *flags, **kw), capture_output=True, text=True, timeout=100,
                          cwd=tmp_path)


def verdict_line(proc):
    """The one line that fails the run (log lines about failed polls come before it)."""
    lines = [line for line in proc.stderr.splitlines() if "failing the run" in line]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture
def coordinator():
    c = Coordinator(KEY, port=0, evaluate_every_s=3600)
    c.start()
    yield c
    c.stop()


def test_timed_headless_run_writes_report_and_summary(tmp_path):
    proc = run(tmp_path, "--report", str(tmp_path / "out" / "run.html"), "--fail-on", "critical")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "run.json").read_text())
    assert summary["ticks"] >= 4 and summary["simulated"] is True
    assert summary["kpis"]["total_workers"]["last"] >= 1
    assert summary["exit"] == {"fail_on": "critical", "min_coverage": 0.9, "status": 0, "monitored": True,
                               "because": "no alert at critical or above",
                               "alerts": {"status": 0, "because": "no alert at critical or above"}}
    assert summary["monitoring"]["coverage"] >= 0.9 and summary["monitoring"]["ticks_failed"] == 0
    page = (tmp_path / "out" / "run.html").read_text()
    assert "DRM run report" in page and "plotly" in page.lower()
    m = summary["monitoring"]
    assert f"Coverage: {m['ticks_ok']} of {m['expected_ticks']:.0f} expected polls delivered data" in page
    assert 'src="http' not in page  # plotly.js is inline, no script from the network: opens offline


def test_a_sped_up_demo_counts_its_polls_on_the_wall_clock(tmp_path):
    # the run's clock runs 30x: 3 s of polling every 0.5 s are 6 polls, not 3 * 30 / 0.5 = 180
    proc = run(tmp_path, "--demo-speed", "30", "--report", str(tmp_path / "run.html"))
    assert proc.returncode == 0, proc.stderr
    m = json.loads((tmp_path / "run.json").read_text())["monitoring"]
    assert 4 <= m["expected_ticks"] <= 7 and m["coverage"] >= 0.9


def test_no_server_without_duration_is_a_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, "--no-server"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--duration" in proc.stderr


@pytest.mark.parametrize("value", ["0", "1.5", "nan", "most"])
def test_a_bad_min_coverage_is_a_one_line_error(tmp_path, value):
    proc = subprocess.run([sys.executable, SCRIPT, "--duration", "1", "--no-server", "--min-coverage", value],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--min-coverage" in proc.stderr


def test_fail_on_turns_a_raised_alert_into_exit_1_and_a_bad_rules_file_into_exit_2(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[threshold]]\nname = "any-workers"\nmetric = "total_workers"\nabove = 0\n'
                     'for = "0s"\nseverity = "error"\n')
    proc = run(tmp_path, "--alert-config", str(rules), "--fail-on", "error")
    assert proc.returncode == 1, proc.stderr
    # the verdict names how many alerts failed the run and quotes the firing one
    line = verdict_line(proc)
    assert "failing the run: 1 alert(s) at error or above fired, e.g. [error] any-workers: total_workers" \
        in line
    proc = run(tmp_path, "--alert-config", str(rules), "--fail-on", "critical")
    assert proc.returncode == 0, proc.stderr
    # the same history file, default rules: the earlier run's error alert is not this run's verdict
    proc = run(tmp_path, "--fail-on", "error", "--report", str(tmp_path / "second.html"))
    assert proc.returncode == 0, proc.stderr
    second = json.loads((tmp_path / "second.json").read_text())
    assert second["alerts"]["counts"]["error"] == 0 and 4 <= second["ticks"] <= 9
    rules.write_text('[[threshold]]\nname = "typo"\nmetric = "cpu_use"\nabove = 1\n')
    bad = run(tmp_path, "--alert-config", str(rules))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cpu_use" in bad.stderr


def test_clean_run_against_the_coordinator_passes(tmp_path, coordinator):
    proc = run(tmp_path, "--drm-url", coordinator.url, "--api-key", KEY, "--fail-on", "error",
               "--report", str(tmp_path / "ok.html"), duration="2", interval="0.2")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "ok.json").read_text())
    assert summary["exit"]["monitored"] is True and summary["source_health"]["state"] == "live"
    m = summary["monitoring"]
    assert m["ticks_ok"] >= 0.9 * m["expected_ticks"] and m["outages"] == []


def test_wrong_key_is_not_monitored_with_its_own_status_and_line(tmp_path, coordinator):
    proc = run(tmp_path, "--drm-url", coordinator.url, "--api-key", WRONG, "--fail-on", "error",
               "--report", str(tmp_path / "key.html"), duration="2", interval="0.2")
    assert proc.returncode == 3, proc.stderr
    assert verdict_line(proc).endswith(
        f"failing the run: not monitored: none of 1 poll(s) of coordinator {coordinator.url} "
        f"succeeded in 2 s: {REJECTED}")
    assert WRONG not in proc.stderr + proc.stdout
    summary = json.loads((tmp_path / "key.json").read_text())
    # judged at the end of the run: the source-down rule fired though the next try was 5 s away
    fired = [a["message"] for a in summary["alerts"]["items"] if a["details"]["rule"] == "source-down"]
    assert fired == [f"Metrics source down for 2 s: {REJECTED}"]
    assert summary["monitoring"]["ticks_ok"] == 0 and summary["source_health"]["next_try"] is not None


def test_nothing_listening_is_not_monitored(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    proc = run(tmp_path, "--drm-url", url, "--api-key", KEY, "--fail-on", "error",
               duration="2", interval="0.2")
    assert proc.returncode == 3, proc.stderr
    line = verdict_line(proc)
    assert "failing the run: not monitored: none of " in line
    assert f"poll(s) of coordinator {url} succeeded in 2 s: connection refused" in line


class StderrWatch:
    """Reads a child's stderr as it comes, so the test can act on what the dashboard logged."""

    def __init__(self, proc):
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc):
        for line in proc.stderr:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()

    def wait_for(self, words, timeout=30.0):
        with self._cond:
            return self._cond.wait_for(lambda: any(words in line for line in self.lines), timeout)

    def text(self):
        self._thread.join(timeout=30)
        return "".join(self.lines)


def _count_snapshots(coordinator, n):
    """An event set once the coordinator has served n snapshots (its manager counts the reads)."""
    served, reached = [0], threading.Event()
    real = coordinator.manager.get_worker_statistics

    def counted(*args, **kwargs):
        served[0] += 1
        if served[0] >= n:
            reached.set()
        return real(*args, **kwargs)

    coordinator.manager.get_worker_statistics = counted
    return reached


def test_a_401_in_mid_run_leaves_coverage_below_the_minimum(tmp_path):
    """The coordinator restarts with another key, then with the right one again, on the same port."""
    first = Coordinator(KEY, port=0, evaluate_every_s=3600)
    first.start()
    port, coordinators = first.port, [first]
    served = _count_snapshots(first, 5)
    report = tmp_path / "blip.html"
    proc = subprocess.Popen(command(tmp_path, "--drm-url", first.url, "--api-key", KEY, "--fail-on", "error",
                                    "--report", str(report), duration="10", interval="0.2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    watch = StderrWatch(proc)
    try:
        assert served.wait(60), "the dashboard never polled the coordinator"
        first.stop()
        coordinators.append(Coordinator("another-key", port=port, evaluate_every_s=3600))
        coordinators[-1].start()
        assert watch.wait_for(REJECTED), "the dashboard never saw the 401"
        # the right key again: the next try, 5 s after the 401, succeeds and the interval returns
        coordinators[-1].stop()
        coordinators.append(Coordinator(KEY, port=port, evaluate_every_s=3600))
        coordinators[-1].start()
        assert proc.wait(timeout=90) == 3, watch.text()
    finally:
        proc.kill()
        proc.wait(timeout=30)
        for c in coordinators[1:]:
            c.stop()
    line = [line for line in watch.text().splitlines() if "failing the run" in line]
    assert len(line) == 1 and "failing the run: not monitored: " in line[0], watch.text()
    assert "expected polls succeeded" in line[0] and "below --min-coverage 0.9" in line[0]
    summary = json.loads(report.with_suffix(".json").read_text())
    m = summary["monitoring"]
    assert 5 <= m["ticks_ok"] < 0.9 * m["expected_ticks"]
    assert m["expected_ticks"] == int(m["duration_s"] // 0.2) and m["ticks_failed"] >= 1
    assert summary["source_health"]["state"] == "live"  # recovered before the end: coverage decides
    assert any(REJECTED in e["reason"] for e in summary["source_health"]["events"])
    assert m["outages"] and all(o["end"] is not None for o in m["outages"])
