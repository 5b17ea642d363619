"""Run a submission's code isolated from the course, with limits, and kill all it started.

Isolation uses the operating system's own tools (util-linux ``unshare``):

- new mount, PID, network, IPC and UTS namespaces: no network at all (not even loopback), a
  private ``/tmp`` holding only this submission's notebook, the course folder (sources,
  gradebook, other students' work) covered by an empty filesystem, and every process the
  student started killed when the runner ends;
- as root, the code runs as the unprivileged user ``nobody`` with no capabilities and
  ``no_new_privs``; as an ordinary account, an unprivileged user namespace is used instead;
- resource limits: address space, CPU seconds, processes, file size, open files, no core dumps.

:func:`prepare` is what runs inside the namespaces before the cells do; the namespaces
themselves are entered by the fork server (:mod:`coursekit.grading._zygote`).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Limits", "MS_REC", "Sandbox", "check_available", "prepare", "unshare_prefix"]

NOBODY = 65534
PR_SET_NO_NEW_PRIVS = 38


@dataclass
class Limits:
    """Resource limits for one submission (all configurable from the command line)."""

    memory_mb: int = 3072
    cpu_seconds: int = 300
    processes: int = 512
    file_size_mb: int = 64
    open_files: int = 256
    cell_timeout: float = 30.0
    submission_timeout: float = 300.0
    test_timeout: float = 60.0  # each instructor test, when scoring (outside the sandbox)


@dataclass
class Sandbox:
    """How to start the runner: isolated (namespaces) or not (``--no-sandbox``)."""

    isolated: bool = True
    hide: list[str] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)


def unshare_prefix() -> list[str]:
    base = [
        "unshare",
        "--mount",
        "--net",
        "--pid",
        "--ipc",
        "--uts",
        "--fork",
        "--kill-child",
        "--mount-proc",
    ]
    if os.geteuid() != 0:
        base.insert(1, "--map-root-user")
        base.insert(1, "--user")
    return base


@lru_cache(maxsize=1)
def check_available() -> str | None:
    """None if the sandbox can be set up here, else the reason it cannot."""
    if not shutil.which("unshare"):
        return "the `unshare` program (util-linux) is not installed"
    try:
        probe = subprocess.run(
            unshare_prefix() + ["sh", "-c", "mount -t tmpfs tmpfs /tmp && echo ok"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"`unshare` could not run ({err})"
    if probe.returncode != 0 or "ok" not in probe.stdout:
        why = (probe.stderr or probe.stdout).strip().splitlines()
        return "Linux namespaces are not available to this account" + (f" ({why[-1]})" if why else "")
    return None


# --- inside the namespaces --------------------------------------------------------------


def _mount_tmpfs(target: str, size: str = "16m", mode: str = "755") -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode={mode},nosuid,nodev", "tmpfs", target],
        check=True,
        capture_output=True,
    )


MS_BIND, MS_REC = 4096, 16384


def _within(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _bind(source: str, target: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source.encode(), target.encode(), None, MS_BIND | MS_REC, None) != 0:
        raise OSError(ctypes.get_errno(), f"could not bind {source} to {target}")


def _private_tmp(keep: list[str]) -> None:
    """Give the sandbox empty /tmp and /dev/shm, keeping only ``keep`` paths found under them.

    A checkout or virtual environment may itself live under /tmp (CI often clones there):
    those folders are bound back into the fresh /tmp through file descriptors opened before
    it was covered; everything else under the old /tmp (other students, the course) is gone.
    """
    for top, size in (("/tmp", "256m"), ("/dev/shm", "64m")):
        if not os.path.isdir(top):
            continue
        inside = sorted({os.path.realpath(p) for p in keep if os.path.isdir(p) and _within(p, top)})
        inside = [p for p in inside if not any(p != q and _within(p, q) for q in inside)]
        fds = [(os.open(p, os.O_RDONLY | os.O_DIRECTORY), p) for p in inside]
        _mount_tmpfs(top, size=size, mode="1777")
        for fd, path in fds:
            os.makedirs(path, exist_ok=True)
            _bind(f"/proc/self/fd/{fd}", path)
            os.close(fd)


def _hide(path: str) -> None:
    if os.path.isdir(path):
        _mount_tmpfs(path, size="1m")
    elif os.path.exists(path):
        subprocess.run(["mount", "--bind", "/dev/null", path], check=True, capture_output=True)


def _expose(paths: list[str]) -> None:
    """Let ``nobody`` reach the interpreter and the course package even under a private home.

    For each needed path whose ancestor directory others may not enter (such as ``/root`` with
    mode 700), that ancestor is covered with an empty filesystem into which only the needed
    children are bound back. The rest of the private directory stays hidden.
    """
    plan: dict[str, set[str]] = {}
    for path in sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)}):
        parts = Path(path).parts
        for depth in range(1, len(parts) - 1):
            ancestor, child = Path(*parts[: depth + 1]), Path(*parts[: depth + 2])
            if not ancestor.stat().st_mode & 0o001:
                plan.setdefault(str(ancestor), set()).add(str(child))
                break
    for ancestor, children in plan.items():
        fds = [(os.open(c, os.O_RDONLY), c) for c in sorted(children)]
        _mount_tmpfs(ancestor, size="1m")
        for fd, child in fds:
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(child, exist_ok=True)
            else:
                open(child, "a").close()
            _bind(f"/proc/self/fd/{fd}", child)
            os.close(fd)


def _drop_privileges() -> None:
    if os.geteuid() == 0 and os.environ.get("COURSEKIT_SANDBOX_USERNS") != "1":
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _set_limits(limits: dict) -> None:
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limits["memory_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_size_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() != 0:  # NPROC counts per user; root ignores it
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"],) * 2)


def prepare(spec: dict) -> tuple[str, dict]:
    """Inside the namespaces: hide the course, make the scratch folder, drop privileges, limit.

    Returns the plan's path and the environment the runner should have.
    """
    import coursekit
    from coursekit.data import data_dir

    isolated = spec["isolated"]
    as_root = os.geteuid() == 0 and os.environ.get("COURSEKIT_SANDBOX_USERNS") != "1"
    if not spec.get("data_dir"):
        spec["data_dir"] = str(data_dir())
    if isolated:
        for path in spec["hide"]:
            _hide(path)
        needed = [
            sys.prefix,
            sys.base_prefix,
            os.path.dirname(sys.executable),
            os.path.dirname(coursekit.__file__),
            spec["data_dir"],
            *[p for p in sys.path if p],
        ]
        needed = [p for p in needed if not any(_within(p, h) for h in spec["hide"])]
        _private_tmp(needed)
        if as_root:
            _expose(needed + [sys.executable])
        work = Path("/tmp/work")
    else:
        work = Path(spec["scratch"])
    work.mkdir(mode=0o755, exist_ok=True)
    (work / spec["notebook_name"]).write_text(spec["notebook"], encoding="utf-8")
    plan = work / ".plan.json"
    plan.write_text(json.dumps({"steps": spec["steps"]}), encoding="utf-8")
    if isolated and as_root:
        for path in (work, work / spec["notebook_name"], plan):
            os.chown(path, NOBODY, NOBODY)
    os.chdir(work)
    env = {
        "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
        "HOME": str(work),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "IPYTHONDIR": str(work / ".ipython"),
        "MPLCONFIGDIR": str(work / ".mpl"),
    }
    if spec.get("data_dir"):
        env["COURSEKIT_DATA"] = spec["data_dir"]
    if isolated:
        _drop_privileges()
    _set_limits(spec["limits"])
    return str(plan), env
