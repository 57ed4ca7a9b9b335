"""scripts/venv.sh, which the README's two commands source: it makes and activates the project's venv."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(180)


def _source(venv: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DRM_VENV": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", "-c", '. scripts/venv.sh && python -c "import sys; print(sys.prefix)"'],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)


def _prefix_after_sourcing(venv: Path) -> str:
    out = _source(venv)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_venv_a_first_run_left_half_made_is_made_again(tmp_path):
    venv = tmp_path / "venv"
    # what Ctrl-C during the first `python3 -m venv` leaves: its config and the interpreter link,
    # no activate script
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    assert Path(_prefix_after_sourcing(venv)).resolve() == venv.resolve()
    assert (venv / "bin" / "activate").is_file()
    # a whole one is kept as it is
    marker = venv / "kept"
    marker.write_text("")
    assert Path(_prefix_after_sourcing(venv)).resolve() == venv.resolve() and marker.exists()


def test_a_folder_that_is_not_a_venv_is_left_alone_with_one_line(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    out = _source(folder)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "is not a virtual environment" in out.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
