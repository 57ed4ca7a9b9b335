"""How an evaluation writes what it found: one CSV row per series, and the summary as JSON."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Mapping, Sequence


def write_results(out: Path, rows: Sequence[Mapping[str, Any]], rows_name: str,
                  summary: Mapping[str, Any], summary_name: str) -> None:
    """rows as out/rows_name (the union of their columns, first-seen order), summary as JSON."""
    out.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with (out / rows_name).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or ["series"])
        writer.writeheader()
        writer.writerows(rows)
    (out / summary_name).write_text(json.dumps(summary, indent=2))
