"""A fork server: start each sandboxed runner in milliseconds instead of a second.

Importing pandas, plotly and IPython costs about a second and a half per process. The zygote
imports them once and then, for each submission, forks a child that enters fresh namespaces
(``unshare(2)``), forks again to become process 1 of its own PID namespace, hides the course,
drops privileges and runs the cells: the same isolation as :mod:`coursekit.grading._sandbox`,
without paying for the imports again. The zygote itself never runs student code.

Protocol on the control socket: the grader sends a JSON spec with the runner's pipe attached
(``SCM_RIGHTS``); the zygote answers with the host PID of the sandbox, whose process group the
grader may interrupt or kill.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys

__all__ = ["serve"]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
MS_PRIVATE = 1 << 18


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _enter_namespaces(userns: bool) -> None:
    libc = _libc()
    flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET
    uid, gid = os.getuid(), os.getgid()
    if userns:
        flags |= CLONE_NEWUSER
    if libc.unshare(flags) != 0:
        raise OSError(ctypes.get_errno(), "unshare failed")
    if userns:
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"0 {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"0 {gid} 1")


def _child(spec: dict, fd: int, control: int, userns: bool) -> None:
    """In the forked child: isolate, then run the cells. Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(control)  # student code must never reach the zygote
        devnull = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):  # C-level output goes nowhere; Python-level output is captured
            os.dup2(devnull, std)
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if spec["isolated"]:
            _enter_namespaces(userns)
            pid = os.fork()  # the next process is PID 1 of the new namespace
            if pid:
                os.close(fd)
                _, status = os.waitpid(pid, 0)
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
            _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            from ._sandbox import MS_REC

            if _libc().mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
                raise OSError(ctypes.get_errno(), "could not make mounts private")
            import subprocess

            subprocess.run(["mount", "-t", "proc", "proc", "/proc"], check=True, capture_output=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from ._runner import run
        from ._sandbox import prepare

        plan, env = prepare(spec)
        os.environ.clear()
        os.environ.update(env)
        run(plan, fd)
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - report and leave; never fall back into the zygote loop
        try:
            os.write(
                fd,
                (json.dumps({"ev": "setup_failed", "error": f"{type(exc).__name__}: {exc}"}) + "\n").encode(),
            )
        finally:
            os._exit(70)


def serve(control: int) -> None:
    """The zygote's loop: import once, then fork a sandbox for each request."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import IPython.core.interactiveshell  # noqa: F401 - imported once, shared by every fork
    import pandas  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    import coursekit  # noqa: F401

    from . import _runner, _sandbox, _snapshot  # noqa: F401

    userns = os.environ.get("COURSEKIT_SANDBOX_USERNS") == "1"
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    sock = socket.socket(fileno=control)
    sock.sendall(b'{"ready": true}\n')
    while True:
        try:
            size = int.from_bytes(_recv_exact(sock, 8), "big")
            message, fds, _, _ = socket.recv_fds(sock, size, 1)
            while len(message) < size:
                message += _recv_exact(sock, size - len(message))
        except (EOFError, ConnectionError, OSError):
            return
        spec = json.loads(message)
        fd = fds[0]
        pid = os.fork()
        if pid == 0:
            _child(spec, fd, sock.fileno(), userns)
        os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


if __name__ == "__main__":
    serve(int(sys.argv[1]))
