"""Drive the sandboxed runner for one submission: timeouts, crashes and restarts.

A cell that loops (even ignoring interrupts), kills its process or exhausts a limit costs only
that cell: the runner is killed with everything it started, a fresh one replays the cells that
had worked, and grading goes on with the next cell.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from ._sandbox import Sandbox

__all__ = ["StepResult", "kill_all", "run_steps", "zygote"]

ACTIVE: set = set()  # runner processes alive now, killed on Ctrl-C or exit
GRACE = 3.0  # seconds an interrupted cell gets to stop before everything is killed
STARTUP = 60.0
MAX_LINE = 64_000_000


@dataclass
class StepResult:
    ok: bool = False
    ran: bool = False
    error: dict | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: list = field(default_factory=list)
    snapshot: str | None = None


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all() -> None:
    """Kill every sandbox still alive (and all it started)."""
    for pid in list(ACTIVE):
        _killpg(pid, signal.SIGKILL)
        ACTIVE.discard(pid)


class Zygote:
    """Client of the fork server (:mod:`coursekit.grading._zygote`): one per process and mode."""

    def __init__(self):
        parent, child = socket.socketpair()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        if os.geteuid() != 0:
            env["COURSEKIT_SANDBOX_USERNS"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "coursekit.grading._zygote", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        child.close()
        self.sock = parent
        self.sock.settimeout(STARTUP)
        self.reader = self.sock.makefile("rb")
        line = self.reader.readline()
        if b"ready" not in line:
            raise RuntimeError("the grading fork server did not start")
        self.lock = threading.Lock()

    def spawn(self, spec: dict, fd: int) -> int:
        data = json.dumps(spec).encode()
        with self.lock:
            self.sock.sendall(len(data).to_bytes(8, "big"))
            sent = socket.send_fds(self.sock, [data[:65536]], [fd])
            self.sock.sendall(data[sent:])
            reply = json.loads(self.reader.readline() or b"{}")
        if "pid" not in reply:
            raise RuntimeError("the grading fork server stopped")
        return int(reply["pid"])

    def close(self) -> None:
        self.sock.close()
        _killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


_ZYGOTE: Zygote | None = None
_ZYGOTE_LOCK = threading.Lock()


def zygote() -> Zygote:
    global _ZYGOTE
    with _ZYGOTE_LOCK:
        if _ZYGOTE is None or _ZYGOTE.proc.poll() is not None:
            _ZYGOTE = Zygote()
        return _ZYGOTE


def _close_zygote() -> None:
    if _ZYGOTE is not None:
        _ZYGOTE.close()


atexit.register(kill_all)
atexit.register(_close_zygote)


class _Session:
    """One sandboxed runner and its pipe."""

    def __init__(self, sandbox: Sandbox, steps: list[dict], notebook: str, name: str, data_dir: str | None):
        read_fd, write_fd = os.pipe()
        self.scratch = tempfile.mkdtemp(prefix="coursekit-")
        os.chmod(self.scratch, 0o755)
        spec = {
            "isolated": sandbox.isolated,
            "hide": sandbox.hide,
            "scratch": os.path.join(self.scratch, "work"),
            "notebook": notebook,
            "notebook_name": name,
            "steps": steps,
            "limits": sandbox.limits.__dict__,
            "data_dir": data_dir,
        }
        try:
            self.pid = zygote().spawn(spec, write_fd)
        finally:
            os.close(write_fd)
        ACTIVE.add(self.pid)
        self.fd = read_fd
        self.buffer = b""
        self.setup_error = None

    def next_event(self, deadline: float) -> dict | None:
        """The next event, or None at end of stream; raises TimeoutError at the deadline."""
        while b"\n" not in self.buffer:
            wait = deadline - time.monotonic()
            if wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.fd], [], [], min(wait, 1.0))
            if not ready:
                continue
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            event = json.loads(line)
        except ValueError:
            return {"ev": "garbled"}
        if event.get("ev") == "setup_failed":
            self.setup_error = event.get("error", "")
            return None
        return event

    def interrupt(self) -> None:
        _killpg(self.pid, signal.SIGINT)

    def close(self) -> str:
        _killpg(self.pid, signal.SIGKILL)
        ACTIVE.discard(self.pid)
        os.close(self.fd)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return self.setup_error or ""


def run_steps(
    steps: list[dict], notebook: str, name: str, sandbox: Sandbox, data_dir: str | None = None
) -> tuple[list[StepResult], list[str]]:
    """Run ``steps`` (dicts with ``source``, ``export``, ``kind``); return results and notes."""
    results = [StepResult() for _ in steps]
    notes: list[str] = []
    limits = sandbox.limits
    started = time.monotonic()
    todo = 0
    restarts = 0
    while todo < len(steps):
        if time.monotonic() - started > limits.submission_timeout:
            for result in results[todo:]:
                result.error = {
                    "ename": "TimeLimit",
                    "evalue": "the submission ran out of time before this cell",
                }
            notes.append("stopped: the whole submission exceeded its time limit")
            break
        # Replay what worked before a restart (no output, no export), then continue from `todo`.
        replay = [dict(steps[i], replay=True, export=[]) for i in range(todo) if results[i].ok]
        batch = replay + steps[todo:]
        session = _Session(sandbox, batch, notebook, name, data_dir)
        offset = len(replay)
        current = None
        try:
            event = session.next_event(time.monotonic() + STARTUP)
            if event is None or event.get("ev") != "ready":
                raise RuntimeError("the runner did not start")
            while True:
                deadline = time.monotonic() + (limits.cell_timeout if current is not None else STARTUP)
                try:
                    event = session.next_event(deadline)
                except TimeoutError:
                    if current is None or current < offset:
                        raise RuntimeError("the runner stopped answering") from None
                    session.interrupt()
                    try:
                        event = session.next_event(time.monotonic() + GRACE)
                    except TimeoutError:
                        event = None
                    index = current - offset + todo
                    results[index].ran = True
                    results[index].error = {
                        "ename": "Timeout",
                        "evalue": f"this cell ran longer than {limits.cell_timeout:g} s and was stopped",
                    }
                    if event is not None and event.get("ev") == "done":
                        results[index].stdout = event.get("stdout", "")
                        current = None
                        continue
                    todo = index + 1
                    notes.append(
                        f"cell {steps[index].get('grade_id') or index} did not stop when interrupted; "
                        "restarted"
                    )
                    break
                if event is None:
                    if current is None:  # died between cells (e.g. a timer in a thread)
                        unrun = [i for i in range(todo, len(steps)) if not results[i].ran]
                        restarts += 1
                        if not unrun or restarts > len(steps) + 2:
                            raise RuntimeError("the runner kept stopping between cells")
                        todo = unrun[0]
                        break
                    index = current - offset + todo
                    if current < offset:  # a replayed cell died this time: give up on the rest
                        raise RuntimeError("a cell that had worked failed when replayed")
                    results[index].ran = True
                    results[index].error = {
                        "ename": "KernelDied",
                        "evalue": "the Python process stopped while running this cell (a crash, "
                        "os._exit, or a resource limit such as memory)",
                    }
                    todo = index + 1
                    notes.append(
                        f"the process died in cell {steps[index].get('grade_id') or index}; restarted"
                    )
                    break
                kind = event.get("ev")
                if kind == "start":
                    current = int(event["i"])
                elif kind == "done":
                    position = int(event["i"])
                    current = None
                    if position < offset:
                        continue
                    result = results[position - offset + todo]
                    result.ran = True
                    result.error = event.get("error")
                    result.ok = result.error is None
                    result.stdout = event.get("stdout", "")
                    result.stderr = event.get("stderr", "")
                    result.outputs = event.get("outputs", [])
                    result.snapshot = event.get("snapshot")
                elif kind == "end":
                    todo = len(steps)
                    break
        except RuntimeError as err:
            for result in results[todo:]:
                if not result.ran:
                    result.error = {"ename": "RunnerError", "evalue": str(err)}
            notes.append(str(err))
            todo = len(steps)
        finally:
            stderr = session.close()
            if stderr.strip() and not any(r.ran for r in results):
                notes.append("runner: " + stderr.strip().splitlines()[-1][:300])
    return results, notes
