"""Grade the same 30 mixed submissions with plain `nbgrader autograde` and with `coursekit grade`.

Usage:  .venv/bin/python -m benchmarks.bench_grading [--jobs 2] [--no-sandbox]

Prints both wall-clock times, CPU/wall for each, and their ratio (coursekit / nbgrader).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.gradingkit import ASSIGNMENT, CORRECT, answered, make_course, release, submit
from tests.support.nbgraderkit import env

ROOT = Path(__file__).resolve().parents[1]

MIX = (
    [("correct", CORRECT)] * 12
    + [("blank", None)] * 6
    + [("partly", {"q1": CORRECT["q1"], "q3": CORRECT["q3"]})] * 6
    + [("wrong", {"q1": "n_tests = 5", "q2": "first_year = '2006'", "q3": "big = tests"})] * 3
    + [("crash", {**CORRECT, "q2": "import os\nos._exit(1)"})] * 3
)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True)
    return time.perf_counter() - t0, children_cpu() - cpu0, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-sandbox", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = make_course(Path(tmp) / "base")
        for i, (kind, answers) in enumerate(MIX):
            nb = release(base) if answers is None else answered(base, answers)
            submit(base, f"{i:02d}-{kind}", nb)
        plain, ours = Path(tmp) / "nbgrader", Path(tmp) / "coursekit"
        shutil.copytree(base, plain)
        shutil.copytree(base, ours)
        n_wall, n_cpu, n_rc = timed(
            [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"], plain
        )
        cmd = [
            sys.executable,
            "-m",
            "coursekit.cli",
            "grade",
            ASSIGNMENT,
            "--course",
            str(ours),
            "--jobs",
            str(args.jobs),
            "--quiet",
        ] + (["--no-sandbox"] if args.no_sandbox else [])
        c_wall, c_cpu, c_rc = timed(cmd, ours)
        fixed, _, _ = timed(cmd, ours)  # everything already graded: the command's fixed cost
    print(f"submissions: {len(MIX)}")
    print(f"nbgrader autograde: {n_wall:7.1f} s wall, CPU/wall {n_cpu / n_wall:.2f} (exit code {n_rc})")
    print(
        f"coursekit grade   : {c_wall:7.1f} s wall, CPU/wall {c_cpu / c_wall:.2f} "
        f"(jobs={args.jobs}, sandbox={'off' if args.no_sandbox else 'on'}, exit code {c_rc})"
    )
    print(f"ratio coursekit/nbgrader: {c_wall / n_wall:.2f}")
    print(f"coursekit grade fixed cost (rerun, nothing to grade): {fixed:.1f} s")


if __name__ == "__main__":
    main()
