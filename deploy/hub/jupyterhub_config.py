"""JupyterHub for one course or several, after nbgrader's documented multi-course pattern.

Read deploy/hub/README.md first. The courses come from a JSON file (COURSEKIT_HUB_COURSES, default
courses.json beside this file): for each course id, its grader service port, its course folder,
its instructors and its students. For every course this makes

- groups `formgrade-COURSE` (instructors and the grader account) and `nbgrader-COURSE`
  (students and instructors), the names nbgrader's JupyterHubAuthPlugin looks for;
- a hub-managed service named COURSE: a Jupyter server with the formgrader, run as the unix user
  `grader-COURSE` (the service name MUST equal the nbgrader course id);
- roles scoped to that one service: `formgrade-COURSE` may open it, `nbgrader-COURSE` may see that
  it exists, and the service itself may read and change only its own course's groups (so
  `nbgrader db student add` adds a student the hub already knows to `nbgrader-COURSE`), with no
  admin token;

plus the idle culler as a service. Students are real unix users, started by LocalProcessSpawner
(JupyterHub's default), so nbgrader files each submission under the student's own name.
"""

import json
import os
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub's config loader

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(sys.prefix, "bin")  # the environment the hub runs from (course + requirements/hub.txt)
with open(
    os.environ.get("COURSEKIT_HUB_COURSES", os.path.join(HERE, "courses.json")), encoding="utf-8"
) as fh:
    SETUP = json.load(fh)
COURSES = SETUP["courses"]
EXCHANGE = SETUP.get("exchange", "/srv/nbgrader/exchange")

# ---- Where the hub listens. Loopback unless the operator says otherwise (put TLS in front).
c.JupyterHub.bind_url = os.environ.get("COURSEKIT_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("COURSEKIT_HUB_INTERNAL_PORT", "8081"))
# configurable-http-proxy: the pinned npm package `make hub-setup` puts in .venv/hub-node, else PATH
CHP = os.path.join(HERE, "..", "..", ".venv", "hub-node", "node_modules", ".bin", "configurable-http-proxy")
if os.path.exists(CHP):
    c.ConfigurableHTTPProxy.command = [os.path.abspath(CHP)]
c.ConfigurableHTTPProxy.api_url = os.environ.get("COURSEKIT_PROXY_API", "http://127.0.0.1:8001")
c.JupyterHub.db_url = os.environ.get("COURSEKIT_HUB_DB", "sqlite:///jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.environ.get("COURSEKIT_HUB_COOKIE", "jupyterhub_cookie_secret")

# Formgrader in an iframe under JupyterHub >= 4.1: safe with one origin per user and service.
SUBDOMAIN_HOST = os.environ.get("COURSEKIT_HUB_SUBDOMAIN_HOST", "")
if SUBDOMAIN_HOST:
    c.JupyterHub.subdomain_host = SUBDOMAIN_HOST  # e.g. https://hub.example.edu; implies subdomains
FRAME_FORMGRADER = bool(SUBDOMAIN_HOST) or os.environ.get("COURSEKIT_TRUST_USERS") == "1"

# ---- Who may log in. PAM (JupyterHub's default authenticator) checks unix passwords; accounts
# are made by the institution (useradd), never by the hub. Allowed: everyone named below.
c.JupyterHub.authenticator_class = os.environ.get("COURSEKIT_HUB_AUTHENTICATOR", "pam")
c.LocalAuthenticator.create_system_users = False
instructors = sorted({name for course in COURSES.values() for name in course.get("instructors", [])})
graders = [f"grader-{cid}" for cid in COURSES]
students = sorted({name for course in COURSES.values() for name in course.get("students", [])})
c.Authenticator.allowed_users = set(instructors + graders + students)
# Users the hub already knows may log in too, so a student an admin adds later (the admin page, or
# POST /hub/api/users/NAME) needs no restart; `nbgrader db student add` then puts them in
# nbgrader-COURSE. It cannot make hub users (the course service has no admin:users): for a name the
# hub does not know the hub answers 400 and nbgrader only logs it (class_sim.py --hub measures both).
c.Authenticator.allow_existing_users = True
c.Authenticator.admin_users = set(SETUP.get("admins", []))

# ---- Students' servers: real unix users, each in their own home.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": HERE,  # nbgrader_config.py and jupyter_server_config.py of this folder
    "COURSEKIT_EXCHANGE": EXCHANGE,
}
c.Spawner.start_timeout = 120  # 200 first logins at once start slowly on a small machine
c.Spawner.http_timeout = 120

# ---- Groups, roles and services: nbgrader's multi-course pattern.
c.JupyterHub.load_groups = groups = {}
c.JupyterHub.load_roles = roles = [
    {
        # what a student's or instructor's server may do with its token: whatever its owner may
        # (nbgrader's assignment list asks the hub which courses the owner is in)
        "name": "server",
        "scopes": ["inherit"],
    },
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
c.JupyterHub.services = services = []
for cid, course in COURSES.items():
    grader = f"grader-{cid}"
    groups[f"formgrade-{cid}"] = {"users": sorted({*course.get("instructors", []), grader})}
    groups[f"nbgrader-{cid}"] = {
        "users": sorted({*course.get("students", []), *course.get("instructors", [])})
    }
    roles += [
        {
            "name": f"formgrade-{cid}",
            "groups": [f"formgrade-{cid}"],
            "scopes": [f"access:services!service={cid}"],
        },
        {
            "name": f"nbgrader-{cid}",
            "groups": [f"nbgrader-{cid}"],
            "scopes": ["list:services", f"read:services!service={cid}"],
        },
        {
            # JupyterHubAuthPlugin: read a user's groups, add or remove students of this course only
            "name": f"course-service-{cid}",
            "services": [cid],
            "scopes": [
                "list:groups",
                "read:users:groups",
                f"read:groups!group=nbgrader-{cid}",
                f"groups!group=nbgrader-{cid}",
                f"read:groups!group=formgrade-{cid}",
            ],
        },
    ]
    env = {
        "JUPYTERHUB_DEFAULT_URL": "/lab",
        "JUPYTER_CONFIG_PATH": HERE,
        "COURSEKIT_EXCHANGE": EXCHANGE,
        "COURSEKIT_COURSE_ID": cid,
        "COURSEKIT_COURSE_ROOT": course.get("root", f"/home/{grader}/{cid}"),
        "PATH": BIN + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),  # nbgrader runs `alembic`
    }
    if FRAME_FORMGRADER:
        env["COURSEKIT_FRAME_ANCESTORS"] = "1"
    services.append(
        {
            "name": cid,
            "url": f"http://127.0.0.1:{course['port']}",
            "command": [os.path.join(BIN, "jupyterhub-singleuser")],
            "user": grader,
            "cwd": course.get("home", f"/home/{grader}"),
            "environment": env,
            "oauth_no_confirm": True,
        }
    )

# ---- Idle culler: stop servers idle for an hour (a lab of 200 frees ~150 MB per server).
services.append(
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(os.environ.get('COURSEKIT_CULL_SECONDS', 3600))}",
            "--cull-every=300",
        ],
    }
)
