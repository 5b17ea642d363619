"""The package works from a built wheel and from the editable checkout, and `make lab` serves."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

import coursekit as ck


def test_editable_checkout_finds_the_repository_datasets(root, monkeypatch):
    monkeypatch.delenv("COURSEKIT_DATA", raising=False)
    assert ck.data_dir() in {root / "datasets", Path(ck.__file__).parent / "_datasets"}


@pytest.mark.slow
def test_built_wheel_carries_data_and_loads_without_the_checkout(root, tmp_path):
    build = tmp_path / "build"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(build)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    wheel = next(build.glob("seoul_tokyo_course-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "coursekit/_datasets/datapackage.json" in names
        shipped = {
            n.split("coursekit/_datasets/", 1)[1] for n in names if n.startswith("coursekit/_datasets/")
        }
        in_repo = {p.name for p in (root / "datasets").iterdir() if p.is_file()}
        assert shipped == in_repo, f"the wheel's datasets differ from datasets/: {sorted(shipped ^ in_repo)}"
        zf.extractall(site)
    code = (
        "import coursekit as ck, json;"
        "print(json.dumps([str(ck.data_dir()), len(ck.load('events')), "
        "str(ck.load('events')['date'].dtype)]))"
    )
    # The unpacked wheel comes first on the path (PYTHONPATH precedes site-packages, where the
    # editable install points at the checkout); the working directory is outside the checkout.
    env = {k: v for k, v in os.environ.items() if k != "COURSEKIT_DATA"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    )
    where, rows, dtype = json.loads(out.stdout)
    assert where.startswith(str(site)) and rows == len(ck.load("events")) and dtype.startswith("datetime64")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_course_with_lessons_opening_as_notebooks(root, tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    port = _free_port()
    args = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token=testtoken "
        "--ServerApp.port_retries=0"
    )
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS={args}"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        body = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=testtoken", timeout=5) as r:
                    assert r.status == 200
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body and "JupyterLab" in body, "JupyterLab did not answer on /lab"
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/lab/api/settings/@jupyterlab/docmanager-extension:plugin",
            headers={"Authorization": "token testtoken"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            settings = json.loads(r.read())
        # overrides.json changes the defaults of the setting schema
        assert (
            settings["schema"]["properties"]["defaultViewers"]["default"]["markdown"] == "Jupytext Notebook"
        )
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/contents/lessons?token=testtoken", timeout=10
        ) as r:
            names = [item["name"] for item in json.loads(r.read())["content"]]
        assert "00-start-here.md" in names
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
