"""Hostile text and numbers: ids made safe for display, labels escaped, flags finite, clear file errors."""

import json
import subprocess
import sys

import duckdb
import pytest

from drm_dashboard.coordinator import agent, cli as coordinator_cli
from drm_dashboard.errors import StorageError
from drm_dashboard.models import Snapshot
from drm_dashboard.store.history import HistoryStore
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.figures.workers import heatmap_figure, worker_timeseries_figure
from drm_dashboard.ui.theme import THEMES
from drm_dashboard.validation import MAX_ID_CHARS, display_id, id_problem
from drm_dashboard.monitoring import cli as monitoring_cli
from drm_dashboard.report.figures_workers import allocation_figure

pytestmark = pytest.mark.timeout(120)
LINK = '<a href="https://evil.example/login">sign in</a>'
LONG = "w" * 60_000


def _worker(status="active"):
    return {"status": status, "utilization": {"cpu": 0.5, "memory": 0.4, "gpu": None, "overall": 0.45},
            "allocated": {"cpu": 0.2, "memory": 0.1}, "tasks": 1,
            "resources": {"cpu": {"cores": 4}, "memory": {"total_mb": 1024}}, "last_heartbeat": 1.0}


def _snapshot(ids, ts=1_700_000_000.0):
    stats = {"timestamp": ts, "total_workers": len(ids), "active_workers": len(ids), "active_tasks": 0,
             "overall_utilization": {"cpu": 0.5, "memory": 0.4, "gpu": None, "overall": 0.45},
             "workers": {i: _worker() for i in ids}}
    return Snapshot.from_json(stats)


def test_hostile_ids_from_a_source_are_made_safe_to_show():
    snap = _snapshot([LONG, "rack/7", "a\nERROR forged", LINK, LONG + "x"])
    ids = [w.worker_id for w in snap.workers]
    assert all(id_problem(i) is None or len(i) <= MAX_ID_CHARS for i in ids)
    assert max(len(i) for i in ids) <= MAX_ID_CHARS and len(set(ids)) == 5  # two long ids stay apart
    assert "rack/7" in ids and "a\ufffdERROR forged" in ids and LINK in ids
    assert display_id("gpu-box-1") == "gpu-box-1"


def test_markup_in_a_worker_id_reaches_charts_as_text():
    live = LiveStore(retention_s=3600, clock=lambda: 1_700_000_010.0)
    for k in range(3):
        live.ingest(_snapshot([LINK, "<b>bold</b>", LONG], ts=1_700_000_000.0 + 5 * k))
    view = live.view()
    theme = THEMES["dark"]
    lines = worker_timeseries_figure(view, worker_ids=list(view.worker_ids), metric="cpu", theme=theme)
    heat = heatmap_figure(view, metric="cpu", theme=theme)
    bars = allocation_figure(view, theme=theme)
    shown = [t.name for t in lines.data] + list(heat.data[0].y) + list(bars.data[0].x)
    assert shown and all("<" not in s and ">" not in s for s in shown)
    assert "&lt;a href=\"https://evil.example/login\"&gt;sign in&lt;/a&gt;" in shown
    assert max(len(s) for s in shown) <= MAX_ID_CHARS + 20  # truncated (entities add a few)


@pytest.mark.parametrize("main, argv, flag", [
    (coordinator_cli.main, ["--api-key", "k", "--evaluate-every", "nan"], "--evaluate-every"),
    (coordinator_cli.main, ["--api-key", "k", "--evaluate-every", "inf"], "--evaluate-every"),
    (coordinator_cli.main, ["--api-key", "k", "--heartbeat-timeout", "-1"], "--heartbeat-timeout"),
    (agent.main, ["--coordinator", "http://127.0.0.1:1", "--api-key", "k", "--interval", "nan"], "--interval"),
    (agent.main, ["--coordinator", "http://127.0.0.1:1", "--api-key", "k", "--worker-id", "a/b"], "--worker-id"),
    (monitoring_cli.main, ["--sample-interval", "inf"], "--sample-interval"),
    (coordinator_cli.main, ["--api-key-file", "/nonexistent/key"], "--api-key-file: /nonexistent/key is not a readable file"),
    (agent.main, ["--coordinator", "http://127.0.0.1:1", "--api-key-file", "/nonexistent/key"], "--api-key-file"),
    (monitoring_cli.main, ["--update-interval", "1e-9"], "--update-interval"),
])
def test_numeric_flags_must_be_finite_and_in_range(capsys, main, argv, flag):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and flag in err


@pytest.mark.parametrize("argv, words", [
    (["--update-interval", "1e-9"], "--update-interval must be a finite number between 0.1"),
    (["--update-interval", "nan"], "--update-interval must be a finite number"),
    (["--retention", "inf"], "--retention must be a finite number"),
    (["--inject-regression", "allocation_time@nan"], "--inject-regression must be METRIC[*FACTOR]@MINUTE"),
    (["--host", "0.0.0.0"], "refusing to serve 0.0.0.0 without authentication"),
])
def test_the_dashboard_refuses_bad_numbers_and_an_open_bind_in_one_line(tmp_path, argv, words):
    cmd = [sys.executable, "-c", "import sys; from drm_dashboard.cli import main; sys.exit(main())",
           "--port", "0", "--db-path", str(tmp_path / "h.duckdb"), *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and words in done.stderr, done.stderr


def test_insecure_no_auth_serves_an_open_bind_with_a_warning(tmp_path):
    cmd = [sys.executable, "-c", "import sys; from drm_dashboard.cli import main; sys.exit(main())",
           "--host", "0.0.0.0", "--port", "0", "--insecure-no-auth", "--duration", "1",
           "--db-path", str(tmp_path / "h.duckdb")]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    assert "NO authentication (--insecure-no-auth)" in done.stderr


def test_a_damaged_history_file_is_not_called_locked(tmp_path):
    path = tmp_path / "h.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    con.close()
    data = bytearray(path.read_bytes())
    for offset in range(3 * 4096, len(data), 997):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError) as err:
        HistoryStore(str(path)).close()
    message = str(err.value)
    assert "damaged" in message and "locked" not in message and "\n" not in message


def test_a_history_file_held_by_another_process_is_called_locked(tmp_path):
    path = tmp_path / "h.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StorageError, match=rf"is locked by another process \(pid {holder.pid}\)"):
            HistoryStore(str(path)).close()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.parametrize("text", ['{"a": [1, {"b": "[[[["}]}', '{"a": "\\\\", "b": [["x"]]}',
                                  '{"a": "\\\\\\"[[[", "b": [["x"]]}', '[[["]]]"]]]', "[]", "{}", "1"])
def test_json_depth_counts_brackets_outside_strings_as_the_parser_nests(text):
    from drm_dashboard.validation import json_depth

    def nesting(value):
        kids = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        return (1 + max(map(nesting, kids), default=0)) if isinstance(value, (dict, list)) else 0

    assert json_depth(text.encode()) == nesting(json.loads(text))
