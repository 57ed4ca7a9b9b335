"""`drm-dashboard export`: a time range of the history file to CSV, Parquet or JSON, one file per table."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import duckdb

from .cli_common import OneLineParser, command, parse_settings
from .config import ENV_PREFIX, Settings
from .environment import ENV_OFF, FromEnvironment
from .errors import ConfigError, StorageError
from .store.database import TABLES, describe_open_error, check_file

FORMATS = {"csv": "(FORMAT CSV, HEADER)", "parquet": "(FORMAT PARQUET)", "json": "(FORMAT JSON, ARRAY true)"}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


@dataclass(frozen=True)
class ExportedFile:
    """One table written: where, and how many rows."""

    table: str
    path: Path
    rows: int


def parse_time(text: str, now: float) -> float:
    """Epoch seconds from 'now', epoch seconds, or ISO 8601 (without a zone: the server's local time)."""
    value = text.strip()
    if value.lower() == "now":
        return now
    try:
        number = float(value)
    except ValueError:
        try:
            return dt.datetime.fromisoformat(value).timestamp()
        except ValueError:
            raise ConfigError(f"{text!r} is not a time: use ISO 8601 (2024-05-01T12:00), epoch "
                              "seconds or 'now'") from None
    if not math.isfinite(number):
        raise ConfigError(f"{text!r} is not a finite time")
    return number


def parse_duration(text: str) -> float:
    """Seconds from '90s', '15m', '6h' or '7d'."""
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"--last {text!r}: expected a number and a unit s, m, h or d (e.g. 6h)")
    return float(match.group(1)) * _UNITS[match.group(2)]


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The history file for reading; StorageError (one line) when missing, foreign or locked."""
    check_file(path)
    if not path.exists():
        raise StorageError(f"{path} does not exist; pass the --db-path the dashboard wrote")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StorageError(describe_open_error(path, exc)) from None


def _copy_sql(table: str, start: float | None, end: float | None, target: Path, fmt: str) -> tuple[str, list]:
    where, params = [], []
    if start is not None:
        where.append("ts >= ?")
        params.append(start)
    if end is not None:
        where.append("ts <= ?")
        params.append(end)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = "ts, worker_id" if table == "worker_metrics" else "ts"
    quoted = str(target).replace("'", "''")
    # time_utc first: a person reads the file; ts stays for programs and a later import
    select = (f"SELECT make_timestamp(CAST(round(ts * 1e6) AS BIGINT)) AS time_utc, * "  # noqa: S608
              f"FROM {table}{clause} ORDER BY {order}")
    return f"COPY ({select}) TO '{quoted}' {FORMATS[fmt]}", params


def export_history(db_path: str | Path, output_dir: str | Path, fmt: str, *, start: float | None = None,
                   end: float | None = None, tables: Sequence[str] = TABLES) -> list[ExportedFile]:
    """Write each table's rows with start <= ts <= end to output_dir/<table>.<fmt>."""
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    if start is not None and end is not None and start > end:
        raise ConfigError("the time range is empty: --start is after --end")
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise ConfigError(f"unknown table {unknown[0]!r}; one of {', '.join(TABLES)}")
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    con = open_read_only(Path(db_path))
    written = []
    try:
        for table in tables:
            target = folder / f"{table}.{fmt}"
            sql, params = _copy_sql(table, start, end, target, fmt)
            rows = con.execute(sql, params).fetchone()[0]
            written.append(ExportedFile(table, target, int(rows)))
    except duckdb.Error as exc:
        raise StorageError(f"exporting {db_path} failed: {str(exc).splitlines()[0]}") from None
    finally:
        con.close()
    return written



@dataclass(frozen=True)
class ExportSettings(FromEnvironment):
    """What `drm-dashboard export` writes; only the history file also comes from the environment."""

    # DRM_DASHBOARD_DB_PATH names the file the dashboard writes; a time range or a format in the
    # environment would silently narrow every export, so those are flags only
    env_prefix = ENV_PREFIX
    db_path: str = Settings.db_path
    format: str = field(default="csv", metadata=ENV_OFF)
    output_dir: str = field(default="drm_export", metadata=ENV_OFF)
    start: str | None = field(default=None, metadata=ENV_OFF)
    end: str | None = field(default=None, metadata=ENV_OFF)
    last: str | None = field(default=None, metadata=ENV_OFF)
    tables: str | None = field(default=None, metadata=ENV_OFF)

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.last and self.start:
            raise ConfigError("give --start or --last, not both")
        if not self.db_path:
            raise ConfigError("--db-path must not be empty")

    def table_list(self) -> Sequence[str]:
        return [t.strip() for t in self.tables.split(",") if t.strip()] if self.tables else TABLES

    def time_range(self, now: float) -> tuple[float | None, float]:
        """(start or None, end) in epoch seconds."""
        end = parse_time(self.end, now) if self.end else now
        if self.last:
            return end - parse_duration(self.last), end
        return (parse_time(self.start, now) if self.start else None), end


def build_parser(prog: str = "drm-dashboard export") -> argparse.ArgumentParser:
    p = OneLineParser(prog=prog, description="Export a time range of the dashboard's history "
                       "(DuckDB) to CSV, Parquet or JSON, one file per table.")
    p.add_argument("--db-path", help="history file (default: benchmark_db.duckdb, "
                   "or DRM_DASHBOARD_DB_PATH)")
    p.add_argument("--format", choices=tuple(FORMATS), help="file format (default: csv)")
    p.add_argument("--output-dir", help="folder for the files (default: drm_export)")
    p.add_argument("--start", help="first time: ISO 8601, epoch seconds or 'now' (default: the beginning)")
    p.add_argument("--end", help="last time, same forms (default: now)")
    p.add_argument("--last", help="instead of --start: this long before --end (90s, 15m, 6h, 7d)")
    p.add_argument("--tables", help=f"comma-separated subset of {','.join(TABLES)} (default: all)")
    return p


@command("drm-dashboard export")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Run the export; exit status 0, or 2 with one line on a bad range, format or database."""
    s = parse_settings(build_parser(prog), ExportSettings, argv)
    start, end = s.time_range(dt.datetime.now().timestamp())
    files = export_history(s.db_path, s.output_dir, s.format, start=start, end=end, tables=s.table_list())
    for f in files:
        print(f"{f.table}: {f.rows} rows -> {f.path}")
    return 0
