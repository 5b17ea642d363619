"""Every nbgrader assignment is proven against its own solution before it reaches students."""

from __future__ import annotations

import copy
import csv
import html
import re

import nbformat
import pytest

from tests.support.lessonkit import LESSONS, read_lesson, text_of
from tests.support.nbgraderkit import (
    ASSIGNMENTS,
    COURSE,
    ROOT,
    grade_cells,
    hidden_regions,
    max_auto,
    nbgrader,
    scores,
    scratch_course,
    solution_regions,
    source_notebook,
    submit,
    wrong_answers,
)


def test_there_are_at_least_ten_assignments():
    assert len(ASSIGNMENTS) >= 10, ASSIGNMENTS


def test_built_notebooks_match_their_authoring_files():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_assignments.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_is_stored_clean_with_metadata(assignment):
    nb = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
    nbformat.validate(nb)
    cells = grade_cells(nb)
    assert len(cells) == len(set(cells)), "duplicate grade ids"
    written = [c for c in cells.values() if c.cell_type == "markdown" and c.metadata["nbgrader"]["solution"]]
    assert written, "at least one manually graded written answer"
    for c in written:
        assert c.metadata["nbgrader"]["points"] > 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "outputs in git"
    for gid, cell in cells.items():
        meta = cell.metadata["nbgrader"]
        if meta["grade"] and not meta["solution"]:
            assert hidden_regions(cell.source), f"{gid}: tests need hidden tests as well as visible ones"
            visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
            assert "assert" in visible, f"{gid}: at least one visible test"
            assert re.search(r"assert .+,\s*[\"f(]", cell.source), f"{gid}: assertions carry messages"
    rubric = ROOT / "autograding" / "rubrics" / f"{assignment}.md"
    text = "".join(c.source for c in written) + (
        rubric.read_text(encoding="utf-8") if rubric.exists() else ""
    )
    assert re.search(r"rubric", text, re.I) and re.search(r"source register|\[@", text), (
        "written answers have a rubric that asks for evidence cited from the source register"
    )


def _objectives() -> dict[str, int]:
    found = {}
    for path in LESSONS:
        if not path.name[2] == "-":
            continue  # 00b teaches Python; it has no exercise
        num = int(path.name[:2])
        if 1 <= num <= 9:
            text = text_of(read_lesson(path))
            block = text.split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
            found[f"{num:02d}"] = len(re.findall(r"^\d+\. ", block, re.M))
    return found


def test_every_objective_of_lessons_1_to_9_is_assessed_and_every_grade_id_is_mapped():
    with open(COURSE / "objectives.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    mapped = {(r["assignment"], r["grade_id"]) for r in rows}
    graded = set()
    for assignment in ASSIGNMENTS:
        nb = nbformat.read(COURSE / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        for gid, cell in grade_cells(nb).items():
            if cell.metadata["nbgrader"]["grade"]:
                graded.add((assignment, gid))
    assert graded == mapped, f"unmapped: {sorted(graded - mapped)}; stale: {sorted(mapped - graded)}"
    assessed = {r["objective"] for r in rows}
    for lesson, count in _objectives().items():
        for i in range(1, count + 1):
            assert f"{lesson}.{i}" in assessed, f"objective {lesson}.{i} is not assessed"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_is_proven_against_its_solution(assignment, tmp_path):
    course = scratch_course(tmp_path)
    nbgrader(course, "generate_assignment", assignment, "--force")
    src = source_notebook(course, assignment)
    released = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    release_text = "\n".join(c.source for c in released.cells)
    assert "BEGIN SOLUTION" not in release_text and "BEGIN HIDDEN TESTS" not in release_text
    for cell in src.cells:
        for region in solution_regions(cell.source) + hidden_regions(cell.source):
            for line in region.strip().splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in release_text, f"release leaks: {line.strip()!r}"
    assert sorted(p.name for p in (course / "release" / assignment).iterdir()) == [f"{assignment}.ipynb"]
    for cell in src.cells:  # starter code (`#>` lines, a01-a04) reaches students, unmarked
        for region in solution_regions(cell.source):
            for line in region.splitlines():
                if line.strip().startswith("#>"):
                    assert line.strip()[2:].strip() in release_text, f"starter line missing: {line.strip()!r}"

    submit(course, "solution", assignment, src)
    submit(course, "blank", assignment, released)
    wrong = wrong_answers(assignment)
    answer_cells = [
        gid
        for gid, c in grade_cells(src).items()
        if c.metadata["nbgrader"]["solution"] and c.cell_type == "code"
    ]
    covered = {spec["cell"] for spec in wrong.values()}
    assert set(answer_cells) <= covered, f"no typical wrong answer for {sorted(set(answer_cells) - covered)}"
    for gid, spec in wrong.items():
        nb = copy.deepcopy(src)
        grade_cells(nb)[spec["cell"]].source = spec["code"]
        submit(course, f"wrong-{gid}", assignment, nb)
    nbgrader(course, "autograde", assignment, "--force")

    got = scores(course, assignment)
    full = max_auto(src)
    for gid, points in full.items():
        assert got["solution"].get(gid) == pytest.approx(points), (
            f"the solution must earn every point of {gid}"
        )
    assert sum(got["blank"].get(g) or 0 for g in full) == 0, "the unchanged release earns nothing"
    for gid, spec in wrong.items():
        student = f"wrong-{gid}"
        assert got[student][spec["tests"]] == 0, f"wrong answer to {gid} earned points"
        graded = nbformat.read(
            course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4
        )
        cell = grade_cells(graded)[spec["tests"]]
        text = " ".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")
        assert spec["message"] in text, f"{gid}: expected the message {spec['message']!r}, got {text!r}"
        if spec.get("visible"):  # caught by a VISIBLE test, in plain words, without a crash
            names = [o.get("ename") for o in cell.outputs if o.output_type == "error"]
            assert names == ["AssertionError"], f"{gid}: the visible test crashed with {names}: {text!r}"
            hidden = "".join(hidden_regions(grade_cells(src)[spec["tests"]].source))
            assert spec["message"] not in hidden, f"{gid}: only a hidden test catches this wrong answer"

    # The course's hardened grader reaches the same verdicts on the same submissions.
    from coursekit.grading.pipeline import grade

    summary = grade(assignment, course, jobs=2, force=True, progress=False)
    assert not [o for o in summary.outcomes if o.status != "graded"], summary.text()
    again = scores(course, assignment)
    for gid, points in full.items():
        assert again["solution"].get(gid) == pytest.approx(points), f"coursekit grade: solution lost {gid}"
    assert sum(again["blank"].get(g) or 0 for g in full) == 0
    for gid, spec in wrong.items():
        assert again[f"wrong-{gid}"][spec["tests"]] == 0, (
            f"coursekit grade: wrong answer to {gid} earned points"
        )

    proc = nbgrader(course, "validate", str(course / "source" / assignment / f"{assignment}.ipynb"))
    assert "Success" in proc.stdout, proc.stdout[-2000:]

    nbgrader(course, "generate_feedback", assignment, "--force")
    page = (course / "feedback" / "solution" / assignment / f"{assignment}.html").read_text(encoding="utf-8")
    page = html.unescape(re.sub(r"<[^>]+>", "", page))  # the text a reader sees, without highlighting
    for cell in src.cells:
        for region in hidden_regions(cell.source):
            for line in region.strip().splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in page, f"feedback shows a hidden test: {line.strip()!r}"
