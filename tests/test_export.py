"""`drm-dashboard export`: a time range of history to CSV, Parquet and JSON; clear one-line failures."""

import csv
import json
import subprocess
import sys

import duckdb
import pytest

from drm_dashboard.cli import main as cli_main
from drm_dashboard.export import export_history, main
from drm_dashboard.store.history import TABLES, HistoryStore
from drm_fakes import make_snapshot

T0 = 1_700_000_000.0
TICKS, WORKERS = 12, 3


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "history.duckdb"
    with HistoryStore(path) as history:
        for i in range(TICKS):
            history.append(make_snapshot(T0 + 5 * i, WORKERS))
    return path


def test_csv_holds_exactly_the_rows_of_the_range(db, tmp_path):
    files = export_history(db, tmp_path, "csv", start=T0 + 10, end=T0 + 30)
    assert [f.table for f in files] == list(TABLES)
    rows = {f.table: f.rows for f in files}
    assert rows["system_metrics"] == 5 and rows["worker_metrics"] == 5 * WORKERS
    with (tmp_path / "system_metrics.csv").open() as fh:
        read = list(csv.DictReader(fh))
    assert [float(r["ts"]) for r in read] == [T0 + 10 + 5 * i for i in range(5)]
    assert read[0]["time_utc"] == "2023-11-14 22:13:30"


def test_parquet_and_json_round_trip(db, tmp_path):
    export_history(db, tmp_path / "pq", "parquet", start=T0, end=T0 + 55)
    with duckdb.connect() as con:
        count = con.execute("SELECT count(*) FROM read_parquet(?)",
                            [str(tmp_path / "pq" / "worker_metrics.parquet")]).fetchone()[0]
    assert count == TICKS * WORKERS
    export_history(db, tmp_path / "js", "json", start=T0 + 50)
    data = json.loads((tmp_path / "js" / "system_metrics.json").read_text())
    assert [row["ts"] for row in data] == [T0 + 50, T0 + 55]


def test_the_cli_dispatches_export_and_takes_last_and_iso_times(db, tmp_path, capsys):
    out = tmp_path / "cli"
    assert cli_main(["export", "--db-path", str(db), "--format", "json", "--output-dir", str(out),
                     "--end", "2023-11-14T22:14:15+00:00", "--last", "15s",
                     "--tables", "system_metrics,performance_metrics"]) == 0
    assert "system_metrics: 4 rows" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["performance_metrics.json", "system_metrics.json"]


def test_samples_a_visualization_keeps_in_history_can_be_exported(tmp_path, clock):
    from drm_dashboard.manager import DynamicResourceManager
    from drm_dashboard.report.visualization import DRMVisualization
    manager = DynamicResourceManager(clock=clock)
    manager.register_worker("w1", {"cpu": {"cores": 8}, "memory": {"total_mb": 16384}})
    viz = DRMVisualization(manager, output_dir=tmp_path, db_path=tmp_path / "viz.duckdb", clock=clock)
    for _ in range(4):
        clock.advance(5)
        assert viz.collect_once()
    viz.cleanup()  # flushes and closes the history file
    files = export_history(tmp_path / "viz.duckdb", tmp_path / "out", "csv")
    assert {f.table: f.rows for f in files}["worker_metrics"] == 4


@pytest.mark.parametrize("args, message", [
    (["--start", str(T0 + 30), "--end", str(T0)], "--start is after --end"),
    (["--start", "yesterday-ish"], "is not a time"),
    (["--last", "3 fortnights"], "--last '3 fortnights'"),
    (["--tables", "system_metrics,nope"], "unknown table 'nope'"),
])
def test_a_bad_range_or_table_exits_2_with_one_line(db, tmp_path, capsys, args, message):
    assert main(["--db-path", str(db), "--output-dir", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_an_unknown_format_exits_2(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--db-path", str(db), "--format", "xlsx"])
    assert exit_.value.code == 2
    assert "invalid choice: 'xlsx'" in capsys.readouterr().err


def test_a_missing_database_is_not_created(tmp_path, capsys):
    assert main(["--db-path", str(tmp_path / "none.duckdb"), "--output-dir", str(tmp_path)]) == 2
    assert "none.duckdb does not exist" in capsys.readouterr().err
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.timeout(60)
def test_a_database_locked_by_another_process_gives_one_line(db, tmp_path, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["--db-path", str(db), "--output-dir", str(tmp_path)]) == 2
    finally:
        holder.kill()
        holder.wait(timeout=10)
    err = capsys.readouterr().err
    assert f"is locked by another process (pid {holder.pid})" in err
    assert err.count("\n") == 1
