"""The import rules of docs/ARCHITECTURE.md, checked on the source tree's syntax (no imports run)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

PACKAGE = Path(__file__).resolve().parents[1] / "drm_dashboard"
# records and helpers every layer may use; they import nothing but each other
FOUNDATION = {"errors", "validation", "catalog", "series", "models", "worker_columns", "threads",
              "backoff"}
# layer -> the parts of drm_dashboard it must not import (data flows sources -> collector ->
# stores -> analytics -> ui; the collector is handed its processors, so it never names them)
FORBIDDEN = {
    "sources": {"store", "collector", "analytics", "notify", "ui", "report", "dashboard", "cli"},
    "store": {"sources", "manager", "collector", "analytics", "notify", "ui", "report", "dashboard",
              "cli"},
    "collector": {"analytics", "notify", "ui", "report", "dashboard", "cli"},
    "analytics": {"store", "sources", "collector", "notify", "ui", "report", "dashboard", "cli"},
    "ui": {"collector", "dashboard", "cli"},
}
# the web and plotting libraries: only the UI and the report renderer draw
PLOTTING = {"dash", "plotly", "dash_bootstrap_components", "dash_auth"}
PLOTTING_HOMES = {"ui", "report"}


def _module_parts(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path, root: Path) -> Iterator[str]:
    """Absolute names of every module the file imports, relative imports resolved."""
    parts = _module_parts(path, root)
    package = parts if path.name == "__init__.py" else parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module
            if node.module is None:  # `from . import view`: each name is a module
                yield from (f"{module}.{alias.name}" for alias in node.names)


def violations(root: Path) -> list[str]:
    """One line per import that breaks a rule: file, imported module, the rule."""
    out = []
    for path in sorted(root.rglob("*.py")):
        parts = _module_parts(path, root)
        layer = parts[1] if len(parts) > 1 else ""
        for name in imports(path, root):
            target = name.split(".")
            where = f"{path.relative_to(root.parent)} imports {name}"
            if target[0] in PLOTTING and layer not in PLOTTING_HOMES:
                out.append(f"{where}: only {sorted(PLOTTING_HOMES)} draw")
            if target[0] != root.name or len(target) < 2 or target[1] == layer:
                continue
            if layer in FOUNDATION and target[1] not in FOUNDATION:
                out.append(f"{where}: the foundation imports only itself")
            if target[1] in FORBIDDEN.get(layer, ()):
                out.append(f"{where}: {layer} must not import {target[1]}")
    return out


def test_the_package_keeps_its_import_rules():
    assert violations(PACKAGE) == []


def test_the_check_finds_each_kind_of_violation(tmp_path):
    root = tmp_path / "drm_dashboard"
    files = {
        "analytics/pipeline.py": "from ..store.view import LiveView\n",
        "analytics/alerts.py": "from drm_dashboard.store import schema\n",
        "collector.py": "from . import analytics\n",
        "store/live.py": "import plotly.graph_objects as go\n",
        "models.py": "if True:\n    from .store.live import LiveStore\n",
        "ui/app.py": "import dash\nfrom ..store.view import LiveView\n",  # allowed
        "report/writer.py": "import plotly\n",  # allowed
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    found = violations(root)
    assert [line.split(" imports ")[0] for line in found] == [
        "drm_dashboard/analytics/alerts.py", "drm_dashboard/analytics/pipeline.py",
        "drm_dashboard/collector.py", "drm_dashboard/models.py", "drm_dashboard/store/live.py"]
