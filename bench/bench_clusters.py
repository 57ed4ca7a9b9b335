"""Cost of the "All clusters" view: combining N clusters' live windows, and one worker metric of it.

Each cluster's LiveStore is filled through ingest() with 720 ticks (an hour at 5 s) of validated
worker columns, the clusters' clocks offset within the interval as independent coordinators' are.
Writes the "clusters" section of docs/PERFORMANCE.md.

    python bench/bench_clusters.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

from drm_dashboard.models import Snapshot  # noqa: E402
from drm_dashboard.store.combine import combine_views  # noqa: E402
from drm_dashboard.store.live import LiveStore  # noqa: E402
from drm_dashboard.worker_columns import NUMBER_FIELDS, WorkerColumns  # noqa: E402

T0 = 1_700_000_000.0
INTERVAL_S = 5.0


def _store(name: str, workers: int, ticks: int, offset_s: float, rng: np.random.Generator) -> LiveStore:
    ids = [f"{name}-w{i:05d}" for i in range(workers)]
    base = np.zeros((workers, len(NUMBER_FIELDS)))
    base[:, NUMBER_FIELDS.index("cpu_cores")] = 8.0
    base[:, NUMBER_FIELDS.index("memory_mb")] = 16384.0
    base[:, NUMBER_FIELDS.index("gpu")] = np.nan
    base[:, NUMBER_FIELDS.index("alloc_gpu")] = np.nan
    live = LiveStore(retention_s=ticks * INTERVAL_S + 60, clock=lambda: T0 + ticks * INTERVAL_S)
    for k in range(ticks):
        values = base.copy()
        values[:, :2] = rng.random((workers, 2))
        values[:, 3] = values[:, 0]
        values[:, NUMBER_FIELDS.index("last_heartbeat")] = T0 + k * INTERVAL_S
        cols = WorkerColumns(ids, ["active"] * workers, values)
        live.ingest(Snapshot(timestamp=T0 + offset_s + k * INTERVAL_S, total_workers=workers,
                             active_workers=workers, active_tasks=workers, pending_tasks=0,
                             resource_reservations=workers, cpu=float(values[:, 0].mean()),
                             memory=float(values[:, 1].mean()), gpu=None,
                             overall=float(values[:, 0].mean()), workers=cols))
    return live


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer ticks and sizes, for a smoke run")
    args = parser.parse_args()
    ticks = 60 if args.quick else 720
    cases = [(2, 1000)] if args.quick else [(2, 1000), (4, 1000), (2, 10000), (8, 10000)]
    rng = np.random.default_rng(0)
    rows = []
    for clusters, total in cases:
        views = {f"c{i}": _store(f"c{i}", total // clusters, ticks, i * INTERVAL_S / clusters, rng).view()
                 for i in range(clusters)}
        combine_ms = _median_ms(lambda: combine_views(views, INTERVAL_S), 5)
        fresh = [combine_views(views, INTERVAL_S) for _ in range(5)]  # each reads its matrix once
        metric_ms = _median_ms(lambda: fresh.pop().workers["cpu"], 5)
        rows.append([clusters, f"{total:,}", ticks, f"{combine_ms:.1f}", f"{metric_ms:.1f}"])
        print(rows[-1], flush=True)
    body = ("## Several clusters: the \"All clusters\" view\n\n"
            f"{machine()}. `python bench/bench_clusters.py`. The combined view is built at most once an "
            "update interval (not per viewer); its per-worker matrices are copied only when a page "
            "reads them, one metric at a time.\n\n"
            + table(["clusters", "workers (all clusters)", "ticks each", "combine, ms (median of 5)",
                     "then one worker metric, ms (median of 5)"], rows))
    if not args.quick:
        print(f"wrote {write_section('clusters', body)}")


if __name__ == "__main__":
    main()
