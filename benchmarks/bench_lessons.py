"""Execute the whole course and report seconds per lesson against the kernel-start floor.

Usage:  .venv/bin/python -m benchmarks.bench_lessons

For each lesson: seconds to execute it in a fresh kernel and the size of the executed
notebook. Then the total, the time to execute an empty notebook the same number of times (the
kernel-start floor) and the ratio of the two. Aim: total under 3x the floor, no lesson over 1 MB.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from tests.support.lessonkit import execute

ROOT = Path(__file__).resolve().parents[1]

LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*-*.md"))


def empty_run(folder: Path) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    rows = []
    for path in LESSONS:
        nb, seconds = execute(path, probe=False)
        size = len(nbformat.writes(nb).encode())
        rows.append((path.name, seconds, size))
        print(f"{path.name:40} {seconds:6.2f} s {size / 1e6:6.3f} MB", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        floor = sum(empty_run(Path(tmp)) for _ in LESSONS)
    total = sum(r[1] for r in rows)
    print(f"{'total':40} {total:6.2f} s")
    print(f"empty-notebook floor x{len(LESSONS):<2}                   {floor:6.2f} s")
    print(f"ratio total/floor: {total / floor:.2f} (aim: under 3)")
    print(f"largest executed lesson: {max(r[2] for r in rows) / 1e6:.3f} MB (aim: under 1 MB)")


if __name__ == "__main__":
    main()
