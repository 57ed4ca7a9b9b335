"""Every ```python block of README.md, docs/ARCHITECTURE.md and of the seeds (copied in seed_snippets.md) runs as printed.

Each block runs in a fresh interpreter in an empty directory, with its port numbers swapped for
free ones. A block that ends by itself must exit 0 and leave its ports free; a block that serves
until Ctrl-C is interrupted once its port answers and must then exit 0 and free the port.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from drm_fakes import free_port, port_is_free, wait_for

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path(__file__).with_name("seed_snippets.md")
FENCE = "`" * 3
BLOCK = re.compile(r"^(#{1,4} [^\n]*)$|^" + FENCE + r"python\n(.*?)^" + FENCE, re.M | re.S)
PORT = re.compile(r"(port=)(\d{2,5})\b")
SETUP = ("from duckdb_api.distributed_testing.dynamic_resource_manager import DynamicResourceManager\n"
         "from duckdb_api.distributed_testing.dynamic_resource_management_visualization import "
         "DRMVisualization\n")


@dataclass(frozen=True)
class Plan:
    """How a block runs: code it needs first (what its page set up earlier), and how it ends."""

    prelude: str = ""
    serves_until_interrupted: bool = False
    ready: str = ""  # printed once the block is inside its wait; else its port answering is enough


# blocks that do not stand alone, by "file: heading"; every other block runs as it is
PLANS = {
    # continues the guide's Basic Usage block, and uses `time`, which the seed never imports; the
    # `time` given here says when the block is inside its try (a Ctrl-C before it is the block's
    # own traceback, as it would be for a user that quick)
    "seed_snippets.md: visualization_guide.md: Running the Dashboard": Plan(
        SETUP + "import time as _time, types\n"
        "time = types.SimpleNamespace(\n"
        "    sleep=lambda s: (print('in the wait loop', flush=True), _time.sleep(s)))\n"
        "visualization = DRMVisualization(dynamic_resource_manager="
        "DynamicResourceManager(), output_dir='./visualizations', interactive=True)\n",
        serves_until_interrupted=True, ready="in the wait loop"),
    "seed_snippets.md: visualization_guide.md: Programmatic Integration": Plan(
        serves_until_interrupted=True),
    # the API reference prints the constructor's signature: it needs the class imported
    "seed_snippets.md: visualization_guide.md: Constructor": Plan(SETUP),
}


@dataclass(frozen=True)
class Snippet:
    name: str
    code: str


def python_blocks(path: Path) -> list[Snippet]:
    """The ```python blocks of a markdown file, named by the heading above (a second one: "(2)")."""
    heading, out, seen = "top", [], collections.Counter()
    for match in BLOCK.finditer(path.read_text(encoding="utf-8")):
        if match.group(1):
            heading = match.group(1).lstrip("#").strip()
        else:
            name = f"{path.name}: {heading}"
            seen[name] += 1
            out.append(Snippet(name if seen[name] == 1 else f"{name} ({seen[name]})", match.group(2)))
    return out


SNIPPETS = (python_blocks(ROOT / "README.md") + python_blocks(ROOT / "docs" / "ARCHITECTURE.md")
            + python_blocks(SEEDS))


def test_every_document_has_its_blocks_and_every_plan_a_block():
    names = [s.name for s in SNIPPETS]
    assert sum(n.startswith("README.md") for n in names) >= 2
    assert sum(n.startswith("ARCHITECTURE.md") for n in names) >= 1
    assert sum(n.startswith("seed_snippets.md") for n in names) == 5
    assert set(PLANS) <= set(names), set(PLANS) - set(names)
    assert len(set(names)) == len(names)  # each block is addressed by its heading


def _with_free_ports(code: str) -> tuple[str, list[int]]:
    ports: list[int] = []

    def swap(match: re.Match) -> str:
        ports.append(free_port())
        return f"{match.group(1)}{ports[-1]}"

    return PORT.sub(swap, code), ports


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_serving(proc: subprocess.Popen, port: int, timeout_s: float = 150.0) -> None:
    # another process's socket: there is no event to wait on, only to poll
    assert wait_for(lambda: proc.poll() is not None or _answers(port), timeout=timeout_s, step=0.2), \
        f"nothing answered on port {port}"
    assert proc.poll() is None, f"exited {proc.returncode} before serving"


class Lines(threading.Thread):
    """Reads a pipe to its end; `seen` is set once a line starts with the text asked for."""

    def __init__(self, pipe, wanted: str) -> None:
        super().__init__(daemon=True)
        self.pipe, self.wanted, self.lines, self.seen = pipe, wanted, [], threading.Event()

    def run(self) -> None:
        for line in self.pipe:
            self.lines.append(line)
            if self.wanted and line.startswith(self.wanted):
                self.seen.set()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.name for s in SNIPPETS])
def test_the_block_runs_as_printed(snippet, tmp_path):
    plan = PLANS.get(snippet.name, Plan())
    code, ports = _with_free_ports(plan.prelude + snippet.code)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = Lines(proc.stdout, plan.ready)
    out.start()
    try:
        if plan.serves_until_interrupted:
            assert ports, "a block that serves names its port"
            _wait_serving(proc, ports[0])
            assert not plan.ready or out.seen.wait(150), f"never printed {plan.ready!r}"
            proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=150)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out.join(timeout=10)
    assert proc.returncode == 0, f"{snippet.name} failed:\n{code}\n--- stderr ---\n{err[-3000:]}"
    assert "Traceback" not in err, err[-3000:]
    assert all(port_is_free(p) for p in ports), f"{snippet.name} left a server running"
