"""deploy/hub: the JupyterHub configuration, loaded by JupyterHub's own config loader, and a smoke test.

JupyterHub is not in the course's lock: `make hub-setup` (and `make test`) installs
requirements/hub.txt and the pinned configurable-http-proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "deploy" / "hub"
CHP = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"

jupyterhub_app = pytest.importorskip(
    "jupyterhub.app", reason="JupyterHub is not installed: `make hub-setup` installs requirements/hub.txt"
)

COURSES = {
    "exchange": "/srv/nbgrader/exchange",
    "admins": ["admin1"],
    "courses": {
        "course101": {"port": 9999, "instructors": ["instructor1"], "students": ["student1", "student2"]},
        "course123": {"port": 9998, "instructors": ["instructor2"], "students": ["student1"]},
    },
}


def load_hub_config(tmp_path, monkeypatch, courses=COURSES, **env):
    path = tmp_path / "courses.json"
    path.write_text(json.dumps(courses))
    monkeypatch.setenv("COURSEKIT_HUB_COURSES", str(path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = jupyterhub_app.JupyterHub()
    app.load_config_file(str(HUB / "jupyterhub_config.py"))
    return app.config


def test_groups_follow_nbgrader_names(tmp_path, monkeypatch):
    cfg = load_hub_config(tmp_path, monkeypatch)
    groups = cfg.JupyterHub.load_groups
    assert set(groups) == {
        "formgrade-course101",
        "nbgrader-course101",
        "formgrade-course123",
        "nbgrader-course123",
    }
    assert groups["formgrade-course101"]["users"] == ["grader-course101", "instructor1"]
    assert groups["nbgrader-course101"]["users"] == ["instructor1", "student1", "student2"]
    assert groups["nbgrader-course123"]["users"] == ["instructor2", "student1"]
    assert "student1" not in groups["formgrade-course101"]["users"]


def test_roles_are_scoped_to_each_course_service(tmp_path, monkeypatch):
    cfg = load_hub_config(tmp_path, monkeypatch)
    roles = {r["name"]: r for r in cfg.JupyterHub.load_roles}
    assert roles["formgrade-course101"]["scopes"] == ["access:services!service=course101"]
    assert roles["formgrade-course101"]["groups"] == ["formgrade-course101"]
    assert roles["nbgrader-course123"]["scopes"] == ["list:services", "read:services!service=course123"]
    service_role = roles["course-service-course101"]
    assert service_role["services"] == ["course101"]
    # the course's service changes only its own students' group; no admin scopes anywhere
    assert "groups!group=nbgrader-course101" in service_role["scopes"]
    assert not any("course123" in s for s in service_role["scopes"])
    every_scope = [s for r in roles.values() for s in r["scopes"]]
    assert not any(s.startswith("admin") for s in every_scope)
    assert set(roles["idle-culler"]["scopes"]) >= {"list:users", "delete:servers"}


def test_services_formgrader_per_course_and_culler(tmp_path, monkeypatch):
    cfg = load_hub_config(tmp_path, monkeypatch)
    services = {s["name"]: s for s in cfg.JupyterHub.services}
    assert set(services) == {"course101", "course123", "idle-culler"}
    s101 = services["course101"]
    assert s101["user"] == "grader-course101"
    assert s101["url"] == "http://127.0.0.1:9999"
    assert s101["command"][0].endswith("jupyterhub-singleuser")
    assert s101["environment"]["COURSEKIT_COURSE_ID"] == "course101"  # service name == nbgrader course id
    assert "COURSEKIT_FRAME_ANCESTORS" not in s101["environment"]  # one origin: no framing by default
    assert "jupyterhub_idle_culler" in services["idle-culler"]["command"]
    assert cfg.JupyterHub.spawner_class == "localprocess"  # students are real unix users
    assert cfg.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert cfg.Authenticator.allowed_users >= {"student1", "student2", "grader-course123", "instructor2"}
    assert cfg.Authenticator.admin_users == {"admin1"}


def test_formgrader_may_be_framed_only_with_subdomains(tmp_path, monkeypatch):
    cfg = load_hub_config(tmp_path, monkeypatch, COURSEKIT_HUB_SUBDOMAIN_HOST="https://hub.example.edu")
    assert cfg.JupyterHub.subdomain_host == "https://hub.example.edu"
    for service in cfg.JupyterHub.services[:2]:
        assert service["environment"]["COURSEKIT_FRAME_ANCESTORS"] == "1"
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("COURSEKIT_FRAME_ANCESTORS", "1")
    server = PyFileConfigLoader("jupyter_server_config.py", path=str(HUB)).load_config()
    assert server.ServerApp.tornado_settings["headers"]["Content-Security-Policy"] == "frame-ancestors 'self'"
    monkeypatch.delenv("COURSEKIT_FRAME_ANCESTORS")
    assert "ServerApp" not in PyFileConfigLoader("jupyter_server_config.py", path=str(HUB)).load_config()


def test_global_nbgrader_config(monkeypatch):
    from nbgrader.exchange.default import ExchangeCollect, ExchangeSubmit
    from traitlets.config.loader import PyFileConfigLoader

    from coursekit.exchange import PrivateCollect, PrivateSubmit

    monkeypatch.delenv("COURSEKIT_COURSE_ID", raising=False)
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(HUB)).load_config()
    assert cfg.Exchange.path_includes_course is True
    assert cfg.Exchange.root == "/srv/nbgrader/exchange"
    assert cfg.Authenticator.plugin_class == "nbgrader.auth.JupyterHubAuthPlugin"
    assert cfg.ExchangeFactory.submit == "coursekit.exchange.PrivateSubmit"
    assert cfg.ExchangeFactory.collect == "coursekit.exchange.PrivateCollect"
    assert issubclass(PrivateSubmit, ExchangeSubmit) and issubclass(PrivateCollect, ExchangeCollect)
    assert "CourseDirectory" not in cfg  # students: no course root
    monkeypatch.setenv("COURSEKIT_COURSE_ID", "course101")
    monkeypatch.setenv("COURSEKIT_COURSE_ROOT", "/home/grader-course101/course101")
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(HUB)).load_config()
    assert cfg.CourseDirectory.course_id == "course101"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_hub_starts_on_loopback(tmp_path):
    """The real hub, proxy and idle culler from this config answer on 127.0.0.1."""
    proxy = str(CHP) if CHP.exists() else shutil.which("configurable-http-proxy")
    if not proxy:
        pytest.skip("configurable-http-proxy is not installed (`make hub-setup` installs it with npm)")
    courses = tmp_path / "courses.json"
    # No course here: a course's service runs as the unix user grader-COURSE, which this machine lacks.
    courses.write_text(json.dumps({"courses": {}}))
    port, api, internal = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "COURSEKIT_HUB_COURSES": str(courses),
        "COURSEKIT_HUB_URL": f"http://127.0.0.1:{port}",
        "COURSEKIT_PROXY_API": f"http://127.0.0.1:{api}",
        "COURSEKIT_HUB_INTERNAL_PORT": str(internal),
        "COURSEKIT_HUB_AUTHENTICATOR": "dummy",
        "COURSEKIT_HUB_DB": f"sqlite:///{tmp_path / 'hub.sqlite'}",
        "COURSEKIT_HUB_COOKIE": str(tmp_path / "cookie"),
        "PATH": f"{Path(proxy).parent}:{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    log = open(tmp_path / "hub.log", "w")
    hub = subprocess.Popen(
        [sys.executable, "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py")],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, info = time.monotonic() + 120, None
        while time.monotonic() < deadline and hub.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/api", timeout=5) as resp:
                    info = json.load(resp)
                break
            except OSError:
                time.sleep(1)
        assert info is not None, (tmp_path / "hub.log").read_text()[-3000:]
        assert info["version"].startswith("6.1.")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/login", timeout=10) as resp:
            assert resp.status == 200
    finally:
        hub.terminate()
        try:
            hub.wait(30)
        except subprocess.TimeoutExpired:
            hub.kill()
        log.close()
