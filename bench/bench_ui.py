"""Tab refresh cost (server time, bytes) at 10, 100 and 1,000 workers, and viewers vs the collector.

Each tab's refresh callback is POSTed to /_dash-update-component through app.server.test_client(),
as the browser sends it, over a full 60-minute window at 5 s (720 ticks). *new tick* is the first
viewer after a tick (it builds the figures); *same tick* is every other viewer (cache hit, JSON only).
Then a collector ticks at 1,000 workers with and without 20 viewers polling, and its median tick
time is compared.
Usage: nice -n 5 python bench/bench_ui.py [--sizes 10 100 1000] [--repeat 5] [--no-write]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

from drm_dashboard.analytics.pipeline import AnalyticsPipeline  # noqa: E402
from drm_dashboard.collector import Collector  # noqa: E402
from drm_dashboard.manager import ScalingPolicy  # noqa: E402
from drm_dashboard.models import (Alert, PerformanceSample, ScalingDecision, ScalingTrigger,  # noqa: E402
                                  SourceHealth, Snapshot, WorkerSample)
from drm_dashboard.store.live import LiveStore  # noqa: E402
from drm_dashboard.ui.app import UIContext, create_app  # noqa: E402

INTERVAL_S, TICKS, T0 = 5.0, 720, 1_700_000_000.0
TAB_OUTPUT = {"System Overview": "overview-utilization-data.data",
              "Worker Details": "workers-lines-data.data",
              "Performance Metrics": "perf-task-throughput-data.data",
              "Scaling Decisions": "scaling-timeline-data.data", "Alerts": "alerts-list.children"}
VALUES = {"drm-interval.n_intervals": 1, "drm-theme.data": "dark", "workers-metric.value": "cpu",
          "perf-range.value": 60, "alerts-levels.value": ["info", "warning", "error", "critical"],
          "alerts-sources.value": ["scaling_decision", "regression_detection", "system", "threshold"]}


class Fleet:
    """Seeded snapshots of n workers: smooth usage, a GPU on every fourth, a few that come and go."""

    def __init__(self, workers: int, seed: int = 0) -> None:
        self.n, self.rng, self.tick = workers, random.Random(seed), 0
        self.level = [self.rng.random() for _ in range(workers)]

    def snapshot(self, ts: float) -> Snapshot:
        """The next tick's snapshot at ts (a new scaling decision every ten minutes)."""
        self.tick += 1
        rng, ws = self.rng, []
        for i in range(self.n):
            if i % 50 == 7 and (self.tick // 120) % 2:  # some workers leave and come back
                continue
            self.level[i] = min(1.0, max(0.0, self.level[i] + rng.uniform(-0.05, 0.05)))
            cpu = self.level[i]
            ws.append(WorkerSample(f"w{i:04d}", "active", cpu, cpu * 0.8, cpu if i % 4 == 0 else None,
                                   cpu, cpu, cpu * 0.7, None, int(cpu * 8), 16, 65536, int(i % 4 == 0),
                                   16000.0 if i % 4 == 0 else 0.0, ts))
        mean = sum(w.cpu for w in ws) / max(len(ws), 1)
        decisions = (self._decision(ts, mean),) if self.tick % 120 == 0 else ()
        return Snapshot(ts, len(ws), len(ws), sum(w.tasks for w in ws), rng.randrange(20), len(ws),
                        mean, mean * 0.8, mean, mean, tuple(ws),
                        PerformanceSample(rng.uniform(0.5, 2), rng.uniform(1, 4), rng.uniform(0, 900),
                                          rng.uniform(0.5, 0.9), self.tick, 0), decisions, mean)

    def _decision(self, ts: float, mean: float) -> ScalingDecision:
        action = "scale_up" if (self.tick // 120) % 2 else "scale_down"
        trigger = ScalingTrigger(mean, mean, 120, 0.7, 0.8, 0.3, 0, 0, 3, self.n)
        return ScalingDecision(action, 2, f"bench {action}", mean, (), ts, self.tick, trigger)


def filled(workers: int) -> tuple[LiveStore, Fleet, list[float]]:
    """A store holding a full window, its fleet, and the fake clock's cell."""
    now = [T0]
    store = LiveStore(retention_s=TICKS * INTERVAL_S, clock=lambda: now[0])
    fleet = Fleet(workers)
    for _ in range(TICKS):
        now[0] += INTERVAL_S
        store.ingest(fleet.snapshot(now[0]))
    for i, level in enumerate(("warning", "error", "critical", "info")):
        store.add_alert(Alert(f"a{i}", now[0] - 300 * i, level, "threshold", f"bench alert {i}"))
    return store, fleet, now


def app_over(store: LiveStore):
    """The real Dash app over the store."""
    ctx = UIContext(live=store, health=lambda: SourceHealth("live", last_success=time.time()),
                    source="bench", simulated=False, update_interval_s=INTERVAL_S,
                    policy=ScalingPolicy())
    return create_app(ctx), ctx


def body(app, output: str, tab: str, rendered: str | None = None) -> dict:
    """The JSON the renderer POSTs for the callback that writes `output`."""
    key = next(k for k in app.callback_map if output in k.strip(".").split("..."))
    spec, values = app.callback_map[key], {**VALUES, "drm-tabs.active_tab": tab}

    def props(items):
        return [{**i, "value": rendered if i["property"] == "data" and "rendered" in i["id"]
                 else values.get(f"{i['id']}.{i['property']}")} for i in items]

    outs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in key.strip(".").split("...")]
    return {"output": key, "outputs": outs if len(outs) > 1 else outs[0], "inputs": props(spec["inputs"]),
            "state": props(spec["state"]), "changedPropIds": ["drm-interval.n_intervals"]}


def timed(client, payload: dict) -> tuple[float, int, int]:
    """(ms, status, bytes) of one callback POST."""
    t = time.perf_counter()
    resp = client.post("/_dash-update-component", json=payload)
    return (time.perf_counter() - t) * 1000.0, resp.status_code, len(resp.data)


def measure_tabs(workers: int, repeat: int) -> list[dict]:
    """Per tab: medians of new-tick and same-tick server time, and bytes, over `repeat` ticks."""
    store, fleet, now = filled(workers)
    app, _ = app_over(store)
    client = app.server.test_client()
    for _ in range(2):  # warm imports, templates and first-call paths on throwaway ticks
        now[0] += INTERVAL_S
        store.ingest(fleet.snapshot(now[0]))
        for tab, output in TAB_OUTPUT.items():
            timed(client, body(app, output, tab))
    rows = {tab: {"cold": [], "warm": [], "bytes": []} for tab in TAB_OUTPUT}
    for _ in range(repeat):
        now[0] += INTERVAL_S  # a new tick: every cached figure is stale
        store.ingest(fleet.snapshot(now[0]))
        store.prune(now[0])
        for tab, output in TAB_OUTPUT.items():
            cold_ms, status, size = timed(client, body(app, output, tab))
            assert status == 200, (tab, status)
            rows[tab]["cold"].append(cold_ms)
            rows[tab]["warm"].append(timed(client, body(app, output, tab))[0])
            rows[tab]["bytes"].append(size)
    return [{"workers": workers, "tab": tab, "ticks": store.view().n_ticks,
             **{k: statistics.median(v) for k, v in r.items()}} for tab, r in rows.items()]


class ReplaySource:
    """A MetricsSource whose every poll is the fleet's next tick, 5 s of fake time later."""

    description = "bench fleet"

    def __init__(self, fleet: Fleet, now: list[float]) -> None:
        self.fleet, self.now = fleet, now

    def snapshot(self) -> Snapshot:
        self.now[0] += INTERVAL_S
        return self.fleet.snapshot(self.now[0])


def viewer(app, tab: str, interval_s: float, stop: threading.Event, counts: list[int]) -> None:
    """One browser watching one tab: header, cards and the tab's refresh every interval."""
    client, rendered = app.server.test_client(), None
    header = body(app, "drm-header-health.children", tab)
    cards = body(app, "overview-cards.children", tab)
    while not stop.wait(interval_s * random.uniform(0.9, 1.1)):
        client.post("/_dash-update-component", json=header)
        client.post("/_dash-update-component", json=cards)
        resp = client.post("/_dash-update-component", json=body(app, TAB_OUTPUT[tab], tab, rendered))
        if resp.status_code == 200:  # keep the stamp, as the browser's dcc.Store does
            rendered = next(v["data"] for k, v in resp.get_json()["response"].items() if "rendered" in k)
        counts.append(resp.status_code)


def collector_phases(workers: int, phases: list[int], ticks: int, interval_s: float) -> list[dict]:
    """Median collector tick (ms) per phase; each phase runs `ticks` ticks with that many viewers."""
    store, fleet, now = filled(workers)
    app, ctx = app_over(store)
    # the tick as the dashboard runs it: poll, validate, ingest, prune, then the detectors
    col = Collector(ReplaySource(fleet, now), store, interval_s=interval_s, clock=lambda: now[0],
                    processors=[AnalyticsPipeline()])
    col.poll_once()  # the detectors' first tick reads the whole window once
    out = []
    for viewers in phases:
        stop, counts, builds = threading.Event(), [], ctx.cache.builds
        threads = [threading.Thread(target=viewer, args=(app, tab, interval_s, stop, counts))
                   for tab, _ in zip(list(TAB_OUTPUT) * viewers, range(viewers))]
        for t in threads:
            t.start()
        seen = len(col.tick_times_ms)
        col.start()
        while len(col.tick_times_ms) < seen + ticks:
            time.sleep(interval_s / 4)
        col.stop()
        col.join(10)
        stop.set()
        for t in threads:
            t.join(10)
        out.append({"viewers": viewers, "times": list(col.tick_times_ms[seen:seen + ticks]),
                    "requests": len(counts), "drawn": counts.count(200),
                    "builds": ctx.cache.builds - builds})
    return out


def pooled(phases: list[dict], viewers: int) -> dict:
    """The phases with that many viewers, their ticks pooled."""
    mine = [p for p in phases if p["viewers"] == viewers]
    times = sorted(t for p in mine for t in p["times"])
    return {"viewers": viewers, "ticks": len(times), "median_ms": statistics.median(times),
            "p90_ms": times[int(len(times) * 0.9)], "requests": sum(p["requests"] for p in mine),
            "drawn": sum(p["drawn"] for p in mine), "builds": sum(p["builds"] for p in mine)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    p.add_argument("--repeat", type=int, default=5, help="ticks measured per size")
    p.add_argument("--viewer-ticks", type=int, default=25, help="collector ticks per phase")
    p.add_argument("--interval", type=float, default=1.0, help="collector and viewer interval (s)")
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    args = p.parse_args(argv)
    started = time.perf_counter()
    tabs = []
    for n in args.sizes:
        tabs += measure_tabs(n, args.repeat)
        print(*(f"{r['workers']:>5} {r['tab']:<20} new {r['cold']:7.1f} ms  same {r['warm']:6.1f} ms "
                f"{r['bytes'] / 1024:8.1f} KiB" for r in tabs[-len(TAB_OUTPUT):]), sep="\n", flush=True)
    big = max(args.sizes)
    # alternate quiet and watched phases, so drift in the machine's load hits both alike
    phases = collector_phases(big, [0, 20, 0, 20], args.viewer_ticks, args.interval)
    runs = [pooled(phases, 0), pooled(phases, 20)]
    print(runs, flush=True)
    body_md = _report(tabs, runs, big, args, time.perf_counter() - started)
    print(body_md)
    if not args.no_write:
        write_section("ui", body_md)
    return 0


def _report(tabs: list[dict], runs: list[dict], big: int, args, elapsed: float) -> str:
    rows = [[r["workers"], r["tab"], f"{r['cold']:.1f}", f"{r['warm']:.1f}", f"{r['bytes'] / 1024:.0f}"]
            for r in tabs]
    alone, watched = runs
    ratio = watched["median_ms"] / alone["median_ms"]
    viewer_rows = [[r["viewers"], r["ticks"], f"{r['median_ms']:.1f}", f"{r['p90_ms']:.1f}", r["requests"],
                    r["drawn"], r["builds"]] for r in runs]
    worst = max((r for r in tabs if r["workers"] == big), key=lambda r: r["cold"])
    heaviest = max((r for r in tabs if r["workers"] == big), key=lambda r: r["bytes"])
    return "\n".join([
        "## Tab refresh (`nice -n 5 python bench/bench_ui.py`)", "",
        f"{machine()}; {elapsed:.0f} s in all. Each tab's refresh callback POSTed through "
        "`app.server.test_client()` as the browser sends it, over a full window of "
        f"{TICKS} ticks at {INTERVAL_S:g} s (60 min), medians over {args.repeat} ticks. *new tick*: "
        "the first viewer after a tick, who builds the figures; *same tick*: every other viewer "
        "(the tick's figures come from the cache, only JSON is written). Bytes are the response "
        "body. Worker Details shows the default choice (the 5 busiest) over the heatmap of all.", "",
        table(["workers", "tab", "server ms, new tick", "server ms, same tick", "KiB sent"], rows), "",
        f"At {big:,} workers the slowest tab is {worst['tab']} ({worst['cold']:.0f} ms for the "
        f"first viewer of a tick) and the largest is {heaviest['tab']} "
        f"({heaviest['bytes'] / 1024:.0f} KiB). Budget: under 200 ms and under 1 MB per tab.", "",
        f"### Collector with viewers ({big:,} workers)", "",
        f"A collector ticks every {args.interval:g} s over the same full window (a tick: poll, "
        "validate, ingest, prune, the regression detectors; no DuckDB) while 20 threads, each a "
        "browser watching one tab (four per tab), poll header, cards and their tab at the same "
        f"interval ({5 / args.interval:g}x the default 5 s rate) with the stamp a browser keeps, so "
        "a tab already showing the tick gets an empty 204. Phases alternate quiet, watched, quiet, "
        f"watched ({args.viewer_ticks} ticks each) and each condition's ticks are pooled. Callback "
        "requests take turns (one lock), so a tick competes for the GIL with one request at most.", "",
        table(["viewers", "ticks", "median tick (ms)", "p90 tick (ms)", "requests", "drawn (200)",
               "figure builds"], viewer_rows), "",
        f"Median tick with 20 viewers / without: **{ratio:.2f}** (p90: "
        f"{watched['p90_ms'] / alone['p90_ms']:.2f}). Every tick's figures were built once "
        f"({watched['builds']} builds for {watched['drawn']} answers that drew), not once per viewer.",
    ])


if __name__ == "__main__":
    sys.exit(main())
