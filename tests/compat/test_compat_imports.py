"""The package's top-level names load lazily; the original's duckdb_api paths are namespace aliases."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_PATHS = {
    "duckdb_api.distributed_testing.dashboard.drm_real_time_dashboard": "DRMRealTimeDashboard",
    "duckdb_api.distributed_testing.dynamic_resource_manager": "DynamicResourceManager",
    "duckdb_api.distributed_testing.dynamic_resource_management_visualization": "DRMVisualization",
    "duckdb_api.distributed_testing.dashboard.monitoring_dashboard": "MonitoringDashboard",
    "duckdb_api.distributed_testing.dashboard.drm_visualization_integration":
        "DRMVisualizationIntegration",
}


def _python(code: str, *paths: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (*paths, ROOT))}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=paths[0] if paths else ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(120)
def test_importing_the_package_loads_no_web_or_database_library():
    out = _python("""
        import sys, drm_dashboard
        heavy = sorted(m for m in ("dash", "plotly", "duckdb", "pandas", "flask") if m in sys.modules)
        print(heavy)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.timeout(120)
def test_every_exported_name_resolves_to_the_class_of_its_module():
    out = _python("""
        import drm_dashboard
        from drm_dashboard import DRMRealTimeDashboard, DynamicResourceManager, DRMVisualization
        from drm_dashboard import DRMVisualizationIntegration, MonitoringDashboard, LocalCloudProvider
        from drm_dashboard.dashboard import DRMRealTimeDashboard as D
        from drm_dashboard.manager.manager import DynamicResourceManager as M
        assert D is DRMRealTimeDashboard and M is DynamicResourceManager
        for name in drm_dashboard.__all__:
            assert getattr(drm_dashboard, name).__name__ == name, name
        try:
            drm_dashboard.NoSuchThing
        except AttributeError as exc:
            print("missing:", exc)
    """)
    assert out.returncode == 0, out.stderr
    assert "has no attribute 'NoSuchThing'" in out.stdout


@pytest.mark.timeout(120)
def test_the_seed_import_paths_are_our_classes():
    lines = [f"from {mod} import {name}" for mod, name in SEED_PATHS.items()]
    lines += ["import drm_dashboard as d",
              *[f"assert {name} is d.{name}, {name!r}" for name in SEED_PATHS.values()]]
    out = _python("\n".join(lines))
    assert out.returncode == 0, out.stderr


def _write(base: Path, rel: str, text: str) -> None:
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.timeout(120)
def test_another_duckdb_api_namespace_imports_alongside_ours(tmp_path):
    # another distribution's portion of the same namespace, with modules of its own at each level
    _write(tmp_path, "duckdb_api/core/benchmark_db.py", "NAME = 'core'\n")
    _write(tmp_path, "duckdb_api/distributed_testing/coordinator.py", "NAME = 'coordinator'\n")
    _write(tmp_path, "duckdb_api/distributed_testing/dashboard/other_page.py", "NAME = 'page'\n")
    out = _python("""
        from duckdb_api.core.benchmark_db import NAME as a
        from duckdb_api.distributed_testing.coordinator import NAME as b
        from duckdb_api.distributed_testing.dashboard.other_page import NAME as c
        from duckdb_api.distributed_testing.dashboard.drm_real_time_dashboard import DRMRealTimeDashboard
        from duckdb_api.distributed_testing.dynamic_resource_manager import DynamicResourceManager
        print(a, b, c, DRMRealTimeDashboard.__module__, DynamicResourceManager.__module__)
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["core", "coordinator", "page", "drm_dashboard.dashboard",
                                  "drm_dashboard.manager.manager"]


@pytest.mark.timeout(120)
def test_a_regular_duckdb_api_package_wins_and_ours_steps_aside(tmp_path):
    # the original project installed as a regular package: its own modules, unshadowed by ours
    _write(tmp_path, "duckdb_api/__init__.py", "")
    _write(tmp_path, "duckdb_api/distributed_testing/__init__.py", "")
    _write(tmp_path, "duckdb_api/distributed_testing/dynamic_resource_manager.py",
           "class DynamicResourceManager:\n    ORIGIN = 'theirs'\n")
    out = _python("""
        from duckdb_api.distributed_testing.dynamic_resource_manager import DynamicResourceManager
        print(DynamicResourceManager.ORIGIN)
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "theirs"
