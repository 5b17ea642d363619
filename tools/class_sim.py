"""A class at scale, without changing the machine: N students as real unix users submit through nbgrader.

    make class-sim N=200          (root; Linux with unshare)

The script re-runs itself inside a private mount namespace (`unshare --mount`). There it bind-mounts
a copy of /etc/passwd and /etc/group that adds the students (uids 4000+) and the course's grader
account, with homes under a temporary folder; nothing outside the namespace changes. Students run
nbgrader as their own uid, the way deploy/hub's LocalProcessSpawner runs their servers, with
deploy/hub/nbgrader_config.py (the hub's group API is not running here, so nbgrader's auth plugin
is the no-op one). Then: the grader account releases the assignment; each student fetches and
submits (some twice, some after the due date, some with the notebook renamed); one student tries
to list, read, overwrite and delete another's submission and to forge one in their name; the grader
collects; root grades with `coursekit grade` (sandboxed) and exports. One JSON line is printed.

``--hub`` (after collect, in the same namespace) starts the real JupyterHub of deploy/hub with this
course served as the grader account, and checks over HTTP, as hub users: the instructor reaches the
formgrader, a student is refused it, the course service's token may add a student to
nbgrader-COURSE and nothing broader, and a student's server runs as the student's uid and lists the
course's assignments (``tools/class_sim_hub.py``; deploy/hub/README.md lists what this does and does
not cover). The accounts and the namespace are in ``tools/class_sim_users.py``. Run it as a module
from the repository's root (``python -m tools.class_sim``), as make, the tests and the benchmark do.

Two traps the issue measured are reproducible: ``--one-user`` runs every student as one unix user
(nbgrader then files every submission under that user's name, and collect keeps one), and
``--no-path-fix`` leaves the interpreter behind a mode-700 home directory and the homes under a
mode-700 temporary folder (students cannot start Python or reach their home).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from tools.class_sim_hub import hub_stage, hub_unavailable
from tools.class_sim_users import (
    COURSE_ID,
    FIRST_UID,
    GRADER,
    GRADER_UID,
    GRADERS_GROUP,
    INNER,
    OUTER_NS,
    ROOT,
    SHARED_UID,
    Account,
    AccountsGuard,
    SimError,
    blocking_dirs,
    in_private_mount_namespace,
    mount,
    mount_namespace,
    open_paths,
    remove_tree,
    run_as,
    say,
    student_names,
    symlink_chain,
    write_accounts,
)

# ---------------------------------------------------------------- the simulation


def plan(names: list[str]) -> dict[str, dict]:
    """Who does what: every 10th submits twice, every 17th renames the notebook, the last 5% are late."""
    n = len(names)
    late_from = n - max(1, n // 20) if n >= 4 else n
    return {
        name: {"twice": i % 10 == 1, "rename": i % 17 == 2, "late": i >= late_from}
        for i, name in enumerate(names)
    }


def simulate(args) -> dict:
    if not in_private_mount_namespace():  # e.g. COURSEKIT_CLASS_SIM_INNER=1 leaked into a plain run
        raise SimError("refusing to run: not in a private mount namespace (bind mounts would reach the host)")
    t_all = time.monotonic()
    stages: dict[str, float] = {}
    base = Path(os.environ["COURSEKIT_CLASS_SIM_BASE"])  # made by the outer process, mode 700
    if not args.no_path_fix:
        os.chmod(base, 0o711)  # students may pass through to their homes, not list them
    homes = base / "home"
    homes.mkdir()
    os.chmod(homes, 0o711)
    names = student_names(args.students)
    groups = {GRADERS_GROUP: GRADER_UID}
    grader = Account(GRADER, GRADER_UID, GRADER_UID, homes / GRADER)
    if args.one_user:
        shared = Account("student-shared", SHARED_UID, SHARED_UID, homes / "student-shared")
        groups["student-shared"] = SHARED_UID
        students = {
            n: Account("student-shared", SHARED_UID, SHARED_UID, homes / "student-shared" / n) for n in names
        }
        accounts = [grader, shared]
    else:
        students = {n: Account(n, FIRST_UID + i, FIRST_UID + i, homes / n) for i, n in enumerate(names)}
        groups.update({n: FIRST_UID + i for i, n in enumerate(names)})
        accounts = [grader, *students.values()]

    t = time.monotonic()
    passwd, group = write_accounts(base, accounts, groups)
    mount("--bind", str(passwd), "/etc/passwd")
    mount("--bind", str(group), "/etc/group")
    guard = AccountsGuard({"/etc/passwd": passwd, "/etc/group": group})
    guard.start()
    for acct in [grader, *students.values()]:
        if args.one_user and acct is not grader:
            (homes / "student-shared").mkdir(exist_ok=True, mode=0o700)
            os.chown(homes / "student-shared", SHARED_UID, SHARED_UID)
        acct.home.mkdir(mode=0o700)
        os.chown(acct.home, acct.uid, acct.gid)
    venv_python = Path(sys.executable)
    opened = [] if args.no_path_fix else open_paths([*symlink_chain(venv_python), ROOT], base)
    stages["accounts"] = time.monotonic() - t

    exchange = base / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o1777)  # nbgrader requires 777 on the root; sticky: no one removes another's entry
    course_ex = exchange / COURSE_ID
    course_ex.mkdir()
    os.chown(course_ex, GRADER_UID, GRADER_UID)  # made by the admin, so no student can squat it
    os.chmod(course_ex, 0o755)
    confdir = base / "jupyter-config"
    confdir.mkdir()
    hubconf = (ROOT / "deploy" / "hub" / "nbgrader_config.py").read_text(encoding="utf-8")
    (confdir / "nbgrader_config.py").write_text(
        hubconf + "\n# class_sim: no hub API here, so nbgrader's no-op auth plugin\n"
        'c.Authenticator.plugin_class = "nbgrader.auth.NoAuthPlugin"\n'
    )
    os.chmod(confdir, 0o755)
    env = {
        "PATH": f"{venv_python.parent}:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(confdir),
        "COURSEKIT_EXCHANGE": str(exchange),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }
    py = str(venv_python)

    # Preflight: can a student start the course's Python and reach their own home?
    probe = next(iter(students.values()))
    try:
        proc = run_as(probe, [py, "-c", "import nbgrader, coursekit"], env, timeout=120)
        ok, why = proc.returncode == 0, proc.stderr.strip()[-300:]
    except (PermissionError, OSError) as err:
        ok, why = False, str(err)
    if not ok:
        blocked = sorted(
            {str(p) for q in [*symlink_chain(venv_python), probe.home] for p in blocking_dirs(q)}
        )
        raise SimError(
            f"students cannot run {venv_python} in {probe.home}: directories they cannot enter: "
            f"{blocked or 'none found'} ({why})"
        )

    # The instructor's course, in the grader account's home.
    course = grader.home / COURSE_ID
    course.mkdir()
    shutil.copy(ROOT / "autograding" / "nbgrader_config.py", course)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write('\nc.Exchange.root = os.environ["COURSEKIT_EXCHANGE"]\n')
    shutil.copytree(ROOT / "autograding" / "source" / args.assignment, course / "source" / args.assignment)
    subprocess.run(["chown", "-R", f"{GRADER_UID}:{GRADER_UID}", str(course)], check=True)
    a = args.assignment

    def nbg(acct, *cmd, cwd=None):
        return run_as(acct, [py, "-m", "nbgrader", *cmd], env, cwd=cwd)

    t = time.monotonic()
    for cmd in (
        ["db", "assignment", "add", a, "--duedate=2100-01-01 00:00:00 UTC"],
        ["generate_assignment", a, "--force"],
        ["release_assignment", a, "--force"],
    ):
        proc = nbg(grader, *cmd, cwd=course)
        if proc.returncode:
            raise SimError(f"nbgrader {cmd[0]} failed as {GRADER}: {proc.stderr[-1500:]}")
    stages["release"] = time.monotonic() - t
    say(args, "release: {:.1f} s".format(stages["release"]))

    roles = plan(names)
    results: dict[str, dict] = {n: {"submits": 0, "errors": []} for n in names}

    def student_work(name: str) -> None:
        acct, role = students[name], roles[name]
        acct.home.mkdir(exist_ok=True)
        if args.one_user:
            os.chown(acct.home, SHARED_UID, SHARED_UID)
        senv = {**env, "JUPYTERHUB_USER": name}  # what the hub puts in every server's environment
        t0 = time.monotonic()
        proc = nbg(acct, "fetch_assignment", a, "--course", COURSE_ID)
        results[name]["fetch_s"] = time.monotonic() - t0
        if proc.returncode:
            results[name]["errors"].append("fetch: " + proc.stderr.strip()[-300:])
            return
        if role["rename"]:
            folder = acct.home / a
            run_as(acct, ["mv", str(folder / f"{a}.ipynb"), str(folder / f"{a} (copy).ipynb")], env)
        for _ in range(2 if role["twice"] else 1):
            t0 = time.monotonic()
            proc = run_as(acct, [py, "-m", "nbgrader", "submit", a, "--course", COURSE_ID], senv)
            results[name].setdefault("submit_s", time.monotonic() - t0)
            if proc.returncode:
                results[name]["errors"].append("submit: " + proc.stderr.strip()[-300:])
            else:
                results[name]["submits"] += 1

    on_time = [n for n in names if not roles[n]["late"]]
    late = [n for n in names if roles[n]["late"]]
    t = time.monotonic()
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(student_work, on_time))
    due = datetime.now(UTC)
    time.sleep(1.1)
    proc = nbg(grader, "db", "assignment", "add", a, f"--duedate={due:%Y-%m-%d %H:%M:%S} UTC", cwd=course)
    if proc.returncode:
        raise SimError(f"could not set the due date: {proc.stderr[-800:]}")
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(student_work, late))
    stages["fetch_and_submit"] = time.monotonic() - t
    say(args, "fetch_and_submit: {:.1f} s".format(stages["fetch_and_submit"]))

    t = time.monotonic()
    attempts = (
        cross_student(students, names, a, exchange, env, py) if len(names) >= 2 and not args.one_user else []
    )
    stages["cross_student"] = time.monotonic() - t
    say(args, "cross_student: {:.1f} s".format(stages["cross_student"]))

    t = time.monotonic()
    proc = nbg(grader, "collect", a, "--update", cwd=course)
    if proc.returncode:
        raise SimError(f"nbgrader collect failed: {proc.stderr[-1500:]}")
    stages["collect"] = time.monotonic() - t
    say(args, "collect: {:.1f} s".format(stages["collect"]))
    refused = [line for line in proc.stderr.splitlines() if "Refused submission" in line]
    submitted_dir = course / "submitted"
    collected = (
        sorted(p.name for p in submitted_dir.iterdir() if (p / a).is_dir()) if submitted_dir.is_dir() else []
    )
    late_collected = 0
    for name in collected:
        stamp = (submitted_dir / name / a / "timestamp.txt").read_text().strip()
        when = datetime.fromisoformat(stamp.replace(" UTC", "+00:00").replace(" ", "T"))
        late_collected += when > due

    hub_out = None
    if args.hub:
        t = time.monotonic()
        hub_out = hub_stage(args, env, base, grader, students, names, course, exchange, a, py)
        stages["hub"] = time.monotonic() - t
        say(args, "hub: {:.1f} s".format(stages["hub"]))

    if args.until == "collect":
        return {
            "students": len(names),
            "mode": "one-user" if args.one_user else "own-uid",
            "submitted": sum(1 for n in names if results[n]["submits"]),
            "collected": len(collected),
            "collected_as": collected,
            "lost": len({n for n in names if results[n]["submits"]} - set(collected)),
            **({"hub": hub_out} if hub_out is not None else {}),
            **({"accounts_rebound": guard.rebound} if guard.rebound else {}),
            "seconds": {k: round(v, 2) for k, v in stages.items()},
        }
    t = time.monotonic()
    grade_summary = grade(course, a, args, base)
    stages["grade"] = time.monotonic() - t
    say(args, "grade: {:.1f} s".format(stages["grade"]))

    t = time.monotonic()
    exported = export(course, a, env, base)
    stages["export"] = time.monotonic() - t
    say(args, "export: {:.1f} s".format(stages["export"]))

    submitted_students = sorted(n for n in names if results[n]["submits"])
    rejected: dict[str, int] = {}
    if refused:
        rejected["collect: folder not owned by the student it is named for"] = len(refused)
    for outcome in grade_summary.outcomes:
        if outcome.status in ("rejected", "failed"):
            for reason in outcome.reasons or [outcome.status]:
                key = f"grade {outcome.status}: {reason[:80]}"
                rejected[key] = rejected.get(key, 0) + 1
    errors: dict[str, str] = {}  # one example of each failure, so the JSON line says why
    for name in names:
        for err in results[name]["errors"]:
            key = err.split(":")[0] + " failed"
            rejected[key] = rejected.get(key, 0) + 1
            last = [line for line in err.splitlines() if line.strip()][-1:] or [err]
            errors.setdefault(key, f"{name}: {last[0].strip()[-200:]}")
    notes: dict[str, int] = {}  # what coursekit grade noted on graded work (repairs, blank answers ...)
    for outcome in grade_summary.outcomes:
        for note in outcome.reasons if outcome.status == "graded" else []:
            notes[note[:70]] = notes.get(note[:70], 0) + 1
    n = max(1, len(names))
    out = {
        "students": len(names),
        "mode": "one-user" if args.one_user else "own-uid",
        "submitted": len(submitted_students),
        "submissions": sum(r["submits"] for r in results.values()),
        "collected": len(collected),
        "lost": len(set(submitted_students) - set(collected)),
        "late": late_collected,
        "renamed": sum(1 for n_ in names if roles[n_]["rename"]),
        "graded": grade_summary.counts().get("graded", 0),
        "grade_notes": notes,
        "exported_rows": exported["rows"],
        "export_tool": exported["tool"],
        "rejected": rejected,
        "failure_examples": errors,
        "cross_student_attempts": len(attempts),
        "cross_student_blocked": sum(1 for x in attempts if x["blocked"]),
        "cross_student": {x["attempt"]: "blocked" if x["blocked"] else "ALLOWED" for x in attempts},
        "paths_opened_in_namespace": opened,
        **({"hub": hub_out} if hub_out is not None else {}),
        **({"accounts_rebound": guard.rebound} if guard.rebound else {}),
        "seconds": {k: round(v, 2) for k, v in stages.items()},
        "seconds_per_student": {
            "fetch_mean": round(mean(r.get("fetch_s") for r in results.values()), 3),
            "submit_mean": round(mean(r.get("submit_s") for r in results.values()), 3),
            "collect_grade_export": round((stages["collect"] + stages["grade"] + stages["export"]) / n, 3),
        },
        "peak_rss_mb": {
            "simulator": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "largest_child": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        },
        "total_seconds": round(time.monotonic() - t_all, 2),
    }
    if args.keep:
        out["kept"] = str(base)
    return out  # the outer process deletes ``base`` once this namespace and its mounts are gone


def mean(values) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else 0.0


ATTACK = r"""
import json, os, sys, glob
inbound, victim_sub, victim_home, a, victim = sys.argv[1:6]
out = []
def attempt(label, fn):
    try:
        fn()
        out.append({"attempt": label, "blocked": False})
    except OSError as err:
        out.append({"attempt": label, "blocked": True, "error": type(err).__name__})
attempt("list inbound", lambda: os.listdir(inbound))
attempt("read submission", lambda: open(os.path.join(victim_sub, a + ".ipynb"), "rb").read())
attempt("list submission", lambda: os.listdir(victim_sub))
attempt("overwrite submission", lambda: open(os.path.join(victim_sub, a + ".ipynb"), "wb").write(b"{}"))
attempt("add file to submission", lambda: open(os.path.join(victim_sub, "extra.ipynb"), "wb").write(b"{}"))
attempt("delete submission file", lambda: os.remove(os.path.join(victim_sub, a + ".ipynb")))
attempt("read fetched copy in home", lambda: os.listdir(victim_home))
def forge():
    # a folder named for the victim, later than their real one: the filesystem allows it (inbound
    # is writable by design); collect must refuse it
    path = os.path.join(inbound, "%s+%s+2099-01-01 00:00:00.000000 UTC+forged" % (victim, a))
    os.mkdir(path)
    open(os.path.join(path, a + ".ipynb"), "w").write("{}")
    open(os.path.join(path, "timestamp.txt"), "w").write("2099-01-01 00:00:00.000000 UTC")
    raise PermissionError("created; collect must refuse it")
attempt("forge submission in victim's name", forge)
print(json.dumps(out))
"""


def cross_student(students, names, a, exchange, env, py) -> list[dict]:
    """The second student attacks the first one's submission, knowing its exact folder name."""
    victim, attacker = students[names[0]], students[names[1]]
    inbound = exchange / COURSE_ID / "inbound"
    subs = sorted(inbound.glob(f"{victim.name}+{a}+*"))
    if not subs:
        return [{"attempt": "victim has no submission", "blocked": False}]
    proc = run_as(
        attacker, [py, "-c", ATTACK, str(inbound), str(subs[-1]), str(victim.home), a, victim.name], env
    )
    if proc.returncode:
        raise SimError(f"attack script failed: {proc.stderr[-800:]}")
    attempts = json.loads(proc.stdout)
    forged = next(x for x in attempts if x["attempt"].startswith("forge"))
    forged["blocked"] = "pending collect"  # decided by collect, checked by the caller
    return attempts


def grade(course: Path, a: str, args, base: Path):
    from coursekit.grading.pipeline import grade as run_grade

    os.environ["HOME"] = str(base / "root-home")  # /root may be covered by a tmpfs in this namespace
    (base / "root-home").mkdir(exist_ok=True)
    return run_grade(a, course, jobs=args.grade_jobs, progress=False)


def export(course: Path, a: str, env: dict, base: Path) -> dict:
    """`coursekit export` if this checkout has it, else nbgrader's CSV export."""
    out = base / "grades.csv"
    help_text = subprocess.run(
        [sys.executable, "-m", "coursekit.cli", "--help"],
        capture_output=True,
        text=True,
        env={**env, "HOME": str(base / "root-home")},
    ).stdout
    if " export" in help_text or "export," in help_text or ",export" in help_text:
        cmd, tool = (
            [
                sys.executable,
                "-m",
                "coursekit.cli",
                "export",
                a,
                "--format",
                "long",
                "--course",
                str(course),
                "--output",
                str(out),
            ],
            "coursekit export",
        )
    else:
        cmd, tool = [sys.executable, "-m", "nbgrader", "export", "--to", str(out)], "nbgrader export"
    proc = subprocess.run(
        cmd, cwd=course, capture_output=True, text=True, env={**env, "HOME": str(base / "root-home")}
    )
    if proc.returncode:
        raise SimError(f"{tool} failed: {proc.stderr[-1500:]}")
    import csv

    with open(out, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("assignment", a) == a]
    return {"rows": len(rows), "tool": tool}


# ---------------------------------------------------------------- entry point


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--assignment", default="a01-hub-and-spokes")
    p.add_argument("--jobs", type=int, default=4, help="students working at once (default 4)")
    p.add_argument("--grade-jobs", type=int, default=None, help="coursekit grade --jobs (default: cores)")
    p.add_argument("--one-user", action="store_true", help="trap: every student runs as one unix user")
    p.add_argument(
        "--no-path-fix",
        action="store_true",
        help="trap: leave mode-700 directories (the interpreter's home, the temp folder) closed",
    )
    p.add_argument(
        "--until",
        choices=["collect", "export"],
        default="export",
        help="stop after this stage (collect: no grading or export)",
    )
    p.add_argument(
        "--hub",
        action="store_true",
        help="after collect, start the real JupyterHub of deploy/hub (one course) and check the "
        "formgrader, the course service's role and a student's server over HTTP",
    )
    p.add_argument(
        "--hub-no-spawn",
        dest="hub_spawn",
        action="store_false",
        help="with --hub: do not start a student's single-user server",
    )
    p.add_argument("--verbose", action="store_true", help="progress on stderr")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args(argv)


def unavailable() -> str | None:
    """Why the simulation cannot run here, or None."""
    if sys.platform != "linux":
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root (it mounts a private passwd file and runs processes as other uids)"
    if not shutil.which("unshare") or not shutil.which("mount"):
        return "needs unshare and mount (util-linux)"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True
    )
    if probe.returncode:
        return f"unshare --mount is refused here: {probe.stderr.strip()[:200]}"
    return None


def main(argv=None) -> int:
    args = parse(argv)
    if os.environ.get(INNER) != "1":
        why = unavailable() or (hub_unavailable() if args.hub else None)
        if why:
            print(json.dumps({"error": f"class simulation unavailable: {why}"}))
            return 3
        cmd = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            sys.executable,
            "-m",
            "tools.class_sim",
            *(argv if argv is not None else sys.argv[1:]),
        ]
        base = Path(tempfile.mkdtemp(prefix="class-sim-"))  # mode 700: the home-directory trap
        try:
            env = {
                **os.environ,
                INNER: "1",
                OUTER_NS: mount_namespace() or "",
                "COURSEKIT_CLASS_SIM_BASE": str(base),
            }
            return subprocess.run(cmd, env=env, cwd=ROOT).returncode
        finally:
            # Outside the namespace: none of its mounts exist here, so only the temp files go.
            if not args.keep:
                remove_tree(base)
    try:
        out = simulate(args)
    except SimError as err:
        print(json.dumps({"students": args.students, "error": str(err)}))
        return 2
    forged = out.get("cross_student", {}).get("forge submission in victim's name")
    if forged is not None:  # blocked only if collect refused it
        refused = any(k.startswith("collect:") for k in out["rejected"])
        out["cross_student"]["forge submission in victim's name"] = "blocked" if refused else "ALLOWED"
        out["cross_student_blocked"] = sum(1 for v in out["cross_student"].values() if v == "blocked")
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out["lost"] == 0 else 1  # the one-user trap exits 1: submissions were lost


if __name__ == "__main__":
    sys.exit(main())
