"""A small nbgrader course for the grading pipeline's tests, and helpers to submit to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from tests.support.nbgraderkit import nbgrader

ASSIGNMENT = "hw"
POINTS = {"q1-tests": 2.0, "q2-tests": 2.0, "q3-tests": 3.0}
MARKER = "coursekit-hostile-marker"


def _meta(grade_id, *, solution=False, points=None, locked=None):
    grade = points is not None
    return {
        "nbgrader": {
            "grade": grade,
            "grade_id": grade_id,
            "locked": bool(locked if locked is not None else (grade and not solution)),
            "schema_version": 3,
            "solution": solution,
            "task": False,
            **({"points": points} if grade else {}),
        }
    }


def source_notebook():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [
        md("# Homework", metadata=_meta("intro", locked=True)),
        code(
            "import pandas as pd\nimport coursekit as ck\ntests = ck.load('nuclear_tests')",
            metadata=_meta("setup", locked=True),
        ),
        code(
            "### BEGIN SOLUTION\nn_tests = len(tests)\n### END SOLUTION", metadata=_meta("q1", solution=True)
        ),
        code(
            "assert n_tests > 0, 'count the rows of tests'\n### BEGIN HIDDEN TESTS\n"
            "assert n_tests == 6, 'there are six tests: use len(tests)'\n### END HIDDEN TESTS",
            metadata=_meta("q1-tests", points=2),
        ),
        code(
            "### BEGIN SOLUTION\nfirst_year = int(tests['date_utc'].dt.year.min())\n### END SOLUTION",
            metadata=_meta("q2", solution=True),
        ),
        code(
            "assert isinstance(first_year, int), 'first_year should be a whole number'\n### BEGIN "
            "HIDDEN TESTS\n"
            "assert first_year == 2006, 'look at the earliest date_utc'\n### END HIDDEN TESTS",
            metadata=_meta("q2-tests", points=2),
        ),
        code(
            "### BEGIN SOLUTION\nbig = tests[tests['magnitude'] > 5.0]\n### END SOLUTION",
            metadata=_meta("q3", solution=True),
        ),
        code(
            "assert isinstance(big, pd.DataFrame), 'big should be a table'\n### BEGIN HIDDEN TESTS\n"
            "assert len(big) == 4 and big['magnitude'].min() > 5.0, 'keep rows with magnitude above 5.0'\n"
            "### END HIDDEN TESTS",
            metadata=_meta("q3-tests", points=3),
        ),
        md(
            "### BEGIN SOLUTION\nA model answer citing [@usgs-comcat].\n### END SOLUTION",
            metadata=_meta("w1", solution=True, points=4),
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return nb


def stateful_notebook():
    """The same homework, but its setup holds a list that a test changes, and a hidden test loops
    for one wrong answer: grades must not depend on order, threads or time limits being missed."""
    nb = source_notebook()
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells}
    by_id["setup"].source += "\nseen = []"
    by_id["q1-tests"].source = (
        "seen.append(n_tests)\nassert len(seen) == 1, 'the setup was shared'\n" + by_id["q1-tests"].source
    )
    by_id["q2-tests"].source = by_id["q2-tests"].source.replace(
        "### END HIDDEN TESTS", "while first_year == 1999:\n    pass\n### END HIDDEN TESTS"
    )
    return nb


def make_course(root: Path, notebook=None) -> Path:
    """A course folder with the assignment generated (gradebook and release ready)."""
    course = root / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "autograding" / "nbgrader_config.py", course)
    nbformat.write(notebook or source_notebook(), course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def release(course: Path):
    return nbformat.read(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)


def answered(course: Path, answers: dict[str, str], *, extra_cells: list[tuple[int, str]] = ()):
    """The released notebook with some answer cells filled in and extra code cells inserted."""
    nb = release(course)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    for position, source in sorted(extra_cells, reverse=True):
        nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    return nb


CORRECT = {
    "q1": "n_tests = len(tests)",
    "q2": "first_year = int(tests['date_utc'].dt.year.min())",
    "q3": "big = tests[tests['magnitude'] > 5.0]",
}


def submit(
    course: Path,
    student: str,
    nb=None,
    *,
    name: str = f"{ASSIGNMENT}.ipynb",
    raw: str | None = None,
    extra_files: dict[str, str] | None = None,
) -> Path:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        (folder / name).write_text(raw, encoding="utf-8")
    else:
        nbformat.write(nb, folder / name)
    (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC", encoding="utf-8")
    for fname, text in (extra_files or {}).items():
        (folder / fname).write_text(text, encoding="utf-8")
    return folder


def auto_scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                out[sub.student_id] = {g.name: g.auto_score for g in nb.grades}
    return out


def total(scores: dict[str, float]) -> float:
    return sum(v or 0 for k, v in scores.items() if k in POINTS)
