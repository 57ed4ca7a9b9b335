"""Opening the history file safely, and its tables; every failure is one clear StorageError."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ..catalog import METRICS
from ..errors import StorageError
from .schema import INTEGER_COLUMNS, PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_COLUMNS

SCHEMA_VERSION = 1
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
# keys make the bulk inserts idempotent: a re-sent decision is ignored, an updated alert replaces
_KEYS = {"scaling_decisions": "PRIMARY KEY (ts, seq, action)", "alerts": "PRIMARY KEY (id)"}


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


def _existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main'").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out
