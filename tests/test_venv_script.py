"""scripts/venv.sh, which the README's two commands source: it makes and activates the project's venv."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.timeout(180)


def _prefix_after_sourcing(venv: Path) -> str:
    env = {**os.environ, "DRM_VENV": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    out = subprocess.run(["bash", "-c", '. scripts/venv.sh && python -c "import sys; print(sys.prefix)"'],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_venv_a_first_run_left_half_made_is_made_again(tmp_path):
    venv = tmp_path / "venv"
    # what Ctrl-C during the first `python3 -m venv` leaves: the interpreter link, no activate
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    assert Path(_prefix_after_sourcing(venv)).resolve() == venv.resolve()
    assert (venv / "bin" / "activate").is_file()
    # a whole one is kept as it is
    marker = venv / "kept"
    marker.write_text("")
    assert Path(_prefix_after_sourcing(venv)).resolve() == venv.resolve() and marker.exists()
