"""Every command resolves its settings the same way: flag > <PREFIX>* variable > default."""

import ast
from pathlib import Path

import pytest

from drm_dashboard.cli import build_parser as dashboard_parser, main as dashboard_main, parse_settings
from drm_dashboard.cli_common import parse_settings as parse_command
from drm_dashboard.config import Settings
from drm_dashboard.coordinator import agent, cli as coordinator_cli
from drm_dashboard.environment import known_variables, unknown_variables
from drm_dashboard.export import ExportSettings, build_parser as export_parser
from drm_dashboard import integration_demo as demo
from drm_dashboard.monitoring import cli as monitoring_cli

PACKAGE = Path(__file__).resolve().parents[1] / "drm_dashboard"
COORD = ["--coordinator", "http://127.0.0.1:1"]

# (parser, settings class, flags every run needs, the prefix)
COMMANDS = {
    "dashboard": (dashboard_parser, Settings, []),
    "coordinator": (lambda prog: coordinator_cli.build_parser(), coordinator_cli.CoordinatorSettings,
                    ["--api-key", "k"]),
    "worker": (lambda prog: agent.build_parser(), agent.WorkerSettings, [*COORD, "--api-key", "k"]),
    "monitoring": (monitoring_cli.build_parser, monitoring_cli.MonitoringSettings, []),
    "demo": (demo.build_parser, demo.DemoSettings, []),
}


SERVERS = sorted(set(COMMANDS) - {"worker"})


def resolve(name, argv, environ):
    parser, cls, needed = COMMANDS[name]
    return parse_command(parser("prog"), cls, [*needed, *argv], environ=environ)


@pytest.mark.parametrize("name", SERVERS)
def test_flag_beats_environment_beats_default_for_every_command(name):
    cls = COMMANDS[name][1]
    var = cls.env_prefix + "PORT"
    default = resolve(name, [], {}).port
    assert resolve(name, [], {var: "9123"}).port == 9123 != default
    assert resolve(name, ["--port", "9124"], {var: "9123"}).port == 9124


@pytest.mark.parametrize("name", SERVERS)
def test_port_0_means_any_port_and_the_range_is_the_same_everywhere(name, capsys):
    assert resolve(name, ["--port", "0"], {}).port == 0
    with pytest.raises(SystemExit) as exit_:
        resolve(name, ["--port", "65536"], {})
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert "--port must be between 0 and 65535 (0: any free port), got 65536" in err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_bad_variable_exits_2_naming_it(name, capsys):
    var = COMMANDS[name][1].env_prefix + "SEED" if name != "worker" else "DRM_WORKER_INTERVAL"
    with pytest.raises(SystemExit) as exit_:
        resolve(name, [], {var: "eighty"})
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and f"{var} must be a" in err


def test_drm_api_key_is_read_for_every_command_that_talks_to_a_coordinator():
    env = {"DRM_API_KEY": "from-env"}
    assert resolve("coordinator", [], env).api_key == "k"  # the flag wins
    assert coordinator_cli.CoordinatorSettings.resolve({}, env).api_key == "from-env"
    assert agent.WorkerSettings.resolve({"coordinator": "http://h:1"}, env).api_key == "from-env"
    assert resolve("monitoring", ["--drm-url", "http://h:1"], env).api_key == "from-env"
    assert resolve("dashboard", ["--drm-url", "http://h:1"], env).api_key == "from-env"
    # with nothing to send it to, an exported key does not stop the demos
    assert resolve("monitoring", [], env).api_key is None and resolve("dashboard", [], env).api_key is None


def test_the_worker_takes_its_coordinator_from_the_environment_and_says_when_it_has_none(capsys):
    s = agent.WorkerSettings.resolve({}, {"DRM_WORKER_COORDINATOR": "http://c:8086", "DRM_API_KEY": "k"})
    assert s.coordinator == "http://c:8086" and s.api_key == "k"
    with pytest.raises(SystemExit):
        parse_command(agent.build_parser(), agent.WorkerSettings, ["--api-key", "k"], environ={})
    assert "--coordinator is required (or DRM_WORKER_COORDINATOR)" in capsys.readouterr().err


def test_export_reads_the_dashboards_history_file_variable_and_nothing_else():
    env = {"DRM_DASHBOARD_DB_PATH": "runs.duckdb", "DRM_DASHBOARD_FORMAT": "json"}
    s = parse_command(export_parser(), ExportSettings, [], environ=env)
    assert s.db_path == "runs.duckdb" and s.format == "csv"  # a format from the environment is a trap
    assert "DRM_DASHBOARD_DB_PATH" in known_variables("DRM_DASHBOARD_")
    assert "DRM_DASHBOARD_FORMAT" not in known_variables("DRM_DASHBOARD_")


def test_an_unknown_variable_warns_naming_the_closest_known_one(monkeypatch, capsys):
    monkeypatch.setenv("DRM_DASHBOARD_NO_SERVER", "1")
    monkeypatch.setenv("DRM_DASHBOARD_XYZZY", "1")
    settings = parse_settings([])
    assert settings.serve  # ignored, as the warning says
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "drm-dashboard: warning: DRM_DASHBOARD_NO_SERVER is not a setting and is ignored; "
        "did you mean DRM_DASHBOARD_SERVE?",
        "drm-dashboard: warning: DRM_DASHBOARD_XYZZY is not a setting and is ignored"]


def test_each_prefix_is_checked_only_against_its_own_settings():
    env = {"DRM_COORDINATOR_EVALUATE_EVERY": "5", "DRM_COORDINATOR_EVALUTE_EVERY": "5",
           "DRM_DASHBOARD_PORT": "1"}
    assert unknown_variables("DRM_COORDINATOR_", env) == [
        "DRM_COORDINATOR_EVALUTE_EVERY is not a setting and is ignored; "
        "did you mean DRM_COORDINATOR_EVALUATE_EVERY?"]


def test_subcommands_are_dispatched_by_the_parser_and_listed_in_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        dashboard_main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and all(f"    {name}" in out for name in ("export", "passwd", "token"))
    with pytest.raises(SystemExit) as exit_:
        dashboard_main(["frobnicate"])
    assert exit_.value.code == 2 and "invalid choice: 'frobnicate'" in capsys.readouterr().err


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                return True
    return False


def test_one_module_reads_the_environment():
    # notify reads the variable an alert config names for an SMTP password (at start-up), clusters
    # the key_env a clusters file names, png the browser location kaleido also honours; every command setting goes through environment.py
    # (matched by ending: the PNG writer may move between packages)
    allowed = ("environment.py", "notify/__init__.py", "clusters.py", "png.py")
    readers = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               if _reads_environment(ast.parse(p.read_text()))}
    assert [r for r in readers if not r.endswith(allowed)] == [] and "environment.py" in readers
