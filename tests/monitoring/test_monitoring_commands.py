"""The integration demo and the monitoring script: real runs, flags, and clean shutdowns."""

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from drm_dashboard.cli_common import parse_settings
from drm_dashboard.sources.coordinator import CoordinatorSource
from drm_dashboard import integration_demo as demo
from drm_dashboard.monitoring import cli as monitoring_cli
from drm_dashboard.report.charts import CHARTS
from drm_fakes import port_is_free

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)  # it writes every chart: minutes on a loaded two-core machine
def test_the_demo_runs_a_workload_serves_it_and_writes_every_chart_and_the_dashboard(tmp_path):
    args = parse_settings(demo.build_parser("demo"), demo.DemoSettings,
                          ["--interactive", "--dashboard", "--port", "0", "--output-dir", str(tmp_path),
                           "--duration", "1.5", "--speed", "400"], environ={})
    started = time.time()
    run = demo.run_demo(args)
    ended = time.time()
    try:
        assert sorted(run.charts) == sorted(CHARTS)
        assert all(p.suffix == ".html" and p.exists() for p in run.charts.values())
        assert run.dashboard == tmp_path / "index.html"
        assert requests.get(run.url, timeout=10).ok  # --dashboard: the live page keeps serving
        summary = json.loads((tmp_path / "summary.json").read_text())
        assert summary["samples"] >= 20 and summary["workers"] >= 1
        assert summary["tasks_completed"] > 0 and summary["cost"]["total"] > 0
        assert summary["cost_per_task"] == pytest.approx(summary["cost"]["total"] / summary["tasks_completed"])
        # the demo's simulated time ends at the wall clock, so its charts read as "just now"
        assert started <= summary["window_end"] <= ended
    finally:
        run.visualization.cleanup()


@pytest.mark.parametrize("argv, message", [(["--duration", "0"], "--duration must be above 0"),
                                           (["--speed", "0.5"], "--speed must be at least 1")])
def test_demo_flags_are_checked(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        demo.main(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def _integration(argv, tmp_path):
    settings = parse_settings(monitoring_cli.build_parser("m"), monitoring_cli.MonitoringSettings,
                              [*argv, "--output-dir", str(tmp_path / "o"), "--dashboard-dir",
                               str(tmp_path / "d")], environ={})
    return monitoring_cli.build_integration(settings)


def test_no_mock_means_a_real_empty_manager_or_a_coordinator(tmp_path):
    integration, driver = _integration(["--no-mock"], tmp_path)
    assert driver is None and not integration.simulated
    assert integration.get_resource_summary().workers == 0
    coordinator, driver = _integration(["--no-mock", "--drm-url", "http://127.0.0.1:9"], tmp_path)
    assert driver is None and isinstance(coordinator.visualization.source, CoordinatorSource)
    simulated, driver = _integration([], tmp_path)
    assert simulated.simulated and driver is not None
    assert simulated.visualization.cloud is not None


def test_a_taken_port_is_one_line_and_exit_2(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        status = monitoring_cli.main(["--host", "127.0.0.1", "--port", str(port), "--no-mock",
                                      "--output-dir", str(tmp_path / "o"),
                                      "--dashboard-dir", str(tmp_path / "d")])
    assert status == 2
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_the_monitoring_script_serves_drm_dashboard_and_stops_on_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_dashboard_with_drm_visualization.py"), "--host", "127.0.0.1",
         "--port", "0", "--update-interval", "5", "--output-dir", str(tmp_path / "o"),
         "--dashboard-dir", str(tmp_path / "d")], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        url = re.search(r"at (http://\S+/drm-dashboard)", line).group(1)
        page = requests.get(url, timeout=20).text
        assert "simulated load" in page and "drm-kpi-value" in page
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert port_is_free(int(url.split(":")[2].split("/")[0]))


@pytest.mark.timeout(60)
def test_both_scripts_answer_help():
    for script in ("run_dashboard_with_drm_visualization.py", "run_drm_integration_demo.py"):
        out = subprocess.run([sys.executable, str(ROOT / script), "--help"], capture_output=True,
                             text=True, timeout=30)
        assert out.returncode == 0 and "--output-dir" in out.stdout
