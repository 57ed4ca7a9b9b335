"""The worker table: natural sort, filter clauses as DataTable sends them, search, paging."""

from dataclasses import replace

from drm_dashboard.ui.workertable import (filtered, natural_key, page_of, parse_filter, sort_rows,
                                          worker_rows)
from drm_fakes import make_snapshot
from drm_dashboard.store.live import LiveStore
from ui_views import T0


def _rows(ids, **over):
    return [{"id": w, "status": "active", "cpu": float(i * 10), "tasks": i, **over}
            for i, w in enumerate(ids)]


def test_natural_sort_puts_worker_2_before_worker_10():
    ids = ["worker-10", "worker-2", "worker-1", "Worker-3", "gpu-1"]
    assert sorted(ids, key=natural_key) == ["gpu-1", "worker-1", "worker-2", "Worker-3", "worker-10"]
    rows = sort_rows(_rows(ids), [{"column_id": "id", "direction": "desc"}])
    assert [r["id"] for r in rows] == ["worker-10", "Worker-3", "worker-2", "worker-1", "gpu-1"]


def test_numbers_sort_as_numbers_and_missing_ones_go_last():
    rows = _rows(["a", "b", "c"]) + [{"id": "d", "status": "not reporting", "cpu": None, "tasks": None}]
    desc = sort_rows(rows, [{"column_id": "cpu", "direction": "desc"}])
    assert [r["id"] for r in desc] == ["c", "b", "a", "d"]
    asc = sort_rows(rows, [{"column_id": "cpu", "direction": "asc"}])
    assert [r["id"] for r in asc] == ["a", "b", "c", "d"]


def test_filter_clauses_as_the_datatable_writes_them():
    assert parse_filter('{cpu} s> 15 && {status} scontains "act"') == [("cpu", ">", "15"),
                                                                       ("status", "contains", "act")]
    rows = _rows(["w1", "w2", "w3"])
    rows[2]["status"] = "lost"
    assert [r["id"] for r in filtered(rows, "{cpu} > 5", None)] == ["w2", "w3"]
    # what the table really sends for "> 5" typed in a numeric column
    assert [r["id"] for r in filtered(rows, "{cpu} s> 5", None)] == ["w2", "w3"]
    assert [r["id"] for r in filtered(rows, '{status} icontains "LOS"', None)] == ["w3"]
    assert [r["id"] for r in filtered(rows, '{status} s= "lost"', None)] == ["w3"]
    assert [r["id"] for r in filtered(rows, "{cpu} >= 10 && {status} contains act", None)] == ["w2"]
    assert [r["id"] for r in filtered(rows, "", "W2")] == ["w2"]
    # a clause on an unknown column is ignored, not an error
    assert len(filtered(rows, "{nope} > 1", None)) == 3


def test_pages_are_clamped_and_counted():
    rows = _rows([f"w{i}" for i in range(31)])
    page = page_of(rows, 2, 15)
    assert page.page_count == 3 and [r["id"] for r in page.rows] == ["w30"] and page.matched == 31
    assert page_of(rows, 99, 15).rows == page.rows and page_of([], 0, 15).page_count == 1


def test_rows_carry_status_heartbeat_capacity_allocation_use_and_tasks():
    store = LiveStore(retention_s=10_000, clock=lambda: T0 + 10)
    store.ingest(make_snapshot(T0, 3))
    last = make_snapshot(T0 + 5, 3)
    lost = replace(last.workers[1], status="lost")
    store.ingest(replace(last, workers=(last.workers[0], lost)))  # w0002 stopped reporting
    rows = {r["id"]: r for r in worker_rows(store.view())}
    assert rows["w0001"]["status"] == "lost" and rows["w0002"]["status"] == "not reporting"
    assert rows["w0002"]["cpu"] is None and rows["w0002"]["heartbeat"].startswith("last seen")
    w0 = last.workers[0]
    assert rows["w0000"]["cores"] == 16 and rows["w0000"]["memory_gb"] == 64.0
    assert rows["w0000"]["cpu"] == round(w0.cpu * 100, 1) and rows["w0000"]["tasks"] == w0.tasks
    assert rows["w0000"]["alloc_cpu"] == round(w0.alloc_cpu * 100, 1)
