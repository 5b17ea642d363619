"""The Binder environment, recreated without Docker: what repo2docker runs for binder/, in a new
virtual environment (pip install -r binder/requirements.txt, then binder/postBuild with a
throw-away HOME). Shared by tests/test_binder.py and the Binder route's browser test."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


@dataclass
class BinderEnv:
    venv: Path
    home: Path
    env: dict

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


def recreate(tmp_path: Path) -> BinderEnv:
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists():
        pytest.skip("uv is not in .venv (make setup installs it)")
    venv, home = tmp_path / "venv", tmp_path / "home"
    home.mkdir()
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            "-r",
            str(BINDER / "requirements.txt"),
        ],
        check=True,
        cwd=ROOT,
        timeout=900,
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "COURSEKIT_DATA", "VIRTUAL_ENV"}}
    env.update(
        PATH=f"{venv / 'bin'}:{env['PATH']}",
        HOME=str(home),
        NB_PYTHON_PREFIX=str(venv),
        # offline: build the course package with the hatchling that the lock installs
        PIP_NO_INDEX="1",
        PIP_NO_BUILD_ISOLATION="false",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    done = subprocess.run(
        ["bash", str(BINDER / "postBuild")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"binder/postBuild failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return BinderEnv(venv=venv, home=home, env=env)
