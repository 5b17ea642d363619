"""Time from a fresh clone to JupyterLab answering on /lab, and (optionally) of `make test`.

Usage:  python3 -m benchmarks.bench_setup [--with-test]

Clones this repository into a temporary folder, runs `make lab` there (which creates .venv and
installs the course) and measures until GET /lab answers 200. With --with-test it then runs
`make test` in the same clone and reports its time. Package downloads may come from the
machine's pip/uv caches; the first run on a new machine is slower.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_lab(clone: Path, port: int, lab_args: str) -> float:
    """Run `make lab` in the clone and return the seconds until /lab answers 200."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS={lab_args}"],
        cwd=clone,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=bench", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except OSError:
                time.sleep(0.1)
            if proc.poll() is not None:
                raise SystemExit("make lab stopped before JupyterLab answered")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-test", action="store_true", help="also time `make test` in the clone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "course"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        port = free_port()
        lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token=bench"
        first = time_to_lab(clone, port, lab_args)
        print(f"fresh clone -> JupyterLab answering on /lab: {first:.1f} s (includes creating .venv)")
        print(f"second start (environment ready) -> /lab: {time_to_lab(clone, port, lab_args):.1f} s")
        if args.with_test:
            start = time.perf_counter()
            result = subprocess.run(["make", "-s", "test"], cwd=clone, capture_output=True, text=True)
            tail = (result.stdout.strip().splitlines() or [""])[-1]
            print(f"make test: {time.perf_counter() - start:.0f} s, exit {result.returncode}: {tail}")


if __name__ == "__main__":
    main()
