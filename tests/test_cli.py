"""The CLI: every bad flag exits 2 with exactly one line naming what is wrong."""

import subprocess
import sys
from pathlib import Path

import pytest

from drm_dashboard.cli import parse_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("argv, words", [
    (["--port", "-1"], "--port"), (["--port", "65536"], "--port"), (["--port", "abc"], "--port"),
    (["--update-interval", "0"], "--update-interval"), (["--update-interval", "-2"], "--update-interval"),
    (["--retention", "0.01"], "--retention"), (["--theme", "neon"], "--theme"),
    (["--bogus"], "--bogus"), (["--demo-speed", "0.5"], "--demo-speed"),
    (["--demo-speed", "1001"], "--demo-speed"), (["--demo-speed", "nan"], "--demo-speed"),
    (["--demo-speed", "inf"], "--demo-speed"), (["--demo-speed", "fast"], "--demo-speed"),
])
def test_bad_flags_exit_2_with_one_line(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_settings(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err


def test_all_original_flags_parse():
    s = parse_settings(["--host", "127.0.0.1", "--port", "9001", "--db-path", "x.duckdb", "--theme",
                        "light", "--update-interval", "2", "--retention", "30", "--debug", "--browser",
                        "--drm-url", "http://127.0.0.1:9", "--api-key", "k"])
    assert (s.host, s.port, s.db_path, s.theme, s.update_interval, s.retention) == (
        "127.0.0.1", 9001, "x.duckdb", "light", 2.0, 30.0)
    assert s.debug and s.browser and s.drm_url == "http://127.0.0.1:9" and s.api_key == "k"


@pytest.mark.timeout(60)
def test_script_exits_2_on_a_bad_flag_without_a_traceback():
    proc = subprocess.run([sys.executable, str(ROOT / "run_drm_real_time_dashboard.py"), "--port", "-5"],
                          capture_output=True, text=True, timeout=50)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_demo_speed_polls_every_second_unless_told_otherwise():
    fast = parse_settings(["--demo-speed", "20"])
    assert fast.demo_speed == 20 and fast.update_interval == 1.0
    assert parse_settings(["--demo-speed", "20", "--update-interval", "3"]).update_interval == 3.0
    assert parse_settings([]).demo_speed == 1.0 and parse_settings([]).update_interval == 5.0
