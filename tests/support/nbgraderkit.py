"""Run nbgrader on a scratch copy of the course, for the assignment tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "autograding"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").glob("a[0-9][0-9]-*") if p.is_dir())


def env() -> dict:
    bindir = str(Path(sys.executable).parent)
    out = dict(os.environ)
    out["PATH"] = bindir + os.pathsep + out.get("PATH", "")  # nbgrader runs `alembic`
    out.pop("COURSEKIT_DATA", None)
    return out


def scratch_course(tmp: Path) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    return course


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def source_notebook(course: Path, assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def grade_cells(nb) -> dict[str, dict]:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def solution_regions(source: str) -> list[str]:
    return re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)


def hidden_regions(source: str) -> list[str]:
    return re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source, re.S)


def submit(course: Path, student: str, assignment: str, nb) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def wrong_answers(assignment: str, values: dict | None = None) -> dict:
    """{label: spec} of the typical wrong answers; spec["cell"] is the answer cell it replaces.

    In ``authoring/wrong/aNN.json`` each answer cell's grade id maps to one spec or to a list of
    specs (several plausible wrong answers to one question); the second of q1 is labelled q1-2.
    ``{{name}}`` templates are filled with ``values`` (default: the published parameters), as
    for a per-offering variant (``coursekit.grading.offering``).
    """
    from coursekit.grading import offering

    path = COURSE / "authoring" / "wrong" / f"{assignment}.json"
    if values is None:
        values = offering.exercise(COURSE / "authoring" / f"{assignment}.md").values()
    raw = json.loads(offering.wrong_answers(path, values)) if path.exists() else {}
    out = {}
    for gid, specs in raw.items():
        for i, spec in enumerate(specs if isinstance(specs, list) else [specs], start=1):
            out[gid if i == 1 else f"{gid}-{i}"] = {**spec, "cell": gid}
    return out


def scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """{student: {grade_id: auto score}} read from the scratch gradebook."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.auto_score is not None or grade.cell.max_score:
                        out.setdefault(sub.student_id, {})[grade.name] = grade.auto_score
    return out


def max_auto(nb) -> dict[str, float]:
    return {
        gid: c.metadata["nbgrader"]["points"]
        for gid, c in grade_cells(nb).items()
        if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"].get("solution")
    }
