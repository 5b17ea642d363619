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
course's assignments (``hub_stage``; deploy/hub/README.md lists what this does and does not cover).

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
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COURSE_ID = "seoul-tokyo"
GRADER = f"grader-{COURSE_ID}"
GRADERS_GROUP = f"graders-{COURSE_ID}"
FIRST_UID = 4000
GRADER_UID = 3990
SHARED_UID = 3999  # --one-user: the single system user every student's server would run as
INNER = "COURSEKIT_CLASS_SIM_INNER"


class SimError(RuntimeError):
    pass


# ---------------------------------------------------------------- accounts and the namespace


class Account:
    def __init__(self, name: str, uid: int, gid: int, home: Path):
        self.name, self.uid, self.gid, self.home = name, uid, gid, home


def student_names(n: int) -> list[str]:
    return [f"s{i:04d}" for i in range(1, n + 1)]


def write_accounts(base: Path, accounts: list[Account], groups: dict[str, int]) -> tuple[Path, Path]:
    """Copies of /etc/passwd and /etc/group with the simulated accounts appended."""
    etc = base / "etc"
    etc.mkdir()
    passwd = (Path("/etc/passwd").read_text() if Path("/etc/passwd").exists() else "").rstrip("\n")
    group = (Path("/etc/group").read_text() if Path("/etc/group").exists() else "").rstrip("\n")
    passwd += "\n" + "".join(f"{a.name}:x:{a.uid}:{a.gid}::{a.home}:/bin/sh\n" for a in accounts)
    group += "\n" + "".join(f"{name}:x:{gid}:\n" for name, gid in groups.items())
    (etc / "passwd").write_text(passwd)
    (etc / "group").write_text(group)
    os.chmod(etc / "passwd", 0o644)
    os.chmod(etc / "group", 0o644)
    return etc / "passwd", etc / "group"


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def blocking_dirs(path: Path) -> list[Path]:
    """Ancestors of ``path`` that a user who is neither owner nor in the group cannot enter."""
    out = []
    for parent in reversed(Path(path).parents):
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            out.append(parent)
    return out


def symlink_chain(path: Path) -> list[Path]:
    """``path`` and every path its symlinks pass through (each must be reachable, not just the last)."""
    chain, p = [Path(path)], Path(path)
    for _ in range(40):
        # a link in a parent folder counts too: resolve one component at a time
        for i, _part in enumerate(p.parts[1:], start=1):
            sub = Path(*p.parts[: i + 1])
            if sub.is_symlink():
                target = Path(os.readlink(sub))
                p = Path(os.path.normpath(sub.parent / target)).joinpath(*p.parts[i + 1 :])
                chain.append(p)
                break
        else:
            return chain
    return chain


def open_paths(needed: list[Path], base: Path) -> list[str]:
    """Make ``needed`` reachable for students inside this namespace only.

    A mode-700 ancestor (a venv whose interpreter lives under /root, say) is covered by a tmpfs of
    mode 755 into which only the needed children are bind-mounted back: students reach the
    interpreter and nothing else of that home; the real directory's mode is untouched.
    """
    done = []
    for path in needed:
        for blocker in blocking_dirs(path):
            if str(blocker) in done:
                continue
            child = Path(path).relative_to(blocker).parts[0]
            # Only the needed child is ever mounted, and it is moved out of the staging folder at
            # once: nothing of the real directory stays reachable under ``base``.
            staging = base / "staging"
            staging.mkdir()
            mount("--bind", str(blocker / child), str(staging))
            mount("-t", "tmpfs", "-o", "mode=755", "tmpfs", str(blocker))
            (blocker / child).mkdir()
            mount("--move", str(staging), str(blocker / child))
            staging.rmdir()
            done.append(str(blocker))
    return done


class AccountsGuard(threading.Thread):
    """Keeps the namespace's passwd and group copies mounted over /etc/passwd and /etc/group.

    When the host replaces /etc/passwd (useradd, or a package install adding a system user: seen
    here while the simulation ran), the kernel detaches a bind mount on that file in every other
    mount namespace, and the simulated accounts vanish mid-run (JupyterHub's getpwnam failed). This
    thread mounts the copy again, inside the namespace only, within a quarter of a second, and notes
    when it did.
    """

    def __init__(self, files: dict[str, Path]):
        super().__init__(daemon=True, name="accounts-guard")
        self.files, self.rebound, self.halt = files, [], threading.Event()

    def check(self) -> None:
        for target, copy in self.files.items():
            if os.stat(target).st_ino != os.stat(copy).st_ino:  # a bind mount shows the copy's inode
                mount("--bind", str(copy), target)
                self.rebound.append(f"{time.strftime('%H:%M:%S')} {target}")

    def run(self) -> None:
        while not self.halt.wait(0.25):
            try:
                self.check()
            except (OSError, subprocess.CalledProcessError) as err:
                self.rebound.append(f"{time.strftime('%H:%M:%S')} failed: {err}")


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below ``path`` in this process's mount namespace."""
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        points = [line.split()[4] for line in fh]
    return [p for p in points if p == str(path) or p.startswith(prefix)]


def remove_tree(base: Path) -> None:
    """Delete the simulation's folder, never through a mount (which could reach real files)."""
    if mounts_under(base):
        print(f"class-sim: not deleting {base}: mounts below it: {mounts_under(base)}", file=sys.stderr)
        return
    shutil.rmtree(base, ignore_errors=True)


def as_user(acct: Account, groups: list[int] | None = None):
    return {"user": acct.uid, "group": acct.gid, "extra_groups": groups or []}


def run_as(acct: Account, cmd: list[str], env: dict, cwd: Path | None = None, timeout: float = 600):
    return subprocess.run(
        cmd,
        cwd=cwd or acct.home,
        env={**env, "HOME": str(acct.home), "USER": acct.name, "LOGNAME": acct.name},
        capture_output=True,
        text=True,
        timeout=timeout,
        **as_user(acct),
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


def say(args, msg: str) -> None:
    if args.verbose:
        print(f"[class-sim {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


OUTER_NS = "COURSEKIT_CLASS_SIM_OUTER_NS"


def mount_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/mnt")
    except OSError:
        return None


def in_private_mount_namespace() -> bool:
    """True only in a mount namespace other than the one the outer process started from.

    The outer process records its own namespace (/proc/1's may not be readable in a container) and
    re-executes this file under ``unshare --mount``; a leaked COURSEKIT_CLASS_SIM_INNER=1 without it,
    or the same namespace, means bind mounts would reach the host.
    """
    here, outer = mount_namespace(), os.environ.get(OUTER_NS)
    return bool(here and outer and here != outer)


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


# ---------------------------------------------------------------- --hub: the real JupyterHub

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
            __file__,
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
            return subprocess.run(cmd, env=env).returncode
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
