"""History with several clusters: a cluster on every row, and version-1 files migrated in place."""

from __future__ import annotations

import duckdb

from drm_dashboard.models import Alert, ScalingDecision
from drm_dashboard.store import HistoryStore
from drm_dashboard.store.database import SCHEMA_VERSION
from drm_dashboard.store.rollup import RetentionPolicy

T0 = 1_700_000_000.0

# the tables as version 1 wrote them (before clusters), with a row in each
V1_DDL = [
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    "INSERT INTO schema_version VALUES (1)",
    'CREATE TABLE system_metrics ("ts" DOUBLE NOT NULL, "total_workers" BIGINT, "active_workers" BIGINT, '
    '"active_tasks" BIGINT, "pending_tasks" BIGINT, "resource_reservations" BIGINT, '
    '"cpu_utilization" DOUBLE, "memory_utilization" DOUBLE, "gpu_utilization" DOUBLE, '
    '"overall_utilization" DOUBLE, "allocated" DOUBLE)',
    'CREATE TABLE scaling_decisions ("ts" DOUBLE NOT NULL, "seq" BIGINT NOT NULL, "action" VARCHAR NOT NULL, '
    '"count" BIGINT, "reason" VARCHAR, "utilization" DOUBLE, "worker_ids" VARCHAR, "trigger" VARCHAR, '
    "PRIMARY KEY (ts, seq, action))",
    'CREATE TABLE alerts ("id" VARCHAR, "ts" DOUBLE NOT NULL, "level" VARCHAR, "source" VARCHAR, '
    '"message" VARCHAR, "details" VARCHAR, PRIMARY KEY (id))',
    f"INSERT INTO system_metrics VALUES ({T0}, 3, 3, 1, 0, 3, 25, 50, NULL, 50, 40)",
    f"INSERT INTO scaling_decisions VALUES ({T0}, 1, 'scale_up', 1, 'busy', 0.9, '[\"w0\"]', NULL)",
    f"INSERT INTO alerts VALUES ('old', {T0}, 'warning', 'system', 'old alert', '{{}}')",
]


def _v1_file(path):
    con = duckdb.connect(str(path))
    for sql in V1_DDL:
        con.execute(sql)
    con.close()


def test_a_version_1_file_is_migrated_keeping_its_rows(tmp_path, make_snapshot):
    snapshot = make_snapshot
    path = tmp_path / "v1.duckdb"
    _v1_file(path)
    with HistoryStore(path) as history:
        cur = history._cursor()
        assert cur.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert cur.execute("SELECT cluster, total_workers FROM system_metrics").fetchall() == [("", 3)]
        assert cur.execute("SELECT cluster, action FROM scaling_decisions").fetchall() == [("", "scale_up")]
        assert cur.execute("SELECT cluster, id FROM alerts").fetchall() == [("", "old")]
        # the old rows are one coordinator's: read for a named cluster, not for a fleet's
        assert len(history.load_window(T0 - 1, T0 + 1, "east").system) == 1
        assert len(history.load_window(T0 - 1, T0 + 1, "east", legacy=False).system) == 0
        decision = history.load_window(T0 - 1, T0 + 1, "east").decision_records()[0]
        assert (decision.action, decision.cluster) == ("scale_up", "")
        # the migrated table takes rows of several clusters that share a (ts, seq, action)
        history.append(snapshot(T0, decisions=[_decision()]), cluster="east")
        history.flush()
        assert cur.execute("SELECT count(*) FROM scaling_decisions").fetchone()[0] == 2
    with HistoryStore(path) as again:  # opened once more: nothing to migrate, nothing lost
        assert again.counts()["system_metrics"] == 2


def _decision(cluster=""):
    return ScalingDecision("scale_up", 1, "busy", 0.9, ("w0",), timestamp=T0, seq=1, cluster=cluster)


def test_every_row_carries_its_cluster_and_reads_filter_by_it(tmp_path, make_snapshot):
    snapshot = make_snapshot
    with HistoryStore(tmp_path / "h.duckdb") as history:
        for cluster in ("east", "west"):
            # the same worker ids and the same decision on both: still two of each
            history.append(snapshot(T0, decisions=[_decision(cluster)]), cluster=cluster)
            history.append_alert(Alert(f"{cluster}/a", T0, "warning", "system", "down", cluster=cluster))
        history.flush()
        assert history.counts() == {"system_metrics": 2, "worker_metrics": 6, "performance_metrics": 2,
                                    "scaling_decisions": 2, "alerts": 2}
        west = history.load_window(T0 - 1, T0 + 1, "west", legacy=False)
        assert set(west.workers["cluster"]) == {"west"} and len(west.workers) == 3
        assert [a.cluster for a in west.alert_records()] == ["west"]
        assert [d.cluster for d in west.decision_records()] == ["west"]
        one = west.with_cluster("")  # read as a single source's records
        assert [d.cluster for d in one.decision_records()] == [""]


def test_roll_up_keeps_two_clusters_workers_of_the_same_id_apart(tmp_path, make_snapshot):
    snapshot = make_snapshot
    policy = RetentionPolicy(retention_s=30 * 86_400.0, steps=((60.0, 60.0),))
    with HistoryStore(tmp_path / "r.duckdb", policy=policy, maintain_every_s=None) as history:
        minute = 1_700_000_040.0  # a whole minute: six ticks, one 60 s bucket
        for i in range(6):
            history.append(snapshot(minute + 10 * i, ("w0",), tick=i), cluster="east")
            history.append(snapshot(minute + 10 * i, ("w0",), tick=i + 32), cluster="west")
        history.flush()
        history.maintain(T0 + 3600)
        rows = history._cursor().execute(
            "SELECT cluster, worker_id, count(*) FROM worker_metrics GROUP BY ALL ORDER BY 1").fetchall()
        assert rows == [("east", "w0", 1), ("west", "w0", 1)]
        means = history._cursor().execute(
            "SELECT cluster, cpu FROM worker_metrics ORDER BY cluster").fetchall()
        assert means[0][1] != means[1][1]  # each cluster's own mean, not one of both


def test_a_range_read_for_one_cluster_reads_only_its_rows(tmp_path, make_snapshot):
    from drm_dashboard.store.range_view import history_view
    snapshot = make_snapshot
    with HistoryStore(tmp_path / "h.duckdb") as history:
        for cluster, workers in (("east", 2), ("west", 5)):
            for k in range(3):
                ids = [f"w{i}" for i in range(workers)]
                history.append(snapshot(T0 + 5 * k, ids, decisions=[_decision(cluster)] if k == 0 else []),
                               cluster=cluster)
        history.flush()
        views = {c: history_view(history, T0, T0 + 15, 5.0, 1, cluster=(c,)) for c in ("east", "west")}
    assert [v.n_workers for v in views.values()] == [2, 5]
    assert [list(v.system["total_workers"]) for v in views.values()] == [[2.0] * 3, [5.0] * 3]
    assert [[d.cluster for d in v.decisions] for v in views.values()] == [["east"], ["west"]]


def test_a_single_coordinators_range_read_keeps_the_rows_from_before_clusters(tmp_path):
    from drm_dashboard.store.range_view import history_view
    path = tmp_path / "v1.duckdb"
    _v1_file(path)  # one unnamed row at T0, and its decision
    with HistoryStore(path) as history:
        own = history_view(history, T0, T0 + 5, 5.0, 1, cluster=("host:1", ""), workers=False)
        other = history_view(history, T0, T0 + 5, 5.0, 1, cluster=("host:1",), workers=False)
    assert list(own.system["total_workers"]) == [3.0] and len(own.decisions) == 1
    assert not (other.system["total_workers"] > 0).any() and other.decisions == ()
