"""Fleet scale at 1,000 and 10,000 workers: tick vs json.loads, peak RSS, worker tab, 30-day history.

Each measurement runs in a fresh process. A tick is the collector's whole poll_once (poll,
validate, live store, history, prune, regression detectors and alert rules) over a full 60-minute
window; the window is filled first through the same collector from a synthetic fleet with the
same worker ids, then the real source takes over: the embedded manager (in-process), or the
reference coordinator in its own process over HTTP (client side: the wait for the answer counts).
Usage: python bench/bench_scale.py [--sizes 1000 10000] [--ticks 720] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

INTERVAL_S = 5.0
KEY = "bench-scale-key"


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class SyntheticFleet:
    """Seeded random-walk usage for n workers (ids as the bench manager names them), as columns."""

    def __init__(self, n: int, seed: int = 0) -> None:
        from drm_dashboard.worker_columns import NUMBER_FIELDS
        self.rng = np.random.default_rng(seed)
        self.ids = [f"w{i:05d}" for i in range(n)]
        self.gpu = np.arange(n) % 4 == 0
        self.level = self.rng.random(n)
        self.width = len(NUMBER_FIELDS)

    def snapshot(self, ts: float):
        from drm_dashboard.models import PerformanceSample, Snapshot
        from drm_dashboard.worker_columns import WorkerColumns
        n = len(self.ids)
        self.level = np.clip(self.level + self.rng.uniform(-0.05, 0.05, n), 0, 1)
        v = np.empty((n, self.width))
        lv = self.level
        v[:, 0], v[:, 1], v[:, 3], v[:, 4], v[:, 5] = lv, lv * 0.8, lv, lv, lv * 0.7
        v[:, 2] = np.where(self.gpu, lv, np.nan)
        v[:, 6] = np.where(self.gpu, lv / 2, np.nan)
        v[:, 7], v[:, 8], v[:, 9] = np.floor(lv * 8), 16, 65536
        v[:, 10], v[:, 11], v[:, 12] = self.gpu, np.where(self.gpu, 16000.0, 0.0), ts
        workers = WorkerColumns(self.ids, ["active"] * n, v)
        m = float(lv.mean())
        return Snapshot(ts, n, n, int(v[:, 7].sum()), 0, int(v[:, 7].sum()), m, m * 0.8, m, m,
                        workers, PerformanceSample(1.0, 2.0, 10.0, 0.7, 0, 0), (), m)


class Replay:
    description = "synthetic fleet"

    def __init__(self, fleet: SyntheticFleet, now: list[float]) -> None:
        self.fleet, self.now = fleet, now

    def snapshot(self):
        return self.fleet.snapshot(self.now[0])


def _collector(source, tmp: str, ticks: int, clock):
    from drm_dashboard.analytics.alert_config import default_alert_config
    from drm_dashboard.analytics.alerts import AlertEngine
    from drm_dashboard.analytics.pipeline import AnalyticsPipeline
    from drm_dashboard.collector import Collector
    from drm_dashboard.store.history import HistoryStore
    from drm_dashboard.store.live import LiveStore
    from drm_dashboard.store.rollup import DAY_S, policy_for
    history = HistoryStore(Path(tmp) / "bench.duckdb", background=True,
                           policy=policy_for(30 * DAY_S, ticks * INTERVAL_S))
    live = LiveStore(retention_s=ticks * INTERVAL_S, clock=clock)
    engine = AlertEngine(default_alert_config(), interval_s=INTERVAL_S, clock=clock)
    col = Collector(source, live, history, interval_s=INTERVAL_S, clock=clock,
                    processors=[AnalyticsPipeline(engine, clock=clock)])
    return col, live, history


def _fill(col, fleet: SyntheticFleet, now: list[float], ticks: int) -> None:
    """A full window and a quarter more (pruning and compaction at work) through the collector."""
    col.source = Replay(fleet, now)
    for _ in range(ticks + ticks // 4):
        now[0] += INTERVAL_S
        col.poll_once()
        # ticks here come far faster than every 5 s: write each one before the next, as the
        # history writer thread keeps up in real time (else its buffer, not the product, grows)
        col.history.flush()


def run_inprocess(workers: int, ticks: int, timed: int) -> dict:
    """Tick with the embedded manager vs json.loads of its snapshot; peak RSS of the whole run."""
    import random
    from bench_collector import _churn, _fleet
    from drm_dashboard.analytics.pipeline import AnalyticsPipeline  # noqa: F401 (loaded, then measured)
    from drm_dashboard.sources.local import LocalSource
    from drm_dashboard.store.history import HistoryStore  # noqa: F401
    imported = _rss_mb()
    now = [1_700_000_000.0]
    clock = lambda: now[0]  # noqa: E731
    mgr, rng, held = _fleet(workers, clock), random.Random(0), []
    with tempfile.TemporaryDirectory() as tmp:
        col, live, history = _collector(None, tmp, ticks, clock)
        _fill(col, SyntheticFleet(workers), now, ticks)
        col.source = LocalSource(mgr, clock=clock)
        tick_ms, loads_ms = [], []
        for k in range(timed):
            _churn(mgr, workers, rng, held, k)
            now[0] += INTERVAL_S
            body = json.dumps({"statistics": mgr.get_worker_statistics(),
                               "performance": mgr.get_performance_metrics()})
            t = time.perf_counter()
            json.loads(body)
            loads_ms.append((time.perf_counter() - t) * 1000)
            tick_ms.append(col.poll_once().duration_ms)
        history.close()
        return {"workers": workers, "tick_ms": statistics.median(tick_ms),
                "loads_ms": statistics.median(loads_ms), "json_kb": len(body) / 1024,
                "peak_mb": _peak_mb(), "imports_mb": imported,
                "live_mb": live.memory_bytes() / 2**20, "window_ticks": live.view().n_ticks}


def serve(workers: int) -> None:
    """The reference coordinator with n workers whose usage changes all the time (until stdin closes)."""
    import threading
    from drm_dashboard.coordinator.service import Coordinator
    coord = Coordinator(KEY, port=0, evaluate_every_s=3600)
    for i in range(workers):
        coord.manager.register_worker(f"w{i:05d}", {"cpu": {"cores": 16}, "memory": {"total_mb": 65536}})
    stop = threading.Event()

    def churn() -> None:
        rng = np.random.default_rng(1)
        while not stop.wait(0.2):
            for i, (c, m) in enumerate(rng.random((workers, 2)).tolist()):
                coord.manager.report_usage(f"w{i:05d}", cpu=c, memory=m)
    threading.Thread(target=churn, daemon=True).start()
    coord.start()
    print(coord.url, flush=True)
    sys.stdin.read()
    stop.set()
    coord.stop()


def run_http(workers: int, ticks: int, timed: int) -> dict:
    """Tick against the reference coordinator in another process vs json.loads of a full answer."""
    import requests
    from drm_dashboard.sources.coordinator import CoordinatorSource
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(workers)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        start = time.time() - (ticks + ticks // 4 + 1) * INTERVAL_S
        now = [start]
        with tempfile.TemporaryDirectory() as tmp:
            col, live, history = _collector(None, tmp, ticks, lambda: now[0])
            _fill(col, SyntheticFleet(workers), now, ticks)
            col._clock = time.time  # the coordinator's clock is the wall clock from here on
            src = CoordinatorSource(url, KEY)
            col.source = src
            full = requests.get(url + "/api/v1/snapshot", params={"full": "1"}, timeout=60,
                                headers={"X-API-Key": KEY, "Accept-Encoding": "identity"}).content
            wire = requests.get(url + "/api/v1/snapshot", params={"full": "1"}, timeout=60,
                                headers={"X-API-Key": KEY}, stream=True)
            gz = len(wire.raw.read(decode_content=False))
            wire.close()
            loads_ms, tick_ms, cpu_ms = [], [], []
            for _ in range(timed):
                time.sleep(1.0)  # every worker reports new usage meanwhile: a delta of the whole fleet
                t = time.perf_counter()
                json.loads(full)
                loads_ms.append((time.perf_counter() - t) * 1000)
                cpu = time.thread_time()
                result = col.poll_once()
                # the client's own work, without the wait for the coordinator to build its answer
                cpu_ms.append((time.thread_time() - cpu) * 1000)
                assert result.ok, result.error
                tick_ms.append(result.duration_ms)
            history.close()
        return {"workers": workers, "tick_ms": statistics.median(tick_ms), "cpu_ms": statistics.median(cpu_ms),
                "loads_ms": statistics.median(loads_ms), "json_kb": len(full) / 1024, "gzip_kb": gz / 1024}
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def run_ui(workers: int, ticks: int, repeat: int) -> dict:
    """Worker Details' refresh (its charts, and its worker list) through the real Dash app."""
    from bench_ui import app_over, body, timed
    from drm_dashboard.store.live import LiveStore
    now = [1_700_000_000.0]
    store = LiveStore(retention_s=ticks * INTERVAL_S, clock=lambda: now[0])
    fleet = SyntheticFleet(workers)
    for _ in range(ticks):
        now[0] += INTERVAL_S
        store.ingest(fleet.snapshot(now[0]))
    app, _ = app_over(store)
    client = app.server.test_client()
    charts, options = body(app, "workers-lines-data.data", "Worker Details"), \
        body(app, "workers-choice.options", "Worker Details")
    ms, cpu, size, opt_ms, opt_size = [], [], [], [], []
    for k in range(repeat + 1):
        now[0] += INTERVAL_S
        store.ingest(fleet.snapshot(now[0]))
        store.prune(now[0])
        # the test client serves in this thread: its CPU time is the server's, without the wait
        # for the cores that other processes on a shared machine take
        started = time.thread_time()
        c = timed(client, charts)
        spent = (time.thread_time() - started) * 1000
        o = timed(client, options)
        if k:  # the first one warms imports and templates
            ms.append(c[0]), cpu.append(spent), size.append(c[2]), opt_ms.append(o[0]), opt_size.append(o[2])
    return {"workers": workers, "charts_ms": statistics.median(ms), "charts_cpu_ms": statistics.median(cpu),
            "charts_kb": statistics.median(size) / 1024,
            "options_ms": statistics.median(opt_ms), "options_kb": statistics.median(opt_size) / 1024}


def _worker_values(frame, rng) -> None:
    """Readings as a fleet sends them: usage varies, capacity is fixed, heartbeats follow time."""
    n = frame.shape[0]
    gpu = frame["worker_id"].str.slice(-1).isin(["0", "4", "8"]).to_numpy()
    for name in ("cpu", "memory", "overall", "alloc_cpu", "alloc_memory"):
        frame[name] = np.round(rng.random(n) * 100, 1)
    for name in ("gpu", "alloc_gpu"):
        frame[name] = np.where(gpu, np.round(rng.random(n) * 100, 1), np.nan)
    frame["tasks"] = rng.integers(0, 8, n)
    frame["cpu_cores"], frame["memory_mb"] = 16.0, 65536.0
    frame["gpu_devices"], frame["gpu_memory_mb"] = gpu.astype(np.int64), np.where(gpu, 16000.0, 0.0)
    frame["last_heartbeat"] = frame["ts"] - rng.random(n)


def run_history(workers: int, days: int) -> dict:
    """A month of history in its rolled-up shape: file size, upkeep and 30-day reads."""
    import pandas as pd
    from drm_dashboard.store.history import HistoryStore
    from drm_dashboard.store import rollup
    from drm_dashboard.store.rollup import DAY_S, policy_for
    from drm_dashboard.store.schema import INTEGER_COLUMNS, SYSTEM_COLUMNS
    end = 1_700_000_000.0 - 1_700_000_000.0 % 600
    begin = end - days * DAY_S
    rng = np.random.default_rng(2)
    ids = np.array([f"w{i:05d}" for i in range(workers)], dtype=object)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "month.duckdb"
        store = HistoryStore(path, policy=policy_for(days * DAY_S, 3600.0), maintain_every_s=None)
        cur = store._cursor()
        # what the upkeep leaves: 10 min steps past a day, 1 min past an hour, 5 s in the last hour
        spans = [(begin, end - DAY_S, 600.0), (end - DAY_S, end - 3600, 60.0), (end - 3600, end, INTERVAL_S)]
        for lo, hi, step in spans:
            for chunk in np.array_split(np.arange(lo, hi, step), max(1, int((hi - lo) / step) // 200)):
                frame = pd.DataFrame({"ts": np.repeat(chunk, workers), "worker_id": np.tile(ids, chunk.size),
                                      "status": "active"})
                _worker_values(frame, rng)
                cur.execute("INSERT INTO worker_metrics BY NAME SELECT * FROM frame")
        ts = np.arange(begin, end, INTERVAL_S)
        system = pd.DataFrame({"ts": ts, **{c: (rng.random(ts.size) * 100).astype(np.int64)  # noqa: F841 (DuckDB reads it by name)
                                            if c in INTEGER_COLUMNS else rng.random(ts.size) * 100
                                            for c in SYSTEM_COLUMNS}})
        cur.execute("INSERT INTO system_metrics BY NAME SELECT * FROM system")
        # one more hour of raw rows, then the upkeep that rolls it up
        hour = np.arange(end, end + 3600, INTERVAL_S)
        frame = pd.DataFrame({"ts": np.repeat(hour, workers), "worker_id": np.tile(ids, hour.size),
                              "status": "active"})
        _worker_values(frame, rng)
        cur.execute("INSERT INTO worker_metrics BY NAME SELECT * FROM frame")
        # the upkeep had been running: it rolled up to here (store/rollup.py's rollup_state)
        rollup.ensure_state(cur)
        cur.execute("INSERT INTO rollup_state VALUES (60.0, ?), (600.0, ?)", [end - 3600, end - DAY_S])
        rows = store.counts()["worker_metrics"]
        t = time.perf_counter()
        pruned, rolled = store.maintain(end + 3600)
        upkeep_s = time.perf_counter() - t
        cur.execute("CHECKPOINT")
        size, after = path.stat().st_size, store.counts()["worker_metrics"]
        q = {}
        for name, call in {
            "fleet cpu, 30 days, 1,500 points": lambda: store.series(
                "system_metrics", ["cpu_utilization"], begin, end + 3600, 1500),
            "one worker, 30 days, 1,500 points": lambda: store.series(
                "worker_metrics", ["cpu", "memory"], begin, end + 3600, 1500, worker_id="w00007"),
            "every worker, 30 days, 100 buckets": lambda: store.series(
                "worker_metrics", ["cpu"], begin, end + 3600, 100, by_worker=True),
            # what the page's time-range picker reads for "last 30 days" and "last 7 days"
            "page view, 30 days (fleet, every worker, decisions, alerts)": lambda: _page_view(
                store, begin, end + 3600, workers),
            "page view, 7 days": lambda: _page_view(store, end + 3600 - 7 * DAY_S, end + 3600, workers),
        }.items():
            call()
            t = time.perf_counter()
            out = call()
            q[name] = ((time.perf_counter() - t) * 1000, getattr(out, "n_ticks", None) or len(out))
        store.close()
    return {"workers": workers, "days": days, "rows_before": rows, "rolled": rolled, "pruned": pruned,
            "upkeep_s": upkeep_s, "file_mb": size / 2**20, "rows_after": after, "queries": q}


def _page_view(store, start: float, end: float, workers: int):
    """The view the time-range picker builds: bucket means at about one point per pixel."""
    from drm_dashboard.store.range_view import aligned, history_view, points_for
    return history_view(store, *aligned(start, end, points_for(800, workers)), number=1)


def _sub(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--ticks", type=int, default=720, help="ticks in the window (720 = 60 min at 5 s)")
    p.add_argument("--timed", type=int, default=9, help="ticks timed after the window is full")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--only", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    a = p.parse_args(argv)
    if a.serve:
        serve(a.serve)
        return 0
    if a.only:
        run = {"inprocess": lambda: run_inprocess(a.n, a.ticks, a.timed),
               "http": lambda: run_http(a.n, a.ticks, a.timed),
               "ui": lambda: run_ui(a.n, a.ticks, 3), "history": lambda: run_history(a.n, a.days)}[a.only]
        print(json.dumps(run()))
        return 0
    started = time.time()
    common = ["--ticks", str(a.ticks), "--timed", str(a.timed), "--days", str(a.days)]
    res: dict[str, list[dict]] = {"inprocess": [], "http": [], "ui": []}
    for n in a.sizes:
        for kind in res:
            res[kind].append(_sub("--only", kind, "--n", str(n), *common))
            print(kind, res[kind][-1], flush=True)
    hist = _sub("--only", "history", "--n", str(min(a.sizes)), *common)
    print(hist, flush=True)
    body = _report(res, hist, a, time.time() - started)
    print(body)
    if not a.no_write:
        write_section("scale", body)
    return 0


def _ratio(r: dict) -> str:
    return f"{r['tick_ms'] / r['loads_ms']:.2f}x"


def _report(res: dict, hist: dict, a, elapsed: float) -> str:
    ticks = [[r["workers"], f"{r['json_kb']:.0f}", f"{r['loads_ms']:.1f}", f"{r['tick_ms']:.1f}", _ratio(r),
              f"{h['tick_ms']:.1f} / {h['cpu_ms']:.1f}",
              f"{_ratio(h)} / {h['cpu_ms'] / h['loads_ms']:.2f}x", f"{h['gzip_kb']:.0f}",
              f"{r['peak_mb']:.0f}", f"{r['live_mb']:.0f}"]
             for r, h in zip(res["inprocess"], res["http"])]
    ui = [[u["workers"], f"{u['charts_ms']:.0f} / {u['charts_cpu_ms']:.0f}", f"{u['charts_kb']:.0f}",
           f"{u['options_ms']:.0f}", f"{u['options_kb']:.0f}"] for u in res["ui"]]
    queries = [[name, f"{ms:.0f}", n] for name, (ms, n) in hist["queries"].items()]
    base = res["inprocess"][0]["imports_mb"]
    return "\n".join([
        "## Fleet scale (`python bench/bench_scale.py`)", "",
        f"{machine()}; {elapsed:.0f} s in all. Window {a.ticks} ticks at {INTERVAL_S:g} s, filled through "
        "the collector (live store, DuckDB history with its upkeep, detectors, alert rules) before "
        f"{a.timed} timed ticks (medians). *in-process*: the embedded manager, every worker's usage "
        "changed between ticks; *HTTP*: the reference coordinator in its own process, every worker "
        "changing (so each delta is the whole fleet), gzip on; *wall* includes waiting while the "
        "coordinator builds its answer (on this 2-core machine, beside the client), *client CPU* is "
        "the collector thread's own time. The floor is `json.loads` of "
        "the same full snapshot in the same process and moment.", "",
        table(["workers", "snapshot JSON (KB)", "json.loads (ms)", "tick in-process (ms)", "/ floor",
               "tick over HTTP, wall / client CPU (ms)", "/ floor", "gzip on the wire (KB)", "peak RSS (MB)",
               "live per-worker matrices (MB)"], ticks), "",
        f"Budgets: tick at most 3x the floor; peak RSS under 250 MB at 1,000 and 500 MB at 10,000 "
        f"workers. Peak RSS is the whole process (`ru_maxrss`), with the manager's own fleet; the "
        f"product's modules alone (collector, stores, analytics: pandas, DuckDB, scipy.linalg; nothing "
        f"in the tick loads scipy.stats) hold "
        f"{base:.0f} MB. HTTP: the coordinator and the client share this machine's 2 cores, so the "
        "wall time is mostly the coordinator building and compressing its answer; the client's "
        "own work is the CPU column.", "",
        "### Worker Details refresh (live window, first viewer of a tick)", "",
        table(["workers", "charts, wall / CPU (ms)", "charts (KB)", "worker list (ms)", "worker list (KB)"], ui), "",
        "Budget: under 200 ms and 1 MB per refresh. Aggregates over every worker (the spread bands, "
        "the heatmap's bins of 50 workers) are computed once per tick and kept while the tick is in "
        "the window (`ui/rowcache.py`), so a refresh costs one new row of them, whatever the fleet; "
        "the rest is building and serializing the figures. *CPU*: the serving thread's own time, "
        "without waiting for the cores other jobs on this shared machine hold.", "",
        f"### History: {hist['days']} days of {hist['workers']:,} workers", "",
        f"In the shape the upkeep leaves (10 min steps past a day, 1 min past an hour, 5 s within it; "
        f"fleet-wide rows at 5 s throughout), then one upkeep an hour of data time later: "
        f"{hist['rows_before']:,} worker rows, {hist['rolled']:,} of them rolled up (an hour of 5 s "
        f"rows to 1 min, an hour of 1 min rows to 10 min) in {hist['upkeep_s']:.1f} s, "
        f"{hist['pruned']:,} rows past the retention deleted; {hist['rows_after']:,} worker rows and a file **{hist['file_mb']:.0f} MB** "
        "after the upkeep and a checkpoint. The product runs the upkeep every 5 minutes of data time "
        "on the history writer thread, so each run rolls up a twelfth of this.", "",
        table(["query", "ms", "rows"], queries), "",
        _next_ten(res),
    ])


def _next_ten(res: dict) -> str:
    """Where 100,000 workers would break, extrapolated linearly from the largest fleet measured."""
    big, ui = res["inprocess"][-1], res["ui"][-1]
    f = 100_000 / big["workers"]
    return (
        f"### The next factor of ten\n\nAt 100,000 workers, from the {big['workers']:,}-worker figures "
        f"(everything here grows linearly in workers): the live per-worker matrices would be about "
        f"{big['live_mb'] * f / 1024:.1f} GB over a 60-minute window, past any sensible budget, so the "
        "window would have to keep per-worker data only for the workers shown (top-N, bins) or at "
        f"coarser steps; one snapshot would be about {big['json_kb'] * f / 1024:.0f} MB and its "
        f"`json.loads` alone about {big['loads_ms'] * f / 1000:.1f} s on this machine and the whole tick "
        f"about {big['tick_ms'] * f / 1000:.0f} s, past a 5 s interval, so one coordinator's snapshot "
        "stops being the unit of work: shard the fleet over "
        "coordinators or read aggregates through PrometheusSource (its tick does not grow with the "
        "fleet). The page holds: aggregates over every worker are computed once per tick "
        f"({ui['charts_cpu_ms']:.0f} ms of CPU a refresh at {ui['workers']:,}), the heatmap stays at 200 rows and "
        f"the table is paged on the server; the worker picker's list of every id ({ui['options_kb']:.0f} KB "
        f"at {ui['workers']:,}) would pass 1 MB and would have to become a search. History views from "
        "the file read at most 250,000 per-worker cells (the time of a read grows with them, table "
        "above), so a 100,000-worker range would get its floor of 60 points and 6 million cells: "
        "per-worker reads would have to bin workers in DuckDB as the heatmap does, and a month of rows (about ten times "
        "the 30-day file below) would want Parquet partitions by day rather than one DuckDB file.")


if __name__ == "__main__":
    sys.exit(main())
