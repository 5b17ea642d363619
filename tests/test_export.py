"""`coursekit export`: long, Canvas and Moodle CSVs from the nbgrader gradebook, roster matching
with both kinds of mismatch reported, quoting and Unicode surviving a round trip, exit codes, and the
reverse path (a Canvas-style submissions zip -> nbgrader zip_collect -> coursekit grade -> export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from coursekit.grading.export import export, read_gradebook, read_roster

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

A1, A2 = "a01-hub-and-spokes", "a02-normalisation-and-history"

# id: (first, last, email); names with a comma, quotes, Hangul, kana and kanji
STUDENTS = {
    "1001": ("민준", "김", "minjun@example.org"),
    "1002": ('Bobby "Tables"', "O'Brien, Esq.", "bobby@example.org"),
    "1003": ("さくら", "山田", "sakura@example.org"),
    "1004": ("Ghost", "Nobody", ""),  # graded, but not on the roster
    "1005": ("Quiet", "Student", ""),  # in the gradebook, never submitted
    "jdoe": ("Jane", "Doe", "jdoe@example.org"),  # nbgrader id = Canvas SIS Login ID
}
CANVAS_ROSTER = [
    [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        f"{A1} (123)",
        "Current Score",
        "Final Score",
    ],
    ["    Points Possible", "", "", "", "", "9", "(read only)", "(read only)"],
    ["김, 민준", "1001", "S-1001", "minjun", "Section 1, Tuesday", "", "", ""],
    ['O\'Brien, Esq., Bobby "Tables"', "1002", "S-1002", "bobby", "Section 1, Tuesday", "", "", ""],
    ["山田, さくら", "1003", "S-1003", "sakura", "第2組", "", "", ""],
    ["Doe, Jane", "2001", "S-2001", "jdoe", "Section 2", "", "", ""],
    ["Only, Roster", "1006", "S-1006", "ronly", "Section 2", "", "", ""],  # no submission anywhere
]


def _gradebook(course: Path) -> Path:
    """A gradebook made with nbgrader's API: two assignments, six students, late work, a written
    answer still to grade by hand."""
    from nbgrader.api import Gradebook

    course.mkdir(parents=True, exist_ok=True)
    due = dt.datetime(2026, 11, 20, 12, 0, 0)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(A1, duedate=due)
        gb.update_or_create_notebook(A1, A1)
        for name, points, kind in (("q1", 2, "code"), ("q2", 3, "code"), ("w1", 4, "markdown")):
            gb.update_or_create_grade_cell(name, A1, A1, max_score=points, cell_type=kind)
        gb.add_assignment(A2, duedate=due)
        gb.update_or_create_notebook(A2, A2)
        gb.update_or_create_grade_cell("q1", A2, A2, max_score=5, cell_type="code")
        for sid, (first, last, email) in STUDENTS.items():
            gb.update_or_create_student(sid, first_name=first, last_name=last, email=email)

        def grade(assignment, sid, scores, *, late=0, penalty=0.0, manual_left=()):
            sub = gb.add_submission(assignment, sid, timestamp=str(due + dt.timedelta(seconds=late)))
            for gid, score in scores.items():
                g = gb.find_grade(gid, assignment, assignment, sid)
                if gid.startswith("w"):
                    g.manual_score = score
                else:
                    g.auto_score = score
                g.needs_manual_grade = gid in manual_left
            for gid in manual_left:
                gb.find_grade(gid, assignment, assignment, sid).needs_manual_grade = True
            sub.notebooks[0].late_submission_penalty = penalty
            gb.db.commit()

        grade(A1, "1001", {"q1": 2, "q2": 3, "w1": 3.5}, late=3600, penalty=1.0)
        grade(A2, "1001", {"q1": 4})
        grade(A1, "1002", {"q1": 2, "q2": 0}, late=-60, manual_left=("w1",))
        grade(A1, "1003", {"q1": 2, "q2": 3, "w1": 4})
        grade(A2, "1003", {"q1": 5})
        grade(A1, "1004", {"q1": 2, "q2": 3, "w1": 4})
        grade(A1, "jdoe", {"q1": 0, "q2": 0, "w1": 0})
    return course


@pytest.fixture(scope="module")
def base_course(tmp_path_factory):
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old  # a new gradebook runs `alembic`
    try:
        return _gradebook(tmp_path_factory.mktemp("export") / "course")
    finally:
        os.environ["PATH"] = old


@pytest.fixture
def course(base_course, tmp_path):
    target = tmp_path / "course"
    shutil.copytree(base_course, target)
    return target


def _write_roster(path: Path, rows, encoding="utf-8-sig") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def _read(path: Path, encoding="utf-8") -> list[list[str]]:
    with path.open(newline="", encoding=encoding) as fh:
        return list(csv.reader(fh))


def _cli(*args, cwd=None):
    from tests.support.nbgraderkit import env

    return subprocess.run(
        [sys.executable, "-m", "coursekit.cli", "export", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env(),
    )


def test_reads_scores_penalties_and_manual_state(course):
    grades = read_gradebook(course, per_question=True)
    assert grades.assignments == [A1, A2] and grades.max_scores == {A1: 9.0, A2: 5.0}
    r = grades.results[("1001", A1)]
    assert (r.raw_score, r.penalty, r.score, r.seconds_late) == (8.5, 1.0, 7.5, 3600.0)
    assert not r.needs_manual_grade and grades.results[("1002", A1)].needs_manual_grade
    assert grades.results[("1002", A1)].seconds_late == 0.0
    assert not grades.results[("1005", A1)].submitted and grades.results[("1005", A1)].score is None
    assert {q.grade_id: q.score for q in r.questions} == {"q1": 2, "q2": 3, "w1": 3.5}


def test_long_round_trip_keeps_commas_quotes_hangul_kana_kanji(course, tmp_path):
    path, report = export(course, fmt="long", output=tmp_path / "long.csv")
    rows = _read(path)
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[:5] == ["student_id", "first_name", "last_name", "email", "assignment"]
    assert len(body) == len(STUDENTS) * 2  # one row per student and assignment, none dropped
    for sid, (first, last, email) in STUDENTS.items():
        mine = [b for b in body if b["student_id"] == sid]
        assert {(b["first_name"], b["last_name"], b["email"]) for b in mine} == {(first, last, email)}
    kim = next(b for b in body if b["student_id"] == "1001" and b["assignment"] == A1)
    assert (kim["raw_score"], kim["late_penalty"], kim["score"], kim["max_score"], kim["seconds_late"]) == (
        "8.5",
        "1",
        "7.5",
        "9",
        "3600",
    )
    quiet = next(b for b in body if b["student_id"] == "1005" and b["assignment"] == A1)
    assert quiet["status"] == "missing" and quiet["score"] == ""
    bobby = next(b for b in body if b["student_id"] == "1002" and b["assignment"] == A1)
    assert bobby["needs_manual_grade"] == "yes"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b'"O\'Brien, Esq."' in raw and b'"Bobby ""Tables"""' in raw
    assert report.needs_manual == {A1: ["1002"]} and not report.not_on_roster  # no roster: nothing to match


def test_nbgrader_own_export_breaks_on_a_comma_ours_does_not(course, tmp_path):
    from tests.support.nbgraderkit import nbgrader

    nbgrader(course, "export", "--to", str(tmp_path / "nbgrader.csv"))
    theirs = _read(tmp_path / "nbgrader.csv")
    assert any(len(row) != len(theirs[0]) for row in theirs[1:])  # "O'Brien, Esq." split in two
    path, _ = export(course, fmt="long", output=tmp_path / "ours.csv")
    ours = _read(path)
    assert all(len(row) == len(ours[0]) for row in ours)


def test_long_per_question_columns_and_excel_bom(course, tmp_path):
    path, _ = export(course, [A1], fmt="long", output=tmp_path / "q.csv", per_question=True, excel=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _read(path, encoding="utf-8-sig")
    assert rows[0][-3:] == [f"{A1}:q1 (max 2)", f"{A1}:q2 (max 3)", f"{A1}:w1 (max 4)"]
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["1001"][-3:] == ["2", "3", "3.5"]
    assert by_id["1002"][-3:] == ["2", "0", ""]  # not graded by hand yet
    assert by_id["1005"][-3:] == ["", "", ""]
    assert by_id["1003"][2] == "山田"


def test_canvas_matches_roster_and_reports_both_mismatches(course, tmp_path):
    roster = _write_roster(tmp_path / "canvas-roster.csv", CANVAS_ROSTER)
    path, report = export(course, [A1, A2], fmt="canvas", roster=roster, output=tmp_path / "canvas.csv")
    rows = _read(path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{A1} (123)", A2]
    assert rows[1] == ["Points Possible", "", "", "", "", "9", "5"]
    body = {r[1]: r for r in rows[2:]}
    assert list(body) == ["1001", "1002", "1003", "2001", "1006"]  # the roster's order, all kept
    for original in CANVAS_ROSTER[2:]:  # identity columns copied exactly, commas and quotes included
        assert body[original[1]][:5] == original[:5]
    assert body["1001"][5:] == ["7.5", "4"]
    assert body["1002"][5:] == ["2", ""]
    assert body["1003"][5:] == ["9", "5"]
    assert body["2001"][5:] == ["0", ""]  # matched on SIS Login ID
    assert body["1006"][5:] == ["", ""]
    assert "1004" not in body
    assert report.not_on_roster == {"1004": [A1], "1005": ["(no submissions)"]}
    assert report.no_submission == {
        'O\'Brien, Esq., Bobby "Tables"': [A2],
        "Doe, Jane": [A2],
        "Only, Roster": [A1, A2],
    }
    text = report.text()
    assert "1004" in text and "NOT in the file" in text and "Only, Roster" in text


def test_canvas_missing_zero_and_roster_refusals(course, tmp_path):
    roster = _write_roster(tmp_path / "r.csv", CANVAS_ROSTER)
    path, _ = export(course, [A1], fmt="canvas", roster=roster, output=tmp_path / "c.csv", missing="zero")
    assert {r[1]: r[5] for r in _read(path)[2:]}["1006"] == "0"
    with pytest.raises(ValueError, match="needs a roster"):
        export(course, fmt="canvas", output=tmp_path / "x.csv")
    moodle_like = _write_roster(
        tmp_path / "m.csv", [["First name", "Last name", "ID number"], ["a", "b", "1"]]
    )
    with pytest.raises(ValueError, match="not a Canvas gradebook export"):
        export(course, fmt="canvas", roster=moodle_like, output=tmp_path / "x.csv")
    with pytest.raises(LookupError, match="no assignment called 'a99'"):
        export(course, ["a99"], output=tmp_path / "x.csv")


def test_moodle_with_and_without_roster(course, tmp_path):
    path, report = export(course, [A1, A2], fmt="moodle", output=tmp_path / "m.csv")
    rows = _read(path)
    assert rows[0] == ["ID number", "First name", "Last name", A1, A2]
    body = {r[0]: r for r in rows[1:]}
    assert body["1002"][1:] == ['Bobby "Tables"', "O'Brien, Esq.", "2", ""]
    assert body["1003"][1:] == ["さくら", "山田", "9", "5"] and body["1005"][3:] == ["", ""]
    assert any("No roster given" in n for n in report.notes)

    path, report = export(course, [A1], fmt="moodle", identifier="email", output=tmp_path / "e.csv")
    assert _read(path)[0][0] == "Email address"
    assert any("No e-mail in the gradebook for: 1004, 1005" in n for n in report.notes)

    moodle = _write_roster(
        tmp_path / "moodle-export.csv",
        [
            [
                "First name",
                "Last name",
                "ID number",
                "Institution",
                "Department",
                "Email address",
                f"Assignment: {A1} (Real)",
            ],
            ["민준", "김", "1001", "", "", "minjun@example.org", "-"],
            ["さくら", "山田", "1003", "", "", "sakura@example.org", "-"],
            ["Zoe", "Absent", "3001", "", "", "zoe@example.org", "-"],
        ],
    )
    path, report = export(course, [A1], fmt="moodle", roster=moodle, output=tmp_path / "mr.csv")
    rows = _read(path)
    assert rows == [
        ["ID number", "First name", "Last name", f"Assignment: {A1} (Real)"],
        ["1001", "민준", "김", "7.5"],
        ["1003", "さくら", "山田", "9"],
        ["3001", "Zoe", "Absent", ""],
    ]
    assert set(report.not_on_roster) == {"1002", "1004", "1005", "jdoe"}
    assert report.no_submission == {"3001": [A1]}


def test_long_with_roster_adds_roster_only_students(course, tmp_path):
    roster = _write_roster(tmp_path / "r.csv", CANVAS_ROSTER)
    path, report = export(course, [A1], fmt="long", roster=roster, output=tmp_path / "l.csv")
    rows = [dict(zip(_read(path)[0], r, strict=True)) for r in _read(path)[1:]]
    extra = [r for r in rows if r["status"] == "not in gradebook"]
    assert [(r["student_id"], r["assignment"], r["max_score"]) for r in extra] == [("Only, Roster", A1, "9")]
    names = {r["student_id"]: r["roster_name"] for r in rows}
    assert names["1002"] == 'O\'Brien, Esq., Bobby "Tables"' and names["1003"] == "山田, さくら"
    assert names["jdoe"] == "Doe, Jane" and names["1004"] == ""
    assert len(rows) == len(STUDENTS) + 1 and report.rows == len(STUDENTS) + 1
    assert set(report.not_on_roster) == {"1004", "1005"}


def test_lms_user_id_matches_and_two_ids_for_one_row_are_reported(course, tmp_path):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_student("1004", lms_user_id="1006")  # Ghost is Canvas user 1006 ...
        gb.update_or_create_student("1005", lms_user_id="1006")  # ... and so, wrongly, is Quiet
    roster = _write_roster(tmp_path / "r.csv", CANVAS_ROSTER)
    path, report = export(course, [A1], fmt="canvas", roster=roster, output=tmp_path / "c.csv")
    assert {r[1]: r[5] for r in _read(path)[2:]}["1006"] == "9"
    assert report.not_on_roster == {"1005": ["(no submissions)"]}
    assert any("already matched" in n and "1005" in n for n in report.notes)


def test_roster_with_bom_and_points_row_is_read(tmp_path):
    path = _write_roster(tmp_path / "r.csv", CANVAS_ROSTER, encoding="utf-8-sig")
    roster = read_roster(path)
    assert roster.header[0] == "Student" and len(roster.rows) == 5
    assert roster.column_for(A1) == f"{A1} (123)" and roster.column_for(A2) is None
    muted = _write_roster(
        tmp_path / "m.csv", CANVAS_ROSTER[:2] + [["", "", "", "", "", "Muted"]] + CANVAS_ROSTER[2:]
    )
    assert len(read_roster(muted).rows) == 5
    sjis = tmp_path / "sjis.csv"
    sjis.write_bytes(
        'Student,ID,SIS User ID,SIS Login ID,Section\n"山田, さくら",1003,,,\n'.encode("shift_jis")
    )
    with pytest.raises(ValueError, match=r"(?s)not UTF-8 text.*CSV UTF-8"):
        read_roster(sjis)


def test_cli_exit_codes_and_messages(course, tmp_path):
    roster = _write_roster(tmp_path / "r.csv", CANVAS_ROSTER)
    out = tmp_path / "canvas.csv"
    ok = _cli(A1, "--format", "canvas", "--roster", roster, "--course", course, "--output", out)
    assert ok.returncode == 0, ok.stderr
    assert "In the gradebook but not on the roster (2)" in ok.stderr and "1004" in ok.stderr
    assert "On the roster with no submission (1)" in ok.stderr and "Only, Roster" in ok.stderr
    assert f"wrote {out}" in ok.stderr and _read(out)[1][0] == "Points Possible"
    strict = _cli(
        A1, "--format", "canvas", "--roster", roster, "--course", course, "--output", out, "--strict"
    )
    assert strict.returncode == 1 and "--strict" in strict.stderr and out.exists()
    assert _cli("--format", "canvas", "--course", course).returncode == 2
    nobook = _cli("--course", tmp_path / "empty")
    assert nobook.returncode == 2 and "There is no gradebook" in nobook.stderr
    unknown = _cli("a99", "--course", course)
    assert unknown.returncode == 2 and "no assignment called 'a99'" in unknown.stderr
    to_stdout = _cli(A2, "--course", course, "--output", "-")
    assert to_stdout.returncode == 0
    rows = list(csv.reader(io.StringIO(to_stdout.stdout)))
    assert rows[0][0] == "student_id" and len(rows) == 1 + len(STUDENTS)
    default = _cli(A2, "--course", course)
    assert default.returncode == 0 and (course / "exports" / "grades-long.csv").exists()
    # only matched, submitted, fully graded students: --strict passes
    clean = _write_roster(
        tmp_path / "clean.csv", [CANVAS_ROSTER[0][:5], CANVAS_ROSTER[2][:5], CANVAS_ROSTER[4][:5]]
    )
    _gradebook_only = _cli(
        A2,
        "--format",
        "canvas",
        "--roster",
        clean,
        "--course",
        course,
        "--output",
        tmp_path / "c2.csv",
        "--strict",
    )
    assert _gradebook_only.returncode == 1  # the gradebook still has students the roster lacks


# --- the reverse path: Canvas submissions zip -> nbgrader zip_collect -> coursekit grade -> export ----------


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")
def test_canvas_zip_to_grade_to_canvas_export(tmp_path):
    import nbformat

    from coursekit._testing import check_available
    from tests.support.gradingkit import ASSIGNMENT, CORRECT, answered, make_course, release
    from tests.support.nbgraderkit import env, nbgrader

    course = make_course(tmp_path)
    right = nbformat.writes(answered(course, CORRECT))
    half = nbformat.writes(answered(course, {**CORRECT, "q2": "first_year = 2005"}))
    blank = nbformat.writes(release(course))
    archive = course / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True)
    # Canvas's zip holds each student's latest submission; a resubmitted file is renamed `hw-1.ipynb`.
    # Two versions of one student's notebook, with no timestamps, are refused by nbgrader: shown first.
    with zipfile.ZipFile(archive / "submissions.zip", "w") as zf:
        zf.writestr(f"kimminjun_12345_90001_{ASSIGNMENT}.ipynb", blank)
        zf.writestr(f"kimminjun_12345_90002_{ASSIGNMENT}-1.ipynb", right)
    twice = nbgrader(course, "zip_collect", ASSIGNMENT, check=False)
    assert twice.returncode != 0 and "Duplicate submission file" in twice.stdout + twice.stderr
    with zipfile.ZipFile(archive / "submissions.zip", "w") as zf:  # named as Canvas names them
        zf.writestr(f"kimminjun_12345_90002_{ASSIGNMENT}-1.ipynb", right)  # resubmitted once
        zf.writestr(f"yamadasakura_late_23456_90003_{ASSIGNMENT}.ipynb", half)
        zf.writestr("obrienbobby_34567_90004_notes.txt", "not a notebook")
    proc = nbgrader(course, "zip_collect", "--force", ASSIGNMENT)
    submitted = sorted(
        p.relative_to(course / "submitted").as_posix() for p in (course / "submitted").rglob("*.ipynb")
    )
    expected = [f"{sid}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb" for sid in ("12345", "23456")]
    assert submitted == expected, proc.stdout + proc.stderr
    kept = nbformat.read(course / "submitted" / "12345" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert any(c.source == CORRECT["q1"] for c in kept.cells)

    sandbox = [] if check_available() is None else ["--no-sandbox"]  # trusted test notebooks
    graded = subprocess.run(
        [
            sys.executable,
            "-m",
            "coursekit.cli",
            "grade",
            ASSIGNMENT,
            "--course",
            str(course),
            "--quiet",
            "--jobs",
            "2",
            *sandbox,
        ],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr

    roster = _write_roster(
        tmp_path / "roster.csv",
        [
            ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{ASSIGNMENT} (777)"],
            ["Kim, Min-jun (김민준)", "12345", "S12345", "minjun", "A"],
            ["Yamada, Sakura (山田さくら)", "23456", "S23456", "sakura", "A"],
            ["O'Brien, Bobby", "34567", "S34567", "bobby", "B"],
        ],
    )
    path, report = export(course, [ASSIGNMENT], fmt="canvas", roster=roster, output=tmp_path / "canvas.csv")
    rows = _read(path)
    assert rows[0][-1] == f"{ASSIGNMENT} (777)" and rows[1][-1] == "11"  # 7 automatic + 4 written
    assert {r[1]: r[-1] for r in rows[2:]} == {"12345": "7", "23456": "5", "34567": ""}
    assert report.no_submission == {"O'Brien, Bobby": [ASSIGNMENT]} and not report.not_on_roster
    assert set(report.needs_manual.get(ASSIGNMENT, [])) <= {"12345", "23456"}
    # the zip has no submission times: Canvas's "late" mark does not reach nbgrader
    path, _ = export(course, [ASSIGNMENT], fmt="long", output=tmp_path / "long.csv")
    late = next(r for r in _read(path) if r[0] == "23456")
    assert (late[6], late[7], late[9]) == ("", "0", "0")  # timestamp, seconds_late, late_penalty
