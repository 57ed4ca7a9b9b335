"""HistoryStore: a real DuckDB file; bulk writes, round trips, warm start, safe opening."""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from drm_dashboard.errors import StorageError
from drm_dashboard.models import Alert
from drm_dashboard.store import HistoryStore, LiveStore
from drm_fakes import wait_for

T0 = 1_700_000_000.0
WORKERS = ("w0", "w1", "w2")
pytestmark = pytest.mark.timeout(60)


def alert(aid, ts, level="warning", message="cpu above 90%"):
    return Alert(id=aid, timestamp=ts, level=level, source="threshold", message=message,
                 details={"metric": "cpu", "value": 93.5, "workers": ["w1"]})


def write_ticks(history, make_snapshot, n, *, live=None, start=T0, ids=WORKERS):
    for k in range(n):
        snap = make_snapshot(start + 5 * k, ids, tick=k, gpu=k % 2 == 0, performance=k != 1)
        history.append(snap)
        if live is not None:
            live.ingest(snap)


def test_path_without_folder_part(tmp_path, monkeypatch, make_snapshot):
    monkeypatch.chdir(tmp_path)
    with HistoryStore("plain.duckdb") as history:
        write_ticks(history, make_snapshot, 2)
    assert (tmp_path / "plain.duckdb").exists()


def test_missing_parent_folder_is_created(tmp_path):
    path = tmp_path / "a" / "b" / "history.duckdb"
    HistoryStore(path).close()
    assert path.exists()


def test_rows_round_trip_in_percent(tmp_path, make_snapshot):
    with HistoryStore(tmp_path / "h.duckdb") as history:
        write_ticks(history, make_snapshot, 3)
        assert history.flush() == 3 + 2 + 9
        assert history.flush() == 0
        assert history.counts() == {"system_metrics": 3, "worker_metrics": 9,
                                    "performance_metrics": 2, "scaling_decisions": 0, "alerts": 0}
        system = history.query("system_metrics", T0, T0 + 10)
        workers = history.query("worker_metrics", T0 + 5, T0 + 5)
        perf = history.query("performance_metrics", T0, T0 + 100)
    assert system["ts"].tolist() == [T0, T0 + 5, T0 + 10]
    assert system["cpu_utilization"].tolist() == [25.0] * 3
    assert np.isnan(system["gpu_utilization"][1]) and system["gpu_utilization"][0] == 75.0
    assert workers["worker_id"].tolist() == list(WORKERS)
    assert workers["cpu"].tolist() == [1 / 64 * 100, 4 / 64 * 100, 7 / 64 * 100]
    assert workers["status"].tolist() == ["active", "busy", "active"]
    assert workers["tasks"].tolist() == [1, 2, 3] and np.isnan(workers["gpu"]).all()
    assert perf["ts"].tolist() == [T0, T0 + 10] and perf["resource_efficiency"][0] == 62.5


def test_decisions_and_alerts_round_trip_to_equal_records(tmp_path, make_snapshot, make_decision):
    decisions = [make_decision(T0, 1), make_decision(T0 + 5, 2, "maintain", trigger=False)]
    path = tmp_path / "h.duckdb"
    with HistoryStore(path) as history:
        history.append(make_snapshot(T0, decisions=decisions[:1]))
        history.append(make_snapshot(T0 + 5, decisions=decisions))  # decision 1 re-sent
        history.append_alert(alert("a", T0))
        history.flush()
        history.append(make_snapshot(T0 + 10, decisions=decisions))  # and again, next batch
        history.append_alert(alert("a", T0, "critical", "cpu above 99%"))  # updated: upsert
        history.append_alert(alert("b", T0 + 5))
    with HistoryStore(path) as history:
        frames = history.load_window(T0, T0 + 60)
        assert history.counts()["scaling_decisions"] == 2 and history.counts()["alerts"] == 2
    assert frames.decision_records() == tuple(decisions)
    assert frames.alert_records() == (alert("a", T0, "critical", "cpu above 99%"), alert("b", T0 + 5))


def test_flush_when_buffer_is_full_or_old(tmp_path, make_snapshot, store_clock):
    history = HistoryStore(tmp_path / "h.duckdb", flush_ticks=3, flush_age_s=10, clock=store_clock)
    write_ticks(history, make_snapshot, 2)
    assert history.counts()["system_metrics"] == 0
    write_ticks(history, make_snapshot, 1, start=T0 + 10)
    assert history.counts()["system_metrics"] == 3  # full
    write_ticks(history, make_snapshot, 1, start=T0 + 15)
    store_clock.advance(10)
    history.append_alert(alert("late", T0 + 20))
    assert history.counts()["system_metrics"] == 4 and history.counts()["alerts"] == 1  # old
    history.close()


def test_close_flushes_and_is_safe_twice(tmp_path, make_snapshot):
    path = tmp_path / "h.duckdb"
    history = HistoryStore(path)
    write_ticks(history, make_snapshot, 4)
    history.close()
    history.close()
    with pytest.raises(StorageError, match="closed"):
        history.query("alerts", 0, 1)
    with pytest.raises(StorageError, match="closed"):
        history.append(make_snapshot(T0 + 100))  # the collector records it as a health event
    with HistoryStore(path) as reopened:
        assert reopened.counts()["system_metrics"] == 4


def test_query_rejects_unknown_tables(tmp_path):
    with HistoryStore(tmp_path / "h.duckdb") as history:
        with pytest.raises(ValueError, match="unknown history table"):
            history.query("system_metrics; DROP TABLE alerts", 0, 1)


def test_reads_from_other_threads_while_writing(tmp_path, make_snapshot):
    history = HistoryStore(tmp_path / "h.duckdb", flush_ticks=1)
    seen: dict[int, list[int]] = {0: [], 1: []}
    errors = []

    def read(i):
        try:
            for _ in range(20):
                seen[i].append(len(history.query("system_metrics", 0, 2 * T0)))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    readers = [threading.Thread(target=read, args=(i,), name=f"reader-{i}") for i in seen]
    for t in readers:
        t.start()
    write_ticks(history, make_snapshot, 30)
    for t in readers:
        t.join(timeout=20)
    assert errors == [] and history.counts()["system_metrics"] == 30
    assert all(rows == sorted(rows) for rows in seen.values())  # each reader sees rows only grow
    history.close()


def test_warm_start_shows_what_was_there(tmp_path, make_snapshot, make_decision, store_clock):
    path = tmp_path / "h.duckdb"
    live = LiveStore(retention_s=3600, clock=store_clock)
    history = HistoryStore(path)
    write_ticks(history, make_snapshot, 5, live=live)
    write_ticks(history, make_snapshot, 3, live=live, start=T0 + 25, ids=("w1", "w9"))
    snap = make_snapshot(T0 + 40, ("w9",), tick=8, decisions=[make_decision(T0 + 40, 7)])
    live.ingest(snap)
    history.append(snap)
    for a in (alert("a", T0 + 3), alert("b", T0 + 40, "error")):
        live.add_alert(a)
        history.append_alert(a)
    history.close()

    with HistoryStore(path) as reopened:
        warm = LiveStore(retention_s=3600, clock=store_clock)
        warm.load(reopened.load_window(T0 - 1, T0 + 3600))
    old, new = live.view(), warm.view()
    assert new.seq == old.seq == 9 and new.worker_ids == old.worker_ids == ("w0", "w1", "w2", "w9")
    assert np.array_equal(new.timestamps, old.timestamps)
    for group in ("system", "performance", "workers"):
        for name, arr in getattr(old, group).items():
            assert np.array_equal(getattr(new, group)[name], arr, equal_nan=True), name
    assert new.decisions == old.decisions and new.alerts == old.alerts
    assert [w.worker_id for w in new.latest_workers] == ["w9"]
    assert new.latest_workers[0].cpu == old.latest_workers[0].cpu
    assert warm.ingest(make_snapshot(T0 + 45, ("w9",), tick=9)) == 10
    assert warm.view().worker_series("w9", "cpu")[-1] == old.latest_workers[0].cpu * 100 + 100 / 64


def test_warm_start_from_empty_history(tmp_path):
    with HistoryStore(tmp_path / "h.duckdb") as history:
        store = LiveStore()
        store.load(history.load_window(0, T0))
    assert store.view().is_empty and store.view().seq == 0


def test_not_a_database_is_refused_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=r"notes\.txt is not a DuckDB database; pass another --db-path"):
        HistoryStore(path)
    assert path.read_bytes() == before


def test_empty_file_and_folder_are_refused(tmp_path):
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    with pytest.raises(StorageError, match="empty.duckdb is an empty file"):
        HistoryStore(empty)
    assert empty.read_bytes() == b""
    with pytest.raises(StorageError, match="is a folder"):
        HistoryStore(tmp_path)


def test_foreign_table_with_our_name_is_refused(tmp_path):
    import duckdb

    path = tmp_path / "benchmark_db.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE alerts (alert_id INTEGER, text VARCHAR)")
    con.close()
    with pytest.raises(StorageError, match="table alerts without column id"):
        HistoryStore(path)


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.timeout(30)
def test_file_locked_by_another_process(tmp_path):
    path = tmp_path / "benchmark_db.duckdb"
    HistoryStore(path).close()
    before = path.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(StorageError) as info:
            HistoryStore(path)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    message = str(info.value)
    assert f"benchmark_db.duckdb is locked by another process (pid {holder.pid})" in message
    assert "pass another --db-path" in message and "\n" not in message
    assert path.read_bytes() == before


@pytest.mark.timeout(60)
def test_tick_cost_is_flat_in_the_length_of_the_live_window(tmp_path, make_fleet, store_clock):
    # thread CPU time within one run, so a loaded machine does not count; a cost that grew with
    # the ticks held would be ~10x later (80 held early, 720 late). Wall-clock tick times at
    # 1,000 workers are bench/bench_collector.py's job. Batches only by size (FLUSH_ROWS): a
    # commit's fixed cost is hundreds of ms on a busy disk and no median tick contains one anyway
    snaps = make_fleet(100, 900)
    live = LiveStore(retention_s=3600, clock=store_clock)
    history = HistoryStore(tmp_path / "flat.duckdb", clock=store_clock, flush_ticks=10**6,
                           flush_age_s=math.inf)
    costs = []
    for snap in snaps:
        store_clock.now = snap.timestamp
        started = time.thread_time()
        live.ingest(snap)
        history.append(snap)
        live.prune()
        costs.append(time.thread_time() - started)
    history.close()
    assert len(live.view().timestamps) == 721  # the window is full and pruned every tick
    early, late = statistics.median(costs[40:120]), statistics.median(costs[780:])
    assert late < 3 * early, f"{late * 1e6:.0f} us a tick late against {early * 1e6:.0f} us early"


@pytest.mark.timeout(30)
def test_background_writer_flushes_off_the_caller_and_close_loses_nothing(tmp_path, make_snapshot):
    history = HistoryStore(tmp_path / "bg.duckdb", flush_ticks=2, background=True)
    writers = set()
    original = history.flush

    def recording_flush():
        writers.add(threading.current_thread().name)
        return original()

    history.flush = recording_flush
    for i in range(5):
        history.append(make_snapshot(1000.0 + i))
    assert wait_for(lambda: "drm-history" in writers, timeout=20)
    history.close()  # the fifth tick, still buffered, is written by close
    assert HistoryStore(tmp_path / "bg.duckdb").counts()["system_metrics"] == 5
