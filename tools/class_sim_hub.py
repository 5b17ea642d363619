"""``class_sim --hub``: the real JupyterHub of deploy/hub inside the simulation's namespace.

After collect, the hub starts from deploy/hub/jupyterhub_config.py (loaded unchanged by a run-only
wrapper that adds two known tokens) with the simulation's course served as its grader account, and
checks over HTTP, as hub users: the instructor reaches the formgrader, a student is refused it, the
course service's token may add a student to nbgrader-COURSE and nothing broader, and a student's
server runs as the student's uid and lists the course's assignments. deploy/hub/README.md lists what
this does and does not cover.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tools.class_sim_users import COURSE_ID, GRADER, INNER, OUTER_NS, ROOT, Account, SimError, run_as, say

HUB_INSTRUCTOR = "instructor1"  # a hub account only: it opens the formgrader, it never spawns a server


# Loaded by JupyterHub instead of deploy/hub/jupyterhub_config.py: that file unchanged, then two
# additions for this run only (tokens the simulation must know; no scope of the config is changed).
HUB_WRAPPER = """\
load_subconfig({config!r})
c = get_config()  # noqa: F821
for service in c.JupyterHub.services:
    if service["name"] == {course!r}:
        service["api_token"] = {service_token!r}  # its scopes still come from its role in the config
c.JupyterHub.services.append({{"name": "class-sim-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append(
    {{
        "name": "class-sim-admin",
        "services": ["class-sim-admin"],
        "scopes": ["admin:users", "admin:groups", "admin:servers", "admin:server_state", "tokens"],
    }}
)
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_unavailable() -> str | None:
    """Why --hub cannot run here, or None."""
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "JupyterHub is not installed (make hub-setup)"
    chp = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not chp.exists() and not shutil.which("configurable-http-proxy"):
        return "configurable-http-proxy is not installed (make hub-setup installs it into .venv/hub-node)"
    return None


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def proc_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))
    except (OSError, StopIteration):
        return None


def stop_everything_started_here(hub: subprocess.Popen | None) -> list[str]:
    """Stop the hub (it stops its proxy, services and servers), then every process left below us.

    This process is a child subreaper (set before the hub starts), so a server the hub started in
    its own session and then lost is re-parented here and found by ``descendants``.
    """
    import signal

    if hub is not None and hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(60)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait(10)
    left = descendants(os.getpid())
    names = []
    for pid in left:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                names.append(fh.read().replace(b"\0", b" ").decode(errors="replace")[:80])
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in descendants(os.getpid())):
        _reap()
        time.sleep(0.2)
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.2)
    _reap()
    return names


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def become_subreaper() -> None:
    import ctypes

    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def hub_login(session, url: str, name: str) -> int:
    """Log in through the hub's login form (the dummy authenticator takes any password)."""
    import re

    page = session.get(f"{url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
    resp = session.post(
        f"{url}/hub/login",
        data={"username": name, "password": "class-sim", "_xsrf": xsrf.group(1) if xsrf else ""},
        allow_redirects=False,
        timeout=30,
    )
    return resp.status_code  # 302 on success


def wait_for(check, what: str, hub: subprocess.Popen, log: Path, seconds: float = 180):
    """Poll ``check`` until it returns something true (refused connections and 503s while starting)."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            raise SimError(f"the hub exited ({hub.returncode}) while waiting for {what}: {tail(log)}")
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError) as err:  # requests' errors are OSErrors; bad JSON a ValueError
            last = err
        time.sleep(1)
    raise SimError(f"timed out after {seconds:.0f} s waiting for {what} ({last}): {tail(log)}")


def log_warnings(log: Path) -> list[str]:
    """The hub's, proxy's and servers' warnings and errors, once each (plain-HTTP XSRF notes left out)."""
    import re

    seen: list[str] = []
    for line in tail(log, 10**7).splitlines():
        m = re.match(r"\[([WEC]) \S+ \S+ (\S+(?: \S+:\d+)?)\] (.*)", line)
        if not m or "Skipping XSRF check for insecure request" in line or "Received signal SIGTERM" in line:
            continue
        msg = f"{m.group(1)} {m.group(2)}: {re.sub(r'[0-9a-f]{16,}', '…', m.group(3))[:150]}"
        if msg not in seen:
            seen.append(msg)
    return sorted(seen, key=lambda m: m[0] != "E")[:20]  # errors first


def tail(log: Path, n: int = 2500) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def hub_stage(
    args,
    sim_env: dict,
    base: Path,
    grader: Account,
    students: dict[str, Account],
    names: list[str],
    course: Path,
    exchange: Path,
    a: str,
    py: str,
) -> dict:
    """The real hub from deploy/hub/jupyterhub_config.py, one course, checked over HTTP as its users."""
    import pwd
    import secrets

    import requests

    try:
        pwd.getpwnam(GRADER)  # JupyterHub starts the course's service by name
    except KeyError as err:
        raise SimError(f"{GRADER} is not in the namespace's /etc/passwd any more") from err
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    hubdir = base / "hub"
    hubdir.mkdir(mode=0o700)
    port, api_port, internal, service_port = free_port(), free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    hub_api = f"http://127.0.0.1:{internal}/hub/api"
    # in the hub: every student but the last (who is added later, as `nbgrader db student add` would)
    in_course, late_joiner = names[:-1], names[-1]
    courses = {
        "exchange": str(exchange),
        "courses": {
            COURSE_ID: {
                "port": service_port,
                "root": str(course),
                "home": str(grader.home),
                "instructors": [HUB_INSTRUCTOR],
                "students": in_course,
            }
        },
    }
    (hubdir / "courses.json").write_text(json.dumps(courses, indent=1))
    admin_token, service_token = secrets.token_hex(32), secrets.token_hex(32)
    config = hubdir / "jupyterhub_config.py"
    config.write_text(
        HUB_WRAPPER.format(
            config=str(ROOT / "deploy" / "hub" / "jupyterhub_config.py"),
            course=COURSE_ID,
            service_token=service_token,
            admin_token=admin_token,
        )
    )
    chp = ROOT / ".venv" / "hub-node" / "node_modules" / ".bin"
    env = {
        **os.environ,
        "HOME": str(hubdir),
        "PATH": f"{chp}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "COURSEKIT_HUB_COURSES": str(hubdir / "courses.json"),
        "COURSEKIT_HUB_URL": url,
        "COURSEKIT_PROXY_API": f"http://127.0.0.1:{api_port}",
        "COURSEKIT_HUB_INTERNAL_PORT": str(internal),
        "COURSEKIT_HUB_DB": f"sqlite:///{hubdir / 'hub.sqlite'}",
        "COURSEKIT_HUB_COOKIE": str(hubdir / "cookie_secret"),
        "COURSEKIT_HUB_AUTHENTICATOR": "dummy",
        "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
    }
    for key in ("JUPYTER_CONFIG_PATH", "COURSEKIT_EXCHANGE", INNER, OUTER_NS, "COURSEKIT_CLASS_SIM_BASE"):
        env.pop(key, None)
    log = hubdir / "hub.log"
    out: dict = {"users": {"instructor": HUB_INSTRUCTOR, "student": names[0], "late_joiner": late_joiner}}
    admin = {"Authorization": f"token {admin_token}"}
    hub = None
    become_subreaper()
    logfh = open(log, "w")  # closed in the finally below
    try:
        hub = subprocess.Popen(
            [py, "-m", "jupyterhub", "-f", str(config)],
            cwd=hubdir,
            env=env,
            stdout=logfh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        info = wait_for(lambda: requests.get(f"{url}/hub/api", timeout=5).json(), "the hub", hub, log)
        out["jupyterhub"] = info.get("version")
        # the course's formgrader service (a Jupyter server run by the hub as grader-COURSE)
        svc = f"http://127.0.0.1:{service_port}/services/{COURSE_ID}/api"
        wait_for(lambda: requests.get(svc, timeout=5).ok, "the course service", hub, log)
        service_pid = next((p for p in descendants(hub.pid) if proc_uid(p) == grader.uid), None)
        out["service_uid_is_grader"] = service_pid is not None
        timings["start"] = time.monotonic() - t0

        # (1) the instructor reaches the formgrader, and its API lists the released assignment
        t = time.monotonic()
        inst = requests.Session()
        out["login_instructor"] = hub_login(inst, url, HUB_INSTRUCTOR)
        page = inst.get(f"{url}/services/{COURSE_ID}/formgrader", timeout=60)
        out["formgrader_instructor"] = page.status_code
        out["formgrader_instructor_url"] = page.url.replace(url, "")
        out["formgrader_instructor_is_nbgrader"] = (
            "Manage Assignments" in page.text and "nbgrader" in page.text
        )
        listing = inst.get(f"{url}/services/{COURSE_ID}/formgrader/api/assignments", timeout=60)
        out["formgrader_api_status"] = listing.status_code
        try:
            out["formgrader_api_assignments"] = {x["name"]: x["status"] for x in listing.json()}
        except ValueError:
            out["formgrader_api_assignments"] = listing.text[:200]

        # (2) a student (nbgrader-COURSE only) is refused
        stud = requests.Session()
        out["login_student"] = hub_login(stud, url, names[0])
        refused = stud.get(f"{url}/services/{COURSE_ID}/formgrader", timeout=60)
        out["formgrader_student"] = refused.status_code
        out["formgrader_student_refused_at"] = refused.url.replace(url, "").split("?")[0]
        api_refused = stud.get(f"{url}/services/{COURSE_ID}/formgrader/api/assignments", timeout=60)
        out["formgrader_api_student"] = api_refused.status_code
        timings["formgrader"] = time.monotonic() - t

        # (3) the course service's role: `nbgrader db student add` (JupyterHubAuthPlugin, run as
        # grader-COURSE with the service's token, as in a terminal of the service) adds a student
        # to nbgrader-COURSE, and nothing broader is allowed.
        t = time.monotonic()
        group_url = f"{url}/hub/api/groups/nbgrader-{COURSE_ID}"

        def members() -> list[str]:
            return requests.get(group_url, headers=admin, timeout=30).json()["users"]

        grader_env = {
            "PATH": f"{Path(py).parent}:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "JUPYTER_CONFIG_PATH": str(ROOT / "deploy" / "hub"),  # the hub's nbgrader_config.py
            "COURSEKIT_EXCHANGE": str(exchange),
            "COURSEKIT_COURSE_ID": COURSE_ID,
            "COURSEKIT_COURSE_ROOT": str(course),
            "JUPYTERHUB_API_URL": hub_api,
            "JUPYTERHUB_API_TOKEN": service_token,
            "JUPYTERHUB_USER": GRADER,
        }

        def db_student_add(name: str) -> dict:
            proc = run_as(
                grader, [py, "-m", "nbgrader", "db", "student", "add", name], grader_env, cwd=course
            )
            errors = [line for line in proc.stderr.splitlines() if "ERROR" in line or "Error" in line]
            return {
                "exit": proc.returncode,
                "in_group": name in members(),
                "hub_error": errors[0][-160:] if errors else None,
            }

        # not yet a hub user: the hub cannot add an unknown user to a group
        unknown = "s9999"
        out["db_student_add_unknown_user"] = db_student_add(unknown)
        # nbgrader put it in the gradebook all the same: take it out (no hub call: the no-op plugin)
        removed = run_as(
            grader, [py, "-m", "nbgrader", "db", "student", "remove", unknown, "--force"], sim_env, cwd=course
        )
        if removed.returncode:
            raise SimError(f"nbgrader db student remove {unknown} failed: {removed.stderr[-800:]}")
        # made a hub user by an admin first (not a member of any group): then it works
        made = requests.post(f"{url}/hub/api/users/{late_joiner}", headers=admin, timeout=30)
        out["admin_creates_user"] = made.status_code
        out["db_student_add"] = {"before": late_joiner in members(), **db_student_add(late_joiner)}
        svc_auth = {"Authorization": f"token {service_token}"}
        out["service_scope"] = {
            f"add to formgrade-{COURSE_ID}": requests.post(
                f"{url}/hub/api/groups/formgrade-{COURSE_ID}/users",
                json={"users": [names[0]]},
                headers=svc_auth,
                timeout=30,
            ).status_code,
            "create group": requests.post(
                f"{url}/hub/api/groups/nbgrader-other", headers=svc_auth, timeout=30
            ).status_code,
            "create user": requests.post(
                f"{url}/hub/api/users/s9998", headers=svc_auth, timeout=30
            ).status_code,
            "make user admin": requests.patch(
                f"{url}/hub/api/users/{names[0]}", json={"admin": True}, headers=svc_auth, timeout=30
            ).status_code,
            "create token for a student": requests.post(
                f"{url}/hub/api/users/{names[0]}/tokens", json={}, headers=svc_auth, timeout=30
            ).status_code,
            "list users": requests.get(f"{url}/hub/api/users", headers=svc_auth, timeout=30).status_code,
        }
        formgraders = requests.get(f"{url}/hub/api/groups/formgrade-{COURSE_ID}", headers=admin, timeout=30)
        out["formgrade_group_after"] = formgraders.json().get("users")
        timings["service_role"] = time.monotonic() - t

        # (4) the student's own server (LocalProcessSpawner, as the student's uid) lists the course
        t = time.monotonic()
        if args.hub_spawn:
            out["student_server"] = student_server(stud, url, admin, students[names[0]], hub, log)
        timings["student_server"] = time.monotonic() - t
    except SimError:
        raise
    except Exception as err:  # one JSON line with the reason, not a traceback
        raise SimError(f"hub stage: {type(err).__name__}: {err}; hub log: {tail(log)}") from err
    finally:
        t = time.monotonic()
        left = stop_everything_started_here(hub)
        logfh.close()
        out["processes_left_after_hub_stop"] = left
        timings["stop"] = time.monotonic() - t
    out["hub_log_warnings"] = log_warnings(log)
    out["seconds"] = {k: round(v, 2) for k, v in timings.items()}
    if args.verbose:
        say(args, "hub log tail:\n" + tail(log, 4000))
    return out


def student_server(stud, url: str, admin: dict, acct: Account, hub, log: Path) -> dict:
    import requests

    res: dict = {}
    start = requests.post(f"{url}/hub/api/users/{acct.name}/server", headers=admin, timeout=60)
    res["start"] = start.status_code

    def ready():
        model = requests.get(f"{url}/hub/api/users/{acct.name}", headers=admin, timeout=30).json()
        server = model.get("servers", {}).get("", {})
        return server if server.get("ready") else None

    server = wait_for(ready, f"{acct.name}'s server", hub, log, seconds=240)
    pid = (server.get("state") or {}).get("pid")
    res["uid"] = proc_uid(pid) if pid else None
    res["uid_is_student"] = res["uid"] == acct.uid
    listing = stud.get(f"{url}/user/{acct.name}/assignments", params={"course_id": COURSE_ID}, timeout=120)
    res["assignments_status"] = listing.status_code
    try:
        value = listing.json()
        res["assignments"] = (
            sorted({f"{x['assignment_id']}: {x['status']}" for x in value["value"]})
            if value.get("success")
            else value
        )
    except (ValueError, KeyError, TypeError):
        res["assignments"] = listing.text[:300]
    courses = stud.get(f"{url}/user/{acct.name}/courses", timeout=120)
    try:
        res["courses"] = courses.json().get("value")
    except ValueError:
        res["courses"] = courses.text[:200]
    stop = requests.delete(f"{url}/hub/api/users/{acct.name}/server", headers=admin, timeout=60)
    res["stop"] = stop.status_code
    return res
