"""Real LiveViews for the UI tests: seeded snapshots ingested by a real LiveStore."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from drm_dashboard.models import Alert, ScalingDecision, ScalingTrigger, Snapshot
from drm_dashboard.store.live import LiveStore, LiveView
from drm_fakes import make_snapshot

T0 = 1_700_000_000.0


def trigger(**over) -> ScalingTrigger:
    """The trigger values the default policy records."""
    values = dict(window_utilization=0.85, instant_utilization=0.9, window_s=120.0, target=0.7,
                  scale_up_threshold=0.8, scale_down_threshold=0.3, cooldown_up_remaining_s=0.0,
                  cooldown_down_remaining_s=0.0, pending_tasks=4, worker_count=3)
    return ScalingTrigger(**{**values, **over})


def decision(ts: float, action: str = "scale_up", count: int = 2, seq: int = 1) -> ScalingDecision:
    return ScalingDecision(action, count, f"{action} because the test said so", 0.85, (), ts, seq,
                           trigger())


def filled_store(ticks: int, workers: int = 3, *, step: float = 5.0, gpu: bool = False,
                 shape: Callable[[int, Snapshot], Snapshot] | None = None,
                 decisions: dict[int, Iterable[ScalingDecision]] | None = None,
                 alerts: Iterable[Alert] = ()) -> LiveStore:
    """A store holding `ticks` ticks at `step` s; shape(i, snap) may edit each snapshot."""
    store = LiveStore(retention_s=ticks * step + 60, clock=lambda: T0 + ticks * step)
    for i in range(ticks):
        snap = make_snapshot(T0 + i * step, workers, gpu=gpu,
                             decisions=(decisions or {}).get(i, ()))
        store.ingest(shape(i, snap) if shape else snap)
    for alert in alerts:
        store.add_alert(alert)
    return store


def fill(ticks: int, workers: int = 3, **kwargs) -> LiveView:
    """The view of filled_store(ticks, workers, **kwargs)."""
    return filled_store(ticks, workers, **kwargs).view()


def drop_worker(snap: Snapshot, worker_id: str) -> Snapshot:
    """The snapshot without one worker (it did not report in that tick)."""
    return replace(snap, workers=tuple(w for w in snap.workers if w.worker_id != worker_id))


def synthetic(ticks: int, workers: int, *, step: float = 5.0, seed: int = 0) -> LiveView:
    """A large view built from arrays directly (ingesting 1,000-worker snapshots is slow in tests)."""
    import numpy as np

    from drm_dashboard.store.schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS

    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(ticks) * step
    system = {c: rng.uniform(0, 100, ticks) for c in SYSTEM_COLUMNS}
    system["gpu_utilization"][:] = np.nan
    perf = {c: rng.uniform(1, 50, ticks) for c in PERFORMANCE_COLUMNS}
    mats = {m: rng.uniform(0, 100, (ticks, workers)).astype(np.float32) for m in WORKER_METRICS}
    mats["gpu"][:] = np.nan
    ids = tuple(f"w{i:04d}" for i in range(workers))
    return LiveView.build(ticks, 1, ts, system, perf, ids, mats, (), (), ())


def callback_body(app, key: str, values: dict[str, object]) -> dict:
    """The JSON the Dash renderer POSTs for callback `key`; values are keyed "id.property"."""
    spec = app.callback_map[key]
    outs = key.strip(".").split("...")  # "..a.p...b.q.." for several outputs, "a.p" for one

    def props(items):
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    return {"output": key,
            "outputs": [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in outs]
            if len(outs) > 1 else dict(zip(("id", "property"), outs[0].rsplit(".", 1))),
            "inputs": props(spec["inputs"]), "state": props(spec["state"]),
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}


def callback_key(app, output: str) -> str:
    """The callback_map key of the callback that writes `output` ("id.property")."""
    return next(k for k in app.callback_map if output in k.strip(".").split("..."))
