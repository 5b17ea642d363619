"""The instructor's edition: time stated honestly, model points for every discussion prompt, a
syllabus whose weekly hours hold the lessons and exercises assigned to each week.

Rules checked here (stated for instructors in instructors/syllabus.md):
- every lesson has ``**Estimated time:** N minutes: teaching a, practice b, discussion c`` with
  a + b + c = N; every exercise (autograding/authoring/aNN-*.md) has ``**Expected time:** N minutes``;
- every discussion prompt ``**NN-dK.**`` in lessons/ has a ``### NN-dK`` heading in the notes file of
  its lesson (instructors/notes/<lesson file name>) with model points citing at least one source id,
  and every id cited anywhere in instructors/ is in datasets/sources.csv;
- in each syllabus table (10-week module and 5-week short version) every week has about 3 contact
  hours and 5-7 independent hours; a week's lessons' teaching + discussion minutes fit in its contact
  hours, and its lessons' practice minutes plus its exercises' expected minutes fit in its
  independent hours; the 10-week table uses every lesson and every exercise exactly once.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

import coursekit as ck

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*.md"))
EXERCISES = sorted((ROOT / "autograding" / "authoring").glob("a[0-9][0-9]-*.md"))
INSTRUCTORS = ROOT / "instructors"
NOTES = INSTRUCTORS / "notes"

LESSON_TIME = re.compile(
    r"^\*\*Estimated time:\*\* (\d+) minutes: teaching (\d+), practice (\d+), "
    r"discussion (\d+)[ \t]*$",
    re.M,
)
EXERCISE_TIME = re.compile(r"^\*\*Expected time:\*\* (\d+) minutes[ \t]*$", re.M)
PROMPT = re.compile(r"\*\*(\d\d[a-z]?-d\d+)\.\*\*")
NOTE_HEADING = re.compile(r"^### (\d\d[a-z]?-d\d+)[ \t]*$", re.M)
CITATION = re.compile(r"\[(@[a-z0-9][a-z0-9-]*(?:\s*;\s*@[a-z0-9][a-z0-9-]*)*)\]")
HEADER = ["week", "topic", "lessons", "exercises", "contact h", "independent h"]
CONTACT = (2.5, 3.5)
INDEPENDENT = (5.0, 7.0)


def register() -> set[str]:
    with open(ROOT / "datasets" / "sources.csv", encoding="utf-8") as handle:
        return {row["id"] for row in csv.DictReader(handle)}


def cited(text: str) -> list[str]:
    """Ids cited as [@id] outside code spans (`[@id]` in backticks shows the form, cites nothing)."""
    text = re.sub(r"`+[^`]*`+", "", text)
    return [part.strip().lstrip("@") for group in CITATION.findall(text) for part in group.split(";")]


def lesson_key(path: Path) -> str:
    """'00-start-here.md' -> '00'; '00b-python-for-this-course.md' -> '00b'."""
    return path.name.split("-", 1)[0]


def lesson_minutes() -> dict[str, dict[str, int]]:
    found = {}
    for path in LESSONS:
        match = LESSON_TIME.search(path.read_text(encoding="utf-8"))
        if match:
            total, teaching, practice, discussion = map(int, match.groups())
            found[lesson_key(path)] = {
                "total": total,
                "teaching": teaching,
                "practice": practice,
                "discussion": discussion,
            }
    return found


def exercise_minutes() -> dict[str, int]:
    found = {}
    for path in EXERCISES:
        match = EXERCISE_TIME.search(path.read_text(encoding="utf-8"))
        if match:
            found[path.name[:3]] = int(match.group(1))
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_states_its_minutes_by_kind(path):
    matches = LESSON_TIME.findall(path.read_text(encoding="utf-8"))
    assert len(matches) == 1, (
        "one line '**Estimated time:** N minutes: teaching a, practice b, "
        f"discussion c' expected, found {len(matches)}"
    )
    total, teaching, practice, discussion = map(int, matches[0])
    assert teaching + practice + discussion == total, f"{teaching} + {practice} + {discussion} != {total}"
    assert teaching > 0 and practice > 0 and discussion >= 0
    assert 20 <= total <= 240, f"{total} minutes is not a plausible length for one lesson"


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_every_exercise_states_its_expected_time(path):
    text = path.read_text(encoding="utf-8")
    matches = EXERCISE_TIME.findall(text)
    assert len(matches) == 1, "one line '**Expected time:** N minutes' expected"
    assert 30 <= int(matches[0]) <= 600
    intro = text.split("```{code-cell}", 1)[0]
    assert EXERCISE_TIME.search(intro), "the expected time belongs in the introduction, before any code"


def prompts() -> dict[str, Path]:
    found = {}
    for path in LESSONS:
        for pid in PROMPT.findall(path.read_text(encoding="utf-8")):
            assert pid.split("-d")[0] == lesson_key(path), f"{path.name}: prompt {pid} names another lesson"
            assert pid not in found, f"prompt id {pid} used twice"
            found[pid] = path
    return found


def note_sections(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    heads = list(NOTE_HEADING.finditer(text))
    sections = {}
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        body = text[head.end() : end]
        body = re.split(r"^#{1,3} ", body, maxsplit=1, flags=re.M)[0]  # stop at the next heading
        sections[head.group(1)] = body.strip()
    return sections


def test_prompt_ids_are_found():
    assert len(prompts()) >= 40


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_discussion_prompt_has_model_points_with_sources(path):
    ids = [pid for pid, where in prompts().items() if where == path]
    notes = NOTES / path.name
    assert notes.is_file(), f"instructors/notes/{path.name} is missing (notes for lesson {path.stem})"
    sections = note_sections(notes)
    known = register()
    for pid in ids:
        assert pid in sections, f"{notes.name}: no '### {pid}' heading with model points"
        body = sections[pid]
        assert len(body.split()) >= 40, f"{pid}: model points are too short ({len(body.split())} words)"
        ids_here = cited(body)
        assert ids_here, f"{pid}: model points cite no source as [@id]"
        assert set(ids_here) <= known, f"{pid}: not in the register: {sorted(set(ids_here) - known)}"
    stale = set(sections) - set(ids)
    assert not stale, f"{notes.name}: model points for prompts that no longer exist: {sorted(stale)}"


def test_notes_files_match_lessons():
    names = {p.name for p in LESSONS}
    for path in NOTES.glob("*.md"):
        assert path.name in names, f"instructors/notes/{path.name} matches no lesson file"


def test_every_id_cited_in_instructors_is_in_the_register():
    known = register()
    assert (INSTRUCTORS / "README.md").is_file()
    for name in ["syllabus.md", "sensitive-history.md", "debate.md", "capstone-rubric.md"]:
        assert (INSTRUCTORS / name).is_file(), name
    for path in INSTRUCTORS.rglob("*.md"):
        unknown = set(cited(path.read_text(encoding="utf-8"))) - known
        assert not unknown, f"{path.relative_to(ROOT)} cites ids not in the register: {sorted(unknown)}"


# --- syllabus -------------------------------------------------------------------------------------


def syllabus_tables() -> dict[str, list[dict]]:
    """{section heading: rows} for every table with the fixed weekly-plan header."""
    text = (INSTRUCTORS / "syllabus.md").read_text(encoding="utf-8")
    tables, heading, lines = {}, "", text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            heading = line[3:].strip()
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells == HEADER:
            rows, i = [], i + 2  # skip the |---| line
            while i < len(lines) and lines[i].startswith("|"):
                values = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                assert len(values) == len(HEADER), f"{heading}: row with {len(values)} cells: {lines[i]}"
                rows.append(dict(zip(HEADER, values, strict=False)))
                i += 1
            assert heading not in tables, f"two weekly tables under '{heading}'"
            tables[heading] = rows
            continue
        i += 1
    return tables


def split_list(cell: str) -> list[str]:
    return [] if cell in {"", "-", "—", "–"} else [x.strip() for x in cell.split(",") if x.strip()]


def table(kind: str) -> list[dict]:
    found = [rows for heading, rows in syllabus_tables().items() if kind in heading.lower()]
    assert len(found) == 1, f"expected one weekly table under a heading containing '{kind}'"
    return found[0]


@pytest.mark.parametrize("kind,weeks", [("10-week", 10), ("5-week", 5)])
def test_syllabus_weeks_fit_their_hours(kind, weeks):
    rows = table(kind)
    lessons, exercises = lesson_minutes(), exercise_minutes()
    assert [int(r["week"]) for r in rows] == list(range(1, weeks + 1))
    for row in rows:
        week = f"{kind} week {row['week']}"
        contact, independent = float(row["contact h"]), float(row["independent h"])
        assert CONTACT[0] <= contact <= CONTACT[1], f"{week}: {contact} contact hours, expected about 3"
        assert INDEPENDENT[0] <= independent <= INDEPENDENT[1], f"{week}: {independent} independent hours"
        for key in split_list(row["lessons"]):
            assert key in lessons, f"{week}: lesson {key} has no file or no valid time line"
        for key in split_list(row["exercises"]):
            assert key in exercises, f"{week}: exercise {key} has no file or no expected time"
        in_class = sum(lessons[k]["teaching"] + lessons[k]["discussion"] for k in split_list(row["lessons"]))
        at_home = sum(lessons[k]["practice"] for k in split_list(row["lessons"])) + sum(
            exercises[k] for k in split_list(row["exercises"])
        )
        assert in_class <= contact * 60, f"{week}: teaching + discussion {in_class} min > {contact} h"
        assert at_home <= independent * 60, f"{week}: practice + exercises {at_home} min > {independent} h"


def test_ten_week_plan_uses_every_lesson_and_exercise_once_and_short_plan_a_subset():
    lessons, exercises = {lesson_key(p) for p in LESSONS}, {p.name[:3] for p in EXERCISES}
    long, short = table("10-week"), table("5-week")
    used = [k for r in long for k in split_list(r["lessons"])]
    assert sorted(used) == sorted(lessons), f"10-week plan: lessons {sorted(used)} vs files {sorted(lessons)}"
    done = [k for r in long for k in split_list(r["exercises"])]
    assert sorted(done) == sorted(exercises), f"10-week plan: exercises {sorted(done)}"
    assert "00b" in split_list(long[0]["lessons"]), "the Python lesson 00b belongs in week 1"
    for rows in (long, short):
        used = [k for r in rows for k in split_list(r["lessons"])]
        assert len(used) == len(set(used)) and set(used) <= lessons
        assert "00" in split_list(rows[0]["lessons"]) and "10" in split_list(rows[-1]["lessons"])
        assert "a10" in split_list(rows[-1]["exercises"])


def test_syllabus_total_is_a_normal_module_and_week_one_reads_the_essay():
    rows = table("10-week")
    contact = sum(float(r["contact h"]) for r in rows)
    independent = sum(float(r["independent h"]) for r in rows)
    assert 27 <= contact <= 33 and 50 <= independent <= 70, (contact, independent)
    text = (INSTRUCTORS / "syllabus.md").read_text(encoding="utf-8")
    url = ck.source("sahashi-2011-eaf")["url"]
    assert url in text and "[@sahashi-2011-eaf]" in text, "week 1 reads the essay and the reader's comment"
    assessment = text.split("\n## Assessment", 1)[1].split("\n## ", 1)[0]
    weights = re.findall(r"^\| ([^|]+?) \| (\d+) *% *\|", assessment, re.M)
    assert weights and sum(int(w) for _, w in weights) == 100, f"assessment weights add up to 100: {weights}"


# --- the capstone's own sources are checked like the register ------------------------------------


def test_check_references_checks_a_learners_own_sources_and_cited_ids():
    fields = ["id", "citation", "publisher", "date", "url", "licence"]
    good = pd.DataFrame(
        [
            {
                "id": "my-own-2025-report",
                "citation": "A report.",
                "publisher": "Someone",
                "date": "2025-05",
                "url": "https://example.org/report",
                "licence": "cited",
            }
        ]
    )
    assert ck.check_references(good, cited=["my-own-2025-report", "sahashi-2011-eaf"]) == []
    assert ck.check_references(good.iloc[0:0], cited="[@sahashi-2011-eaf]") == []
    bad = pd.DataFrame(
        [
            {
                "id": "Sahashi 2011",
                "citation": "",
                "publisher": "EAF",
                "date": "9 Feb 2011",
                "url": "www.eastasiaforum.org/2011/02/09/north-korea-why-seoul-tokyo-cooperation"
                "-is-necessary/",
                "licence": "x",
            },
            {"id": "usgs-comcat", **{f: "x" for f in fields[1:]}, "url": "https://a.org"},
        ]
    )
    problems = " | ".join(ck.check_references(bad, cited=["nope"]))
    for part in [
        "not a valid id",
        "citation is empty",
        "date '9 Feb 2011'",
        "starting with http",
        "already has this address as 'sahashi-2011-eaf'",
        "already in the register",
        "'nope'",
    ]:
        assert part in problems, (part, problems)
    with pytest.raises(ValueError, match="register's columns"):
        ck.check_references(pd.DataFrame({"id": ["x"]}))
    with pytest.raises(TypeError, match="should be a table"):
        ck.check_references("my-sources.csv")
    assert ck.check_references() == []  # the datasets' own check is unchanged
