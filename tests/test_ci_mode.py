"""CI mode: --duration, --no-server, --report and --fail-on, through the real script."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.timeout(120)


def run(tmp_path, *flags):
    return subprocess.run([sys.executable, str(ROOT / "run_drm_real_time_dashboard.py"), "--duration", "3",
                           "--no-server", "--update-interval", "0.5", "--db-path",
                           str(tmp_path / "ci.duckdb"), *flags],
                          capture_output=True, text=True, timeout=100, cwd=tmp_path)


def test_timed_headless_run_writes_report_and_summary(tmp_path):
    proc = run(tmp_path, "--report", str(tmp_path / "out" / "run.html"), "--fail-on", "critical")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "run.json").read_text())
    assert summary["ticks"] >= 4 and summary["simulated"] is True
    assert summary["kpis"]["total_workers"]["last"] >= 1
    assert summary["exit"] == {"fail_on": "critical", "status": 0, "because": "no alert at critical or above"}
    page = (tmp_path / "out" / "run.html").read_text()
    assert "DRM run report" in page and "plotly" in page.lower()
    assert 'src="http' not in page  # plotly.js is inline, no script from the network: opens offline


def test_no_server_without_duration_is_a_one_line_error(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "run_drm_real_time_dashboard.py"), "--no-server"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--duration" in proc.stderr


def test_fail_on_turns_a_raised_alert_into_exit_1_and_a_bad_rules_file_into_exit_2(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[threshold]]\nname = "any-workers"\nmetric = "total_workers"\nabove = 0\n'
                     'for = "0s"\nseverity = "error"\n')
    proc = run(tmp_path, "--alert-config", str(rules), "--fail-on", "error")
    assert proc.returncode == 1, proc.stderr
    # the verdict names how many alerts failed the run and quotes the worst
    assert "failing the run: 1 alert(s) at error or above" in proc.stderr
    assert "total_workers" in proc.stderr
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
