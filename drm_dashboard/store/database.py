"""Opening the history file safely, and its tables; every failure is one clear StorageError."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ..catalog import METRICS
from ..errors import StorageError
from .schema import INTEGER_COLUMNS, PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_COLUMNS

# 2: every table has a `cluster` column (issue 15); version 1 files are migrated in place
SCHEMA_VERSION = 2
TABLES = ("system_metrics", "worker_metrics", "performance_metrics", "scaling_decisions", "alerts")
_MAGIC = b"DUCK"
_MAGIC_AT = 8
_HINT = "pass another --db-path"


def _typed(names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(n, "BIGINT" if n in INTEGER_COLUMNS else "DOUBLE") for n in names]


COLUMNS: dict[str, list[tuple[str, str]]] = {
    "system_metrics": [("ts", "DOUBLE NOT NULL"), *_typed(SYSTEM_COLUMNS)],
    "worker_metrics": [("ts", "DOUBLE NOT NULL"), ("worker_id", "VARCHAR NOT NULL"),
                       ("status", "VARCHAR"), *_typed(WORKER_COLUMNS)],
    "performance_metrics": [("ts", "DOUBLE NOT NULL"), *_typed(PERFORMANCE_COLUMNS)],
    "scaling_decisions": [("ts", "DOUBLE NOT NULL"), ("seq", "BIGINT NOT NULL"),
                          ("action", "VARCHAR NOT NULL"), ("count", "BIGINT"), ("reason", "VARCHAR"),
                          ("utilization", "DOUBLE"), ("worker_ids", "VARCHAR"), ("trigger", "VARCHAR")],
    "alerts": [("id", "VARCHAR"), ("ts", "DOUBLE NOT NULL"), ("level", "VARCHAR"),
               ("source", "VARCHAR"), ("message", "VARCHAR"), ("details", "VARCHAR")],
}
# the coordinator a row came from; last, as ALTER TABLE ADD COLUMN puts it in a migrated file.
# '' marks rows written before clusters existed (one coordinator, name unknown)
CLUSTER_COLUMN = ("cluster", "VARCHAR NOT NULL DEFAULT ''")
for _columns in COLUMNS.values():
    _columns.append(CLUSTER_COLUMN)
# keys make the bulk inserts idempotent: a re-sent decision is ignored, an updated alert replaces
_KEYS = {"scaling_decisions": "PRIMARY KEY (cluster, ts, seq, action)", "alerts": "PRIMARY KEY (id)"}


def _ddl(table: str) -> str:
    parts = [f'"{name}" {kind}' for name, kind in COLUMNS[table]]
    if table in _KEYS:
        parts.append(_KEYS[table])
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(parts)})"


def check_file(path: Path) -> None:
    """Refuse, without writing a byte, a path that is a folder or a file that is not DuckDB."""
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a DuckDB database; {_HINT}")
    if not path.exists():
        return
    try:
        with path.open("rb") as f:
            head = f.read(_MAGIC_AT + len(_MAGIC))
    except OSError as exc:
        raise StorageError(f"{path} cannot be read ({exc.strerror}); {_HINT}") from None
    if not head:
        raise StorageError(f"{path} is an empty file, not a DuckDB database; delete it or {_HINT}")
    if head[_MAGIC_AT:] != _MAGIC:
        raise StorageError(f"{path} is not a DuckDB database; {_HINT}")


def connect(path: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """Open (or create) the file; a missing parent folder is created."""
    check_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder for {path} ({exc.strerror}); {_HINT}") from None
    try:
        return duckdb.connect(str(path), config={"memory_limit": memory_limit, "threads": 1})
    except duckdb.Error as exc:
        raise StorageError(describe_open_error(path, exc)) from None


# DuckDB's words for another process holding the file, and for a damaged file; a bare "lock"
# would also match "checksum ... in block", which is corruption, not a lock
_LOCK_WORDS = ("could not set lock", "conflicting lock")
_CORRUPT_WORDS = ("corrupt", "checksum", "not a valid duckdb database", "invalid database")


def describe_open_error(path: Path, exc: duckdb.Error) -> str:
    """One line telling a locked file, a damaged file and anything else apart."""
    text = str(exc)
    lowered = text.lower()
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if any(word in lowered for word in _LOCK_WORDS):
        pid = re.search(r"PID (\d+)", text)
        who = f"pid {pid.group(1)}" if pid else "pid unknown"
        return f"{path} is locked by another process ({who}); stop it or {_HINT}"
    if any(word in lowered for word in _CORRUPT_WORDS):
        return (f"{path} is a damaged DuckDB database ({first}); restore it from a backup, "
                f"or move it aside and {_HINT}")
    return f"{path} cannot be opened as a DuckDB database ({first}); {_HINT}"


def ensure_schema(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Create missing tables; refuse a file whose tables of the same names are not ours."""
    try:
        existing = _existing_columns(con)
        if _version(con, existing) == 1:
            migrate_v1(con, existing)
            existing = _existing_columns(con)
        added = {table: _added_metrics(name, table, existing) for table in TABLES}
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        for table in TABLES:
            con.execute(_ddl(table))
            for column, kind in added[table]:
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {kind}')
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        if row[0] is None:
            con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
        elif row[0] != SCHEMA_VERSION:
            raise StorageError(f"{name} holds history schema version {row[0]}, this program "
                               f"reads version {SCHEMA_VERSION}; {_HINT}")
    except duckdb.Error as exc:
        raise StorageError(f"{name} cannot be prepared: {str(exc).splitlines()[0]}; {_HINT}") from None


def _added_metrics(name: str, table: str, existing: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Metric columns a file written before they were catalogued lacks; refuse any other gap."""
    if table not in existing:
        return []
    missing = [(c, kind) for c, kind in COLUMNS[table] if c not in existing[table]]
    for column, _ in missing:
        if column not in METRICS or METRICS[column].group == "worker":
            raise StorageError(f"{name} has a table {table} without column {column} "
                               f"(not written by drm-dashboard); {_HINT}")
    # older rows read NULL (NaN): a metric nobody sent then is "not reported", never 0
    return missing


def _version(con: duckdb.DuckDBPyConnection, existing: dict[str, set[str]]) -> int | None:
    if "schema_version" not in existing:
        return None
    return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]


def migrate_v1(con: duckdb.DuckDBPyConnection, existing: dict[str, set[str]]) -> None:
    """Version 1 -> 2 in one transaction: a `cluster` column ('' on old rows), decisions keyed by it."""
    con.begin()
    try:
        for table in TABLES:
            if table in existing and "cluster" not in existing[table] and table != "scaling_decisions":
                con.execute(f"ALTER TABLE {table} ADD COLUMN cluster VARCHAR NOT NULL DEFAULT ''")
        if "scaling_decisions" in existing:
            # a primary key cannot change in place: copy the rows into the new table
            con.execute("ALTER TABLE scaling_decisions RENAME TO scaling_decisions_v1")
            con.execute(_ddl("scaling_decisions"))
            con.execute("INSERT INTO scaling_decisions BY NAME SELECT * FROM scaling_decisions_v1")
            con.execute("DROP TABLE scaling_decisions_v1")
        con.execute("UPDATE schema_version SET version = 2")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main'").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out
