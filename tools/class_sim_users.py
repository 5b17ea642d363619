"""The class simulation's accounts and private mount namespace (tools/class_sim.py uses them).

Students and the grader are unix accounts that exist only inside the simulation's namespace: a copy
of /etc/passwd and /etc/group with them added is bind-mounted there (``write_accounts``,
``AccountsGuard``), their homes live under a temporary folder, and nothing is deleted through a
mount (``remove_tree``). ``in_private_mount_namespace`` is the guard every mount depends on.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
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
