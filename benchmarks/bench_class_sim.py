"""The class simulation at class size: seconds per stage and per student, and peak memory.

Usage (root, Linux):  .venv/bin/python -m benchmarks.bench_class_sim [--students 200] [--jobs 4]

Runs ``python -m tools.class_sim`` (students as their own unix uids in a private mount namespace; the machine
is not changed) and prints its JSON line, then the figures. Aim from issue 13: collect + grade +
export for 200 students in under 10 minutes on 2 cores, with 0 lost. No test is timed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=200)
    p.add_argument("--jobs", type=int, default=4, help="students working at once")
    args = p.parse_args()
    t = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.class_sim",
            "--students",
            str(args.students),
            "--jobs",
            str(args.jobs),
            "--verbose",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.monotonic() - t
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        print(proc.stdout[-2000:], proc.stderr[-3000:], file=sys.stderr)
        return 2
    out = json.loads(lines[0])
    print(lines[0])
    if "error" in out:
        return 2
    n = out["students"]
    back_office = sum(out["seconds"][k] for k in ("collect", "grade", "export"))
    print(
        f"students {n}: submitted {out['submitted']}, collected {out['collected']}, lost {out['lost']}, "
        f"late {out['late']}"
    )
    for stage, secs in out["seconds"].items():
        print(f"  {stage:<18} {secs:9.1f} s   {secs / n:7.3f} s per student")
    print(f"  collect+grade+export {back_office:7.1f} s (aim: under 600 s for 200 students on 2 cores)")
    print(
        f"  per student: fetch {out['seconds_per_student']['fetch_mean']:.2f} s, "
        f"submit {out['seconds_per_student']['submit_mean']:.2f} s (means, {args.jobs} at once)"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  peak memory: simulator {out['peak_rss_mb']['simulator']} MB, largest single process "
        f"{max(children, out['peak_rss_mb']['largest_child']):.0f} MB; wall {wall:.0f} s"
    )
    return 0 if out["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
