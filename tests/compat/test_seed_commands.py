"""The guide's commands run from duckdb_api/distributed_testing, as the seeds print them."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from drm_fakes import port_is_free

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
    # the script by its path from an empty directory: it writes its charts under the working one;
    # port 0, and the URL line says which port it got
    proc = subprocess.Popen([sys.executable, str(HERE / "run_dashboard_with_drm_visualization.py"),
                             "--host", "127.0.0.1", "--port", "0"], cwd=tmp_path, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = None
    try:
        line = proc.stdout.readline()
        assert "DRM dashboard at http://127.0.0.1:" in line, proc.communicate()[1][-2000:]
        url = line.split(" at ")[1].split()[0]
        port = int(url.split(":")[2].split("/")[0])
        page = requests.get(url, timeout=60)
        assert page.status_code == 200 and "drm-chart" in page.text
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        assert (tmp_path / "drm_visualizations").is_dir()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert port is not None and port_is_free(port)
