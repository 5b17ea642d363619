"""``coursekit export``: grades from nbgrader's gradebook into a CSV an LMS can import.

Three formats, all written with :mod:`csv` (every field that needs it is quoted, so a name like
``O'Brien, "Bob"`` or ``김, 민준`` survives):

``long``
    One row per student and assignment: id, names, e-mail, status, timestamp, seconds late,
    raw score, late penalty, score, maximum, whether manual grading is still due; with
    ``per_question`` one more column per graded cell (``notebook:grade_id``).
``canvas``
    A Canvas gradebook import file built on a Canvas roster (the gradebook export of the course):
    the roster's ``Student, ID, SIS User ID, SIS Login ID, Section`` columns, one column per
    assignment, and a ``Points Possible`` row second.
``moodle``
    A Moodle grade import file: an identifier column (``ID number`` or ``Email address``), the
    names, and one column per grade item.

What the formats rest on (checked 2026-12 with stored copies of these pages; no Canvas or Moodle
instance was available to import into):

* Canvas. Canvas's own importer (``GradebookImporter`` in canvas-lms,
  app/models/gradebook_importer.rb; read in a stored copy of an older release, version unknown)
  reads the first row as the header: it needs ``Student`` then ``ID`` first, and the last student
  column must be ``Section``; ``SIS User ID`` and ``SIS Login ID`` in columns 3-4 are used to find
  students whose Canvas ID does not match. A row whose first cell matches ``Points Possible`` sets
  the assignments' points (so it can change an assignment's points in Canvas); it skips columns
  named ``Current Score``, ``Final Score`` and the like at the end. An assignment column named
  ``title (id)`` is matched by Canvas id, otherwise by title, and an unknown title creates a new
  assignment. The Ohio State University guide "Import CSV File for Carmen Grades"
  (teaching.resources.osu.edu) lists the same required columns and notes that new assignment
  columns create new assignments and uploaded scores overwrite; the nemogb vignette "Detailed
  Canvas Export Info" describes assignment columns as ``Quiz 1 (87568490)`` and ``Student`` as
  ``Last, First``.
* Moodle. MoodleDocs "Grade import" (docs.moodle.org/311/en/Grade_import and the 2.6/2.7 pages):
  a CSV import is previewed and its columns mapped by hand; the tip is to map "Email Address" to
  "useremail" or "Id Number" to "useridnumber"; e-mail addresses are compared case-sensitively; the
  other columns are mapped to grade items. So the column names written here (``ID number``,
  ``Email address``, ``First name``, ``Last name``, the assignment names) only need to be
  recognisable in that preview; they were not checked against a Moodle export. There is no
  ``Points Possible`` row: the grade item holds its maximum, which should equal the assignment's.

Nothing is dropped silently: students in the gradebook but not on the roster, and roster
students with no submission, are listed in :class:`ExportReport` (``coursekit export`` prints
it on stderr; ``--strict`` makes them an error).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "export",
    "read_gradebook",
    "read_roster",
    "Roster",
    "Grades",
    "Student",
    "Question",
    "Result",
    "ExportReport",
    "FORMATS",
]

FORMATS = ("long", "canvas", "moodle")
_CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
#: Columns at the end of a Canvas gradebook export that Canvas computes itself (read-only there).
_CANVAS_COMPUTED = re.compile(
    r"(Current|Final|Unposted Current|Unposted Final) (Score|Points|Grade)"
    r"|Override (Score|Grade)|.* (Current|Final) (Score|Points)"
)
_CANVAS_TITLE_ID = re.compile(r"^(?P<title>.*?)\s*\((?P<id>\d+)\)\s*$")
_MOODLE_IDENTIFIERS = {"idnumber": "ID number", "email": "Email address"}

_NO_GRADEBOOK = (
    "There is no gradebook at {path}.\n"
    "Run the export from the course folder (or pass --course DIR), after `nbgrader generate_assignment` "
    "and `coursekit grade` have filled the gradebook."
)
_UNKNOWN_ASSIGNMENT = (
    "The gradebook has no assignment called {name!r}. It has: {valid}.\n"
    "Check the spelling, or run `nbgrader generate_assignment {name}` first."
)
_NO_ASSIGNMENTS = "The gradebook has no assignments yet: run `nbgrader generate_assignment NAME` first."
_CANVAS_NEEDS_ROSTER = (
    "The Canvas format needs a roster, so that every row carries Canvas's own student ids.\n"
    "In Canvas open Grades, choose Export > Export Entire Gradebook, and pass the file with --roster FILE."
)
_ROSTER_MISSING = "The roster {path} does not exist. Check the path (or leave out --roster)."
_ROSTER_NOT_CANVAS = (
    "The roster {path} is not a Canvas gradebook export: its first columns are {found}, "
    "Canvas's are {expected}.\n"
    "Export the roster again from Canvas (Grades > Export) without editing its header."
)
_ROSTER_NOT_UTF8 = (
    "The roster {path} is not UTF-8 text (first bad byte at {offset}), so names in Hangul, kana or kanji "
    'would be garbled.\nDownload it from the LMS again, or in Excel save it as "CSV UTF-8".'
)
_ROSTER_NO_KEY = (
    "The roster {path} has none of the columns used to match students ({wanted}); its columns are: {found}."
)


@dataclass
class Question:
    """One graded cell of one submission."""

    notebook: str
    grade_id: str
    score: float | None
    max_score: float

    @property
    def column(self) -> str:
        return f"{self.notebook}:{self.grade_id}"


@dataclass
class Result:
    """One student's result for one assignment, as the gradebook has it.

    ``score`` is the raw score less the late penalty, never below 0 (as ``nbgrader export`` computes
    it); ``submitted`` is False when the gradebook has no submission (then the scores are None).
    """

    student_id: str
    assignment: str
    max_score: float
    submitted: bool = False
    raw_score: float | None = None
    penalty: float | None = None
    seconds_late: float | None = None
    timestamp: str = ""
    needs_manual_grade: bool = False
    questions: list[Question] = field(default_factory=list)

    @property
    def score(self) -> float | None:
        if not self.submitted:
            return None
        return max(0.0, (self.raw_score or 0.0) - (self.penalty or 0.0))


@dataclass
class Student:
    """A student as the gradebook knows them (names and e-mail are often empty)."""

    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""


@dataclass
class Grades:
    """What :func:`read_gradebook` returns: assignments in order, their maxima, students, results."""

    assignments: list[str]
    max_scores: dict[str, float]
    students: dict[str, Student]
    results: dict[tuple[str, str], Result]

    def submitted(self, student_id: str) -> list[str]:
        return [a for a in self.assignments if self.results[(student_id, a)].submitted]


@dataclass
class ExportReport:
    """What did not line up, so that nothing is dropped silently.

    Attributes
    ----------
    not_on_roster : dict[str, list[str]]
        Gradebook student id -> assignments they submitted, for students the roster lacks (their
        grades are not in a Canvas or Moodle file).
    no_submission : dict[str, list[str]]
        Roster student (as the roster names them) -> assignments with no submission in the gradebook.
    needs_manual : dict[str, list[str]]
        Assignment -> students whose submission still has answers to grade by hand (score partial).
    rows : int
        Student rows written.
    """

    not_on_roster: dict[str, list[str]] = field(default_factory=dict)
    no_submission: dict[str, list[str]] = field(default_factory=dict)
    needs_manual: dict[str, list[str]] = field(default_factory=dict)
    rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        return bool(self.not_on_roster or self.no_submission or self.needs_manual)

    def text(self, limit: int = 20) -> str:
        """A summary for the instructor, one line per student affected (up to ``limit`` per list)."""
        lines = [f"{self.rows} student row(s) written."] + list(self.notes)

        def block(title: str, items: dict[str, list[str]], hint: str):
            if not items:
                return
            lines.append(f"{title} ({len(items)}): {hint}")
            for key, values in list(sorted(items.items()))[:limit]:
                lines.append(f"  - {key}: {', '.join(values)}")
            if len(items) > limit:
                lines.append(f"  - ... and {len(items) - limit} more")

        block(
            "In the gradebook but not on the roster",
            self.not_on_roster,
            "their grades are NOT in the file; add them to the LMS course or fix their id in nbgrader.",
        )
        block(
            "On the roster with no submission",
            self.no_submission,
            "their cells are left empty (use --missing zero to write 0).",
        )
        block(
            "Still to grade by hand",
            self.needs_manual,
            "these scores are partial; finish manual grading in the formgrader and export again.",
        )
        if not self.problems:
            lines.append("Every student matched; nothing is waiting for manual grading.")
        return "\n".join(lines)


def _number(value: float | None) -> str:
    """A score as text: ``7``, ``6.5``, ``0.33`` (no float noise, no exponent), or empty."""
    if value is None:
        return ""
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def read_gradebook(
    course: str | Path = "autograding", assignments: list[str] | None = None, *, per_question: bool = False
) -> Grades:
    """Read every student's result for ``assignments`` from the course's nbgrader gradebook.

    Parameters
    ----------
    course : str or Path
        The nbgrader course folder holding ``gradebook.db``.
    assignments : list of str, optional
        Assignment names, in the order the columns should have; default: all, by name.
    per_question : bool
        Also read each graded cell's score.

    Returns
    -------
    Grades

    Raises
    ------
    FileNotFoundError
        No gradebook in ``course``.
    LookupError
        An assignment the gradebook does not have.
    """
    from nbgrader.api import Gradebook

    path = Path(course).resolve() / "gradebook.db"
    if not path.exists():
        raise FileNotFoundError(_NO_GRADEBOOK.format(path=path))
    with Gradebook(f"sqlite:///{path}") as gb:
        known = {a.name: a for a in gb.assignments}
        if not known:
            raise LookupError(_NO_ASSIGNMENTS)
        names = list(assignments) if assignments else sorted(known)
        for name in names:
            if name not in known:
                raise LookupError(_UNKNOWN_ASSIGNMENT.format(name=name, valid=", ".join(sorted(known))))
        students = {
            s.id: Student(s.id, s.first_name or "", s.last_name or "", s.email or "", s.lms_user_id or "")
            for s in gb.students
        }
        max_scores = {name: float(known[name].max_score or 0.0) for name in names}
        results: dict[tuple[str, str], Result] = {}
        for name in names:
            for sid in students:
                results[(sid, name)] = Result(sid, name, max_scores[name])
            for sub in gb.assignment_submissions(name):
                result = results[(sub.student_id, name)]
                result.submitted = True
                result.raw_score = float(sub.score or 0.0)
                result.penalty = float(sub.late_submission_penalty or 0.0)
                result.seconds_late = float(sub.total_seconds_late or 0.0)
                result.timestamp = sub.timestamp.isoformat(sep=" ") if sub.timestamp else ""
                result.needs_manual_grade = bool(sub.needs_manual_grade)
                if per_question:
                    for nb in sorted(sub.notebooks, key=lambda n: n.name):
                        for grade in nb.grades:
                            ungraded = grade.manual_score is None and grade.auto_score is None
                            result.questions.append(
                                Question(
                                    nb.name,
                                    grade.name,
                                    None if ungraded else float(grade.score),
                                    float(grade.max_score or 0.0),
                                )
                            )
        return Grades(names, max_scores, students, results)


# --- rosters -------------------------------------------------------------------------------------


@dataclass
class Roster:
    """A roster read from CSV: its header, its student rows, and its grade columns by title."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]

    def column_for(self, assignment: str) -> str | None:
        """The roster's own column for ``assignment`` (``a01 (123)`` in Canvas, ``Assignment: a01 (Real)``
        in Moodle), matched on the title, ignoring case; None if the roster has none."""
        want = assignment.casefold()
        for col in self.header:
            match = _CANVAS_TITLE_ID.match(col)
            title = (match.group("title") if match else col).strip()
            moodle = re.match(r"^(?:[^:]+:\s*)?(?P<t>.*?)\s*(?:\((?:Real|Percentage|Letter)\))?$", col)
            if title.casefold() == want or (moodle and moodle.group("t").strip().casefold() == want):
                return col
        return None


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV (UTF-8, with or without a byte-order mark), skipping Canvas's
    ``Points Possible`` row, rows that only say ``Muted`` (older Canvas exports) and blank rows.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        The file is not UTF-8 text.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(_ROSTER_MISSING.format(path=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(_ROSTER_NOT_UTF8.format(path=path, offset=err.start)) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for cells in reader:
        filled = [c.strip() for c in cells if c.strip()]
        if not filled or all(c.casefold() == "muted" for c in filled):
            continue
        if "points possible" in cells[0].casefold():
            continue
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
    return Roster(path, header, rows)


def _match_roster(grades: Grades, roster: Roster, keys: list[str]) -> tuple[dict[str, int], list[str]]:
    """Map gradebook student ids to roster row numbers, by the first of ``keys`` whose value equals
    the student's nbgrader id (or LMS user id). Returns the map and the gradebook ids left out
    because another student had already matched their roster row."""
    present = [k for k in keys if k in roster.header]
    if not present:
        raise ValueError(
            _ROSTER_NO_KEY.format(path=roster.path, wanted=", ".join(keys), found=", ".join(roster.header))
        )
    index: dict[str, int] = {}
    for key in reversed(present):  # earlier keys win
        for i, row in enumerate(roster.rows):
            value = row.get(key, "").strip()
            if value:
                index[value] = i
    matched: dict[str, int] = {}
    clashes: list[str] = []
    for sid, student in sorted(grades.students.items()):
        for candidate in (sid, student.lms_user_id):
            if candidate and candidate in index:
                if index[candidate] in matched.values():  # two gradebook ids, one roster row
                    clashes.append(sid)
                else:
                    matched[sid] = index[candidate]
                break
    return matched, clashes


def _report_matches(grades: Grades, roster: Roster | None, matched: dict[str, int], label) -> ExportReport:
    """Collect students the roster lacks, roster rows without a submission, and partial scores."""
    report = ExportReport()
    for (sid, assignment), result in grades.results.items():
        if result.submitted and result.needs_manual_grade:
            report.needs_manual.setdefault(assignment, []).append(sid)
    if roster is None:
        return report
    for sid in grades.students:
        if sid not in matched:
            done = grades.submitted(sid)
            report.not_on_roster[sid] = done or ["(no submissions)"]
    by_row = {i: sid for sid, i in matched.items()}
    for i, row in enumerate(roster.rows):
        sid = by_row.get(i)
        missing = [a for a in grades.assignments if sid is None or not grades.results[(sid, a)].submitted]
        if missing:
            report.no_submission[label(row)] = missing
    return report


# --- writers -------------------------------------------------------------------------------------


def _long_rows(grades: Grades, per_question: bool, roster: Roster | None, matched: dict[str, int]):
    qcols: list[str] = []
    if per_question:
        seen = set()
        for result in grades.results.values():
            for q in result.questions:
                if q.column not in seen:
                    seen.add(q.column)
                    qcols.append(q.column)
    header = [
        "student_id",
        "first_name",
        "last_name",
        "email",
        "assignment",
        "status",
        "timestamp",
        "seconds_late",
        "raw_score",
        "late_penalty",
        "score",
        "max_score",
        "needs_manual_grade",
        "roster_name",
    ]
    header += [f"{c} (max {_number(m)})" for c, m in _question_max(grades, qcols)]
    rows = [header]
    for sid, student in sorted(grades.students.items()):
        roster_name = _roster_name(roster.rows[matched[sid]]) if roster is not None and sid in matched else ""
        for assignment in grades.assignments:
            r = grades.results[(sid, assignment)]
            row = [
                sid,
                student.first_name,
                student.last_name,
                student.email,
                assignment,
                "submitted" if r.submitted else "missing",
                r.timestamp,
                _number(r.seconds_late),
                _number(r.raw_score),
                _number(r.penalty),
                _number(r.score),
                _number(r.max_score),
                ("yes" if r.needs_manual_grade else "no") if r.submitted else "",
                roster_name,
            ]
            scores = {q.column: q.score for q in r.questions}
            row += [_number(scores.get(c)) for c in qcols]
            rows.append(row)
    if roster is not None:  # roster students the gradebook has never seen: rows too, marked
        seen_rows = set(matched.values())
        for i, rrow in enumerate(roster.rows):
            if i in seen_rows:
                continue
            ident = _roster_label(rrow)
            for assignment in grades.assignments:
                email = rrow.get("Email address", rrow.get("Email", ""))
                rows.append(
                    [
                        ident,
                        "",
                        "",
                        email,
                        assignment,
                        "not in gradebook",
                        "",
                        "",
                        "",
                        "",
                        "",
                        _number(grades.max_scores[assignment]),
                        "",
                        _roster_name(rrow),
                    ]
                    + [""] * len(qcols)
                )
    return rows


def _question_max(grades: Grades, qcols: list[str]):
    maxima: dict[str, float] = {}
    for result in grades.results.values():
        for q in result.questions:
            maxima.setdefault(q.column, q.max_score)
    return [(c, maxima[c]) for c in qcols]


def _roster_name(row: dict[str, str]) -> str:
    """The name as the LMS writes it: Canvas's ``Student`` (``Last, First``) or Moodle's first and last
    name; not split into parts, since a comma may belong to a name."""
    if row.get("Student", "").strip():
        return row["Student"].strip()
    return " ".join(row.get(k, "").strip() for k in ("First name", "Last name") if row.get(k, "").strip())


def _roster_label(row: dict[str, str]) -> str:
    for key in ("Student", "ID", "SIS User ID", "SIS Login ID", "ID number", "Email address", "Username"):
        if row.get(key, "").strip():
            return row[key].strip()
    first = " ".join(v for k, v in row.items() if k in ("First name", "Last name") and v)
    return first or "(unnamed roster row)"


def _cell(result: Result, missing: str) -> str:
    if not result.submitted:
        return "0" if missing == "zero" else ""
    return _number(result.score)


def _canvas_rows(grades: Grades, roster: Roster, matched: dict[str, int], missing: str):
    if roster.header[:2] != ["Student", "ID"] or "Section" not in roster.header[:6]:
        raise ValueError(
            _ROSTER_NOT_CANVAS.format(
                path=roster.path, found=roster.header[:5], expected=_CANVAS_STUDENT_COLUMNS
            )
        )
    student_cols = roster.header[: roster.header.index("Section") + 1]
    columns = [roster.column_for(a) or a for a in grades.assignments]
    rows = [
        student_cols + columns,
        ["Points Possible"]
        + [""] * (len(student_cols) - 1)
        + [_number(grades.max_scores[a]) for a in grades.assignments],
    ]
    by_row = {i: sid for sid, i in matched.items()}
    for i, rrow in enumerate(roster.rows):
        sid = by_row.get(i)
        cells = [rrow.get(c, "") for c in student_cols]
        for assignment in grades.assignments:
            result = grades.results.get((sid, assignment)) if sid else None
            cells.append(_cell(result, missing) if result else ("0" if missing == "zero" else ""))
        rows.append(cells)
    return rows


def _moodle_rows(
    grades: Grades, roster: Roster | None, matched: dict[str, int], identifier: str, missing: str
):
    ident_col = _MOODLE_IDENTIFIERS[identifier]
    columns = [(roster.column_for(a) if roster else None) or a for a in grades.assignments]
    rows = [[ident_col, "First name", "Last name"] + columns]
    if roster is None:
        for sid, student in sorted(grades.students.items()):
            ident = student.email if identifier == "email" else sid
            rows.append(
                [ident, student.first_name, student.last_name]
                + [_cell(grades.results[(sid, a)], missing) for a in grades.assignments]
            )
        return rows
    by_row = {i: sid for sid, i in matched.items()}
    for i, rrow in enumerate(roster.rows):
        sid = by_row.get(i)
        cells = [rrow.get(ident_col, ""), rrow.get("First name", ""), rrow.get("Last name", "")]
        for assignment in grades.assignments:
            result = grades.results.get((sid, assignment)) if sid else None
            cells.append(_cell(result, missing) if result else ("0" if missing == "zero" else ""))
        rows.append(cells)
    return rows


def export(
    course: str | Path = "autograding",
    assignments: list[str] | None = None,
    *,
    fmt: str = "long",
    roster: str | Path | None = None,
    output: str | Path | None = None,
    per_question: bool = False,
    excel: bool = False,
    missing: str = "blank",
    identifier: str = "idnumber",
    stream=None,
) -> tuple[Path | None, ExportReport]:
    """Write the grades of ``assignments`` in ``fmt`` and say what did not line up.

    Parameters
    ----------
    course : str or Path
        nbgrader course folder (holds ``gradebook.db``).
    assignments : list of str, optional
        Assignments to export, in column order (default: every assignment, by name).
    fmt : {"long", "canvas", "moodle"}
        The file's layout (see the module's docstring).
    roster : str or Path, optional
        The LMS's roster: a Canvas gradebook export (required for ``canvas``) or a Moodle grade
        export / any CSV with an ``ID number`` or ``Email address`` column (for ``moodle``). For
        ``long`` it adds rows for roster students the gradebook has never seen.
    output : str or Path, optional
        File to write; default ``COURSE/exports/grades-FORMAT.csv``; ``"-"`` writes to ``stream``.
    per_question : bool
        ``long`` only: one more column per graded cell.
    excel : bool
        Write UTF-8 with a byte-order mark, so that Excel shows Hangul and kanji correctly.
    missing : {"blank", "zero"}
        What to write for a roster student with no submission (an empty cell, or 0).
    identifier : {"idnumber", "email"}
        ``moodle`` only: the column Moodle maps users by ("useridnumber" or "useremail").
    stream : file, optional
        Where ``output="-"`` writes (default: standard output).

    Returns
    -------
    (Path or None, ExportReport)
        The file written (None for ``"-"``) and the report of mismatches.
    """
    if fmt not in FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if missing not in ("blank", "zero"):
        raise ValueError(f"--missing is 'blank' or 'zero', not {missing!r}.")
    if identifier not in _MOODLE_IDENTIFIERS:
        raise ValueError(f"--identifier is 'idnumber' or 'email', not {identifier!r}.")
    if fmt == "canvas" and roster is None:
        raise ValueError(_CANVAS_NEEDS_ROSTER)
    grades = read_gradebook(course, assignments, per_question=per_question and fmt == "long")
    the_roster = read_roster(roster) if roster is not None else None
    matched: dict[str, int] = {}
    if the_roster is not None:
        if fmt == "moodle":
            keys = [_MOODLE_IDENTIFIERS[identifier], "ID number", "Username", "Email address"]
        else:
            keys = ["ID", "SIS User ID", "SIS Login ID", "ID number", "Username", "Email address"]
        matched, clashes = _match_roster(grades, the_roster, list(dict.fromkeys(keys)))
    report = _report_matches(grades, the_roster, matched, _roster_label)
    if the_roster is not None and clashes:
        report.notes.append(
            "Matched a roster row another gradebook student had already matched (listed "
            "below as not on the roster): " + ", ".join(clashes)
        )
    if fmt == "long":
        rows = _long_rows(grades, per_question, the_roster, matched)
        report.rows = len(grades.students) + (
            len(the_roster.rows) - len(set(matched.values())) if the_roster else 0
        )
    elif fmt == "canvas":
        rows = _canvas_rows(grades, the_roster, matched, missing)
        report.rows = len(rows) - 2
    else:
        rows = _moodle_rows(grades, the_roster, matched, identifier, missing)
        report.rows = len(rows) - 1
        if the_roster is None:
            by = "their e-mail in nbgrader" if identifier == "email" else "their nbgrader id"
            report.notes.append(
                f"No roster given: rows are the gradebook's students, identified by {by}; "
                "check that this is the identifier Moodle holds."
            )
            empty = sorted(s.id for s in grades.students.values() if identifier == "email" and not s.email)
            if empty:
                report.notes.append(
                    f"No e-mail in the gradebook for: {', '.join(empty)} (Moodle cannot match them)."
                )
    encoding = "utf-8-sig" if excel else "utf-8"
    if output is not None and str(output) == "-":
        out = stream or sys.stdout
        csv.writer(out, lineterminator="\n").writerows(rows)
        return None, report
    path = Path(output) if output else Path(course) / "exports" / f"grades-{fmt}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # RFC 4180 line ends, as Excel writes
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(buffer.getvalue(), encoding=encoding, newline="")
    tmp.replace(path)
    return path, report
