"""The class simulation (tools/class_sim.py and its two modules) at small N, and the traps of issue 13.

Each test runs the real thing: students as their own unix uids inside a private mount namespace
(root and `unshare --mount` needed; skipped with the reason otherwise), nbgrader fetch, submit and
collect, and in the first test `coursekit grade` and the export. The host is not changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools import class_sim, class_sim_hub

ROOT = Path(__file__).resolve().parents[1]

WHY = class_sim.unavailable()
# The simulation creates unix users in a private mount namespace and runs nbgrader as each of them
# (root only; about a minute at N = 5): `make test` runs the class at small N and the identity
# trap wherever root and `unshare --mount` are available (CI); the home-directory trap, whose
# message depends on where the interpreter is installed, and the `--hub` stage (1.5 to 2.5 minutes;
# JupyterHub and configurable-http-proxy from `make hub-setup`) run in `make test-class-sim`, which
# keeps `make test` within its time.
OPT_IN = os.environ.get("COURSE_CLASS_SIM_TESTS") == "1"
needs_sim = [
    pytest.mark.slow,
    pytest.mark.skipif(WHY is not None, reason=f"class simulation: {WHY}"),
]


def sim_test(func):
    for mark in needs_sim:
        func = mark(func)
    return func


def test_the_inner_part_knows_whether_it_left_the_outer_mount_namespace(monkeypatch):
    here = class_sim.mount_namespace()
    monkeypatch.delenv(class_sim.OUTER_NS, raising=False)
    assert class_sim.in_private_mount_namespace() is False  # a leaked INNER=1 alone is not enough
    monkeypatch.setenv(class_sim.OUTER_NS, here or "")
    assert class_sim.in_private_mount_namespace() is False  # still where the outer process started
    monkeypatch.setenv(class_sim.OUTER_NS, "mnt:[1]")
    assert class_sim.in_private_mount_namespace() is bool(here)


def test_the_simulation_refuses_to_run_outside_a_private_mount_namespace(monkeypatch):
    """Its bind mounts over /etc/passwd must never reach the host: checked before anything is made."""
    monkeypatch.setattr(class_sim, "in_private_mount_namespace", lambda: False)
    monkeypatch.setenv("COURSEKIT_CLASS_SIM_BASE", "/nonexistent-class-sim-base")
    with pytest.raises(class_sim.SimError, match="not in a private mount namespace"):
        class_sim.simulate(class_sim.parse(["--students", "1"]))


def run_sim(*args: str) -> tuple[int, dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "tools.class_sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.returncode, json.loads(lines[0])


def closed_dirs_listing() -> dict[str, list[str]]:
    """What is in each mode-700 folder on the way to the interpreter (e.g. /root), seen from the host."""
    chain = class_sim.symlink_chain(Path(sys.executable))
    return {str(d): sorted(os.listdir(d)) for p in chain for d in class_sim.blocking_dirs(p)}


@sim_test
def test_every_submission_collected_graded_and_private():
    before = closed_dirs_listing()
    code, out = run_sim("--students", "5", "--jobs", "3")
    # the namespace covered these folders with a tmpfs; nothing in the real ones was removed
    after = closed_dirs_listing()
    assert all(set(names) <= set(after.get(d, [])) for d, names in before.items()), (before, after)
    assert code == 0, out
    assert out["students"] == out["submitted"] == out["collected"] == 5
    assert out["lost"] == 0
    assert out["submissions"] == 6  # s0002 submits twice; collect keeps the newer one
    assert out["late"] == 1  # s0005 submits after the due date
    assert out["renamed"] == 1  # s0003's notebook is renamed, and still collected and graded
    assert out["graded"] == 5
    assert out["exported_rows"] == 5
    # s0002 against s0001: list, read, overwrite, add, delete, peek into the home, forge
    assert out["cross_student_attempts"] == out["cross_student_blocked"] == 8, out["cross_student"]
    assert out["rejected"]["collect: folder not owned by the student it is named for"] == 1
    assert set(out["seconds"]) >= {"release", "fetch_and_submit", "collect", "grade", "export"}


@sim_test
def test_identity_collapse_trap():
    """Every student's server as one system user: nbgrader files every submission under that user."""
    code, out = run_sim("--students", "4", "--one-user", "--until", "collect")
    assert out["submitted"] == 4
    assert out["collected"] == 1 and out["collected_as"] == ["student-shared"]
    assert code == 1


@sim_test
@pytest.mark.skipif(not OPT_IN, reason="opt-in: make test-class-sim")
def test_home_directory_permission_trap():
    """A mode-700 folder on the way to the interpreter or the homes stops every student."""
    code, out = run_sim("--students", "2", "--no-path-fix")
    assert code == 2
    assert "students cannot run" in out["error"]
    assert "class-sim-" in out["error"]  # the temporary folder (mkdtemp makes it 700) blocks the homes


HUB_WHY = class_sim_hub.hub_unavailable()


@pytest.mark.skipif(HUB_WHY is not None, reason=f"class simulation --hub: {HUB_WHY}")
@pytest.mark.skipif(not OPT_IN, reason="opt-in: make test-class-sim")
@sim_test
def test_hub_formgrader_roles_and_student_server():
    """The real hub of deploy/hub, one course served as the simulation's grader account (issue 13).

    Over HTTP, as hub users logged in through the login form: the instructor reaches nbgrader's
    formgrader and its API lists the released assignment; a student is refused by the hub's OAuth
    step; the course service's token adds a student to nbgrader-COURSE through `nbgrader db student
    add` and is refused everything broader; a student's server runs as the student's uid and lists
    the course's assignments through nbgrader's assignment-list handler.
    """
    before = closed_dirs_listing()
    code, out = run_sim("--students", "3", "--jobs", "3", "--until", "collect", "--hub")
    after = closed_dirs_listing()
    assert all(set(names) <= set(after.get(d, [])) for d, names in before.items()), (before, after)
    assert code == 0, out
    assert out["collected"] == 3
    hub = out["hub"]
    course, a = class_sim.COURSE_ID, "a01-hub-and-spokes"
    assert hub["service_uid_is_grader"] is True
    # (1) instructor: nbgrader's formgrader page, and its API lists the released assignment
    assert hub["formgrader_instructor"] == 200
    assert hub["formgrader_instructor_url"] == f"/services/{course}/formgrader/manage_assignments"
    assert hub["formgrader_instructor_is_nbgrader"] is True
    assert hub["formgrader_api_status"] == 200
    assert hub["formgrader_api_assignments"] == {a: "released"}
    # (2) student (nbgrader-COURSE only): refused by the hub before reaching the service
    assert hub["formgrader_student"] == 403
    assert hub["formgrader_student_refused_at"] == "/hub/api/oauth2/authorize"
    assert hub["formgrader_api_student"] == 403
    # (3) the course service's role: adds an existing hub user to nbgrader-COURSE ...
    assert hub["db_student_add"] == {"before": False, "exit": 0, "in_group": True, "hub_error": None}
    # ... but cannot create hub users, so a student unknown to the hub is not added (nbgrader only logs it)
    assert hub["db_student_add_unknown_user"]["in_group"] is False
    assert "status code of: 400" in hub["db_student_add_unknown_user"]["hub_error"]
    # ... and nothing broader (404: JupyterHub's answer for a filtered scope that does not cover it)
    assert all(status in (403, 404) for status in hub["service_scope"].values()), hub["service_scope"]
    assert hub["formgrade_group_after"] == [class_sim.GRADER, class_sim_hub.HUB_INSTRUCTOR]
    # (4) the student's own server: LocalProcessSpawner as the student's uid, nbgrader's assignment list
    server = hub["student_server"]
    assert server["uid_is_student"] is True
    assert server["assignments_status"] == 200
    assert f"{a}: submitted" in server["assignments"]
    assert server["courses"] == [course]
    # everything the hub started is gone once it stops
    assert hub["processes_left_after_hub_stop"] == []
    assert "hub" in out["seconds"]
