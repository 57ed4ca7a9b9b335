"""The script's lifecycle: bad or locked history files, Ctrl-C without loss, --browser once serving."""

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from drm_fakes import free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "run_drm_real_time_dashboard.py")
pytestmark = pytest.mark.timeout(120)


def start(tmp_path, *flags, env=None):
    return subprocess.Popen([sys.executable, SCRIPT, "--host", "127.0.0.1", "--port", str(free_port()),
                             "--update-interval", "0.2", *flags], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_not_a_database_exits_2_naming_the_file_and_leaves_it_untouched(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"these are my notes, not a database\n" * 100)
    before = notes.read_bytes()
    proc = subprocess.run([sys.executable, SCRIPT, "--db-path", str(notes), "--port", str(free_port())],
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
        proc = subprocess.run([sys.executable, SCRIPT, "--db-path", str(db), "--port", str(free_port())],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "held.duckdb" in proc.stderr
        assert db.stat().st_size == size
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_ctrl_c_stops_cleanly_and_keeps_every_collected_tick(tmp_path):
    db = tmp_path / "kept.duckdb"
    proc = start(tmp_path, "--db-path", str(db))
    assert "DRM dashboard at" in proc.stdout.readline()
    time.sleep(2.0)  # about ten ticks, fewer than one history batch: only the final flush saves them
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
        url = proc.stdout.readline().split(" at ")[1].split()[0]
        assert wait_for(record.exists, timeout=30)
        assert wait_for(lambda: record.read_text() == f"{url} 200", timeout=5), record.read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
