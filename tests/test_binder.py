"""Binder: binder/ is a repo2docker configuration that installs the course and opens on lesson 00."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.binderkit import recreate

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
START = "lessons/00-start-here.md"


def requirement_lines(path: Path) -> list[str]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            lines += requirement_lines(path.parent / line[3:].strip())
        else:
            lines.append(line)
    return lines


def test_binder_files_are_what_repo2docker_reads():
    """The checks repo2docker itself makes, without repo2docker (see the next test for it)."""
    # Only files repo2docker knows; an environment.yml or Dockerfile would take precedence.
    known = {"requirements.txt", "runtime.txt", "postBuild", "overrides.json", "apt.txt", "start"}
    assert {p.name for p in BINDER.iterdir()} <= known, sorted(p.name for p in BINDER.iterdir())
    assert re.fullmatch(r"python-3\.1[1-9]\s*", (BINDER / "runtime.txt").read_text())
    # Exactly the tested pins of requirements/lock.txt, nothing unpinned.
    reqs = requirement_lines(BINDER / "requirements.txt")
    lock = requirement_lines(ROOT / "requirements" / "lock.txt")
    assert reqs == lock and all("==" in r for r in reqs)
    for pin in ["jupyterlab==4.6.6", "nbgrader==0.9.6", "jupytext==1.19.6"]:
        assert pin in reqs
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK) and post.read_text().startswith("#!/bin/bash")
    text = post.read_text()
    assert "pip install --no-deps" in text and "rfc3987-syntax" in text
    assert "binder/overrides.json" in text and "share/jupyter/lab/settings" in text
    assert f'c.ServerApp.default_url = "/lab/tree/{START}"' in text
    assert f'c.LabApp.default_url = "/lab/tree/{START}"' in text  # `jupyter lab` uses this one
    assert (ROOT / START).is_file()
    overrides = json.loads((BINDER / "overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == viewers["myst"] == "Jupytext Notebook"


def test_repo2docker_accepts_the_configuration(tmp_path):
    exe = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).parent / "jupyter-repo2docker")
    if not os.path.exists(exe):
        pytest.skip(
            "repo2docker is not installed (pip install -r requirements/browser.txt); "
            "test_binder_files_are_what_repo2docker_reads checks the files without it"
        )
    proc = subprocess.run(
        [exe, "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    dockerfile = proc.stdout + proc.stderr
    assert "python=3.11" in dockerfile  # from runtime.txt
    copy_all = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    pip = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    post = dockerfile.index("RUN ./binder/postBuild")
    # requirements.txt refers to ../requirements/lock.txt, so the repository is copied first.
    assert copy_all < pip < post


@pytest.mark.slow
def test_binder_environment_recreated_in_a_fresh_venv_runs_the_start_lesson(tmp_path):
    """What repo2docker would run, in a new virtual environment: pip install -r
    binder/requirements.txt, then binder/postBuild; then the start lesson executes there."""
    binder = recreate(tmp_path)
    venv, home, env, python = binder.venv, binder.home, binder.env, binder.python
    assert json.loads((venv / "share/jupyter/lab/settings/overrides.json").read_text()) == json.loads(
        (BINDER / "overrides.json").read_text()
    )
    code = r"""
import json, sys
from pathlib import Path
import jupytext, coursekit as ck
from nbclient import NotebookClient
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.load_config_file()
nb = jupytext.read(sys.argv[1])
where = {"metadata": {"path": str(Path(sys.argv[1]).parent)}}
NotebookClient(nb, timeout=180, kernel_name="python3", resources=where).execute()
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
outputs = [o for c in nb.cells for o in c.get("outputs", [])]
figures = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
print(json.dumps({"data": str(ck.data_dir()), "errors": len(errors), "figures": figures,
                  "default_url": app.default_url, "prefix": sys.prefix}))
"""
    out = subprocess.run(
        [str(python), "-c", code, str(ROOT / START)],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["prefix"] == str(venv)
    assert result["data"].startswith(str(venv)), "coursekit found its datasets outside the Binder env"
    assert result["errors"] == 0 and result["figures"] >= 1
    assert result["default_url"] == f"/lab/tree/{START}"
