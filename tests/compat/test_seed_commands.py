"""The guide's commands run from duckdb_api/distributed_testing, as the seeds print them."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from drm_fakes import free_port, port_is_free, wait_for

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "duckdb_api" / "distributed_testing"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
CHARTS = ("resource_utilization_heatmap", "scaling_history", "resource_allocation",
          "resource_efficiency", "cloud_resources")


@pytest.mark.timeout(300)
def test_the_integration_test_runner_is_our_demo(tmp_path):
    out = subprocess.run([sys.executable, "-m", "tests.run_drm_visualization_integration_test",
                          "--interactive", "--duration", "2", "--output-dir", str(tmp_path)],
                         cwd=HERE, env=ENV, capture_output=True, text=True, timeout=280)
    assert out.returncode == 0, out.stderr[-2000:]
    assert all((tmp_path / f"{name}.html").stat().st_size > 0 for name in CHARTS)
    assert (tmp_path / "index.html").exists()


@pytest.mark.timeout(300)
def test_the_monitoring_script_serves_the_drm_page_until_ctrl_c(tmp_path):
    port = free_port()
    # the script by its path from an empty directory: it writes its charts under the working one
    proc = subprocess.Popen([sys.executable, str(HERE / "run_dashboard_with_drm_visualization.py"),
                             "--host", "127.0.0.1", "--port", str(port)], cwd=tmp_path, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: proc.poll() is not None or not port_is_free(port), timeout=150)
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        page = requests.get(f"http://127.0.0.1:{port}/drm-dashboard", timeout=60)
        assert page.status_code == 200 and "drm-chart" in page.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert (tmp_path / "drm_visualizations").is_dir()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert port_is_free(port)
