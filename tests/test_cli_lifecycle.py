"""The script's lifecycle: bad or locked history files, Ctrl-C without loss, --browser once serving."""

import signal
import subprocess
import sys
import re
import textwrap
from pathlib import Path

import duckdb
import pytest
import requests

from drm_fakes import wait_for

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "run_drm_real_time_dashboard.py")
pytestmark = pytest.mark.timeout(120)


def start(tmp_path, *flags, env=None):
    return subprocess.Popen([sys.executable, SCRIPT, "--host", "127.0.0.1", "--port", "0",
                             "--update-interval", "0.2", *flags], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def url_of(proc) -> str:
    """The URL the started dashboard prints first (port 0: the system chose it)."""
    line = proc.stdout.readline()
    assert "DRM dashboard at" in line, line + proc.stderr.read()
    return line.split(" at ")[1].split()[0]


def ticks_done(url: str) -> int:
    """Collector ticks so far, as the dashboard's /metrics tells them (0 before the first)."""
    found = re.search(r"over the last (\d+) ticks", requests.get(url + "metrics", timeout=10).text)
    return int(found.group(1)) if found else 0


def test_not_a_database_exits_2_naming_the_file_and_leaves_it_untouched(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"these are my notes, not a database\n" * 100)
    before = notes.read_bytes()
    proc = subprocess.run([sys.executable, SCRIPT, "--db-path", str(notes), "--port", "0"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "notes.txt" in proc.stderr
    assert notes.read_bytes() == before


def test_locked_database_exits_2_naming_the_file(tmp_path):
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(db)!r}); print("held", flush=True); time.sleep(60)""")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        size = db.stat().st_size
        proc = subprocess.run([sys.executable, SCRIPT, "--db-path", str(db), "--port", "0"],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "held.duckdb" in proc.stderr
        assert db.stat().st_size == size
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_ctrl_c_stops_cleanly_and_keeps_every_collected_tick(tmp_path):
    db = tmp_path / "kept.duckdb"
    proc = start(tmp_path, "--db-path", str(db))
    url = url_of(proc)
    # fewer ticks than one history batch (12): only the final flush saves them
    assert wait_for(lambda: ticks_done(url) >= 5, timeout=60)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from system_metrics").fetchone()[0] >= 5


def test_browser_opens_only_once_the_page_answers(tmp_path):
    record = tmp_path / "opened.txt"
    opener = tmp_path / "opener.py"
    opener.write_text(textwrap.dedent(f"""
        import sys, urllib.request
        status = urllib.request.urlopen(sys.argv[1], timeout=5).status
        open({str(record)!r}, "w").write(f"{{sys.argv[1]}} {{status}}")"""))
    env = {"BROWSER": f"{sys.executable} {opener} %s", "PATH": "/usr/bin:/bin"}
    proc = start(tmp_path, "--db-path", str(tmp_path / "b.duckdb"), "--browser", env=env)
    try:
        url = url_of(proc)
        assert wait_for(record.exists, timeout=30)
        assert wait_for(lambda: record.read_text() == f"{url} 200", timeout=5), record.read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def _serve_and_stop(tmp_path, *flags):
    """Start the dashboard with stderr on a pipe, ask for three pages, stop it; (stdout, stderr)."""
    proc = start(tmp_path, "--db-path", str(tmp_path / "logs.duckdb"), *flags)
    try:
        url = url_of(proc)
        for path in ("", "_dash-layout", "metrics"):
            assert requests.get(url + path, timeout=20).ok
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return out, err


def test_requests_are_not_logged_by_default_and_a_pipe_gets_no_colour_codes(tmp_path):
    out, err = _serve_and_stop(tmp_path)
    assert "serving http://127.0.0.1:" in err  # logging is on: the server's line is there
    assert "GET /" not in err and "\x1b[" not in out + err


@pytest.mark.parametrize("flag", ["--access-log", "--debug"])
def test_access_log_or_debug_logs_one_plain_line_per_request(tmp_path, flag):
    out, err = _serve_and_stop(tmp_path, flag)
    requests_logged = [line for line in err.splitlines() if "drm_dashboard.access:" in line]
    assert [line.split(": ", 1)[1].split()[1:4] for line in requests_logged] == [
        ["GET", "/", "200"], ["GET", "/_dash-layout", "200"], ["GET", "/metrics", "200"]]
    assert "\x1b[" not in out + err
