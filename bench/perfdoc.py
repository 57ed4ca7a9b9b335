"""Write one benchmark's section of docs/PERFORMANCE.md, leaving the other sections alone."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
HEAD = ("# Performance\n\nFigures measured by the scripts in `bench/` (each rewrites its own section). "
        "Machines are shared and noisy: compare ratios within one run, not absolute numbers across runs.\n")


def machine() -> str:
    """One line naming where the figures were measured."""
    return (f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
            f"{platform.machine()}, measured {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}")


def write_section(name: str, body: str) -> Path:
    """Replace (or append) the section between this benchmark's markers."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = DOC.read_text() if DOC.exists() else HEAD
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    return DOC


def table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
