"""Seeded fakes shared by the tests: a fake clock, snapshot factory, and a scripted source."""

from __future__ import annotations

import random
from typing import Iterable

from drm_dashboard.models import PerformanceSample, ScalingDecision, Snapshot, WorkerSample


class FakeClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


class CatchUpClock:
    """Simulated time a test moves quickly, until it joins the wall clock for good (live=True)."""

    def __init__(self, start: float) -> None:
        self.now, self.live = start, False

    def __call__(self) -> float:
        import time
        return time.time() if self.live else self.now


def make_snapshot(ts: float, workers: int = 3, seed: int = 0, decisions: Iterable[ScalingDecision] = (),
                  gpu: bool = False) -> Snapshot:
    """A valid snapshot with seeded per-worker usage."""
    rng = random.Random(seed * 1_000_003 + int(ts))
    ws = tuple(WorkerSample(
        worker_id=f"w{i:04d}", status="active", cpu=rng.random(), memory=rng.random(),
        gpu=rng.random() if gpu else None, overall=0.5, alloc_cpu=rng.random(), alloc_memory=rng.random(),
        alloc_gpu=None, tasks=rng.randrange(5), cpu_cores=16, memory_mb=65536, gpu_devices=int(gpu),
        gpu_memory_mb=16000.0 if gpu else 0.0, last_heartbeat=ts) for i in range(workers))
    mean = sum(w.cpu for w in ws) / max(len(ws), 1)
    return Snapshot(timestamp=ts, total_workers=workers, active_workers=workers,
                    active_tasks=sum(w.tasks for w in ws), pending_tasks=0, resource_reservations=0,
                    cpu=mean, memory=0.4, gpu=0.3 if gpu else None, overall=0.45, workers=ws,
                    performance=PerformanceSample(1.0 + rng.random(), 2.0, 10.0, 0.7, int(ts) % 1000, 0),
                    decisions=tuple(decisions), allocated=0.6)


class ScriptedSource:
    """Returns or raises the next item of its script; a Snapshot factory fills the rest."""

    description = "scripted test source"

    def __init__(self, clock: FakeClock, script: Iterable[object] = (), workers: int = 3) -> None:
        self.clock = clock
        self.script = list(script)
        self.workers = workers
        self.calls = 0

    def snapshot(self) -> Snapshot:
        self.calls += 1
        item = self.script.pop(0) if self.script else None
        if isinstance(item, BaseException):
            raise item
        return item if isinstance(item, Snapshot) else make_snapshot(self.clock(), self.workers)


def wait_for(predicate, timeout: float = 20.0, step: float = 0.02) -> bool:
    """Poll predicate until it holds or timeout seconds pass; True when it held.

    The one poller of the suite: for state another thread or process changes, where there is no
    event to wait on. The timeout is generous because a loaded two-core machine is slow, never
    because the test needs the time.
    """
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def free_port() -> int:
    """A port nothing listens on right now (loopback)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when the port can be bound again on loopback."""
    import socket
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# the cluster picker's value as a single-source page sends it (tabs read it: ui/clusters.py)
CLUSTER_INPUT = {"id": "drm-cluster", "property": "value", "value": None}


def dash_callback(base_url: str, output_id: str, prop: str, inputs: list[dict],
                  more_outputs: tuple[tuple[str, str], ...] = ()) -> dict:
    """POST one callback as the Dash renderer does and return its JSON answer."""
    import requests
    outs = [(output_id, prop), *more_outputs]
    if more_outputs:  # Dash names a multi-output callback "..a.p...b.q.."
        output = ".." + "...".join(f"{i}.{p}" for i, p in outs) + ".."
        outputs: object = [{"id": i, "property": p} for i, p in outs]
    else:
        output, outputs = f"{output_id}.{prop}", {"id": output_id, "property": prop}
    body = {"output": output, "outputs": outputs,
            "inputs": inputs, "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs],
            "state": []}
    resp = requests.post(base_url.rstrip("/") + "/_dash-update-component", json=body, timeout=20)
    resp.raise_for_status()
    return resp.json()
