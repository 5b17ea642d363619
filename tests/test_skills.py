"""The skills map: every construct the course's code uses is taught before it is used.

Also the small helpers that make the early code forgiving for non-coders: ``ck.expect_kind``
(the exercises' visible tests), ``ck.find_event`` (lesson 02) and the starter code of a01-a04.
"""

from __future__ import annotations

import pandas as pd
import pytest

import coursekit as ck
from coursekit import skills
from coursekit.grading.starter import move_starter_lines
from tests.support.lessonkit import LESSONS, ROOT


def test_no_construct_is_used_before_it_is_taught_or_missing_from_the_map():
    problems = skills.skill_violations()
    assert not problems, "\n".join(map(str, problems)) + (
        "\nTeach the construct in lesson 00b (or an earlier lesson) and add its row to docs/skills-map.md."
    )


def test_the_map_is_read_whole_and_names_real_lessons():
    table = skills.load_skills_map()
    assert len(table) >= 100
    lessons = {skills.lesson_id(p) for p in LESSONS}
    assert {s.taught_in for s in table.values()} <= lessons
    for key in [
        "groupby",
        "merge_asof",
        "lambda",
        "f-string",
        "&-filter",
        "|-filter",
        ".dt.days",
        ".days",
        ".iloc",
        "isin",
        "between",
        "str.contains",
        "pivot",
        "value_counts",
        "nunique",
        "try-except",
    ]:
        assert table[key].taught_in in {"00", "00b"}, key
    used = skills.first_uses()
    assert not set(table) - set(used), f"rows for constructs no code uses: {sorted(set(table) - set(used))}"


def test_course_order_puts_00b_between_00_and_01_and_each_exercise_after_its_lesson():
    ids = [skills.lesson_id(p) for p in skills.course_files()]
    assert ids[:5] == ["00", "00b", "01", "a01", "02"], ids
    assert [skills.lesson_id(p) for p in LESSONS][:3] == ["00", "00b", "01"]
    assert "a10" == ids[-1]


@pytest.mark.parametrize(
    "code, key",
    [
        ("import pandas as pd", "import-as"),
        ("from pathlib import Path", "from-import"),
        ("x = 1", "variable"),
        ("a, b = 1, 2", "tuple-unpacking"),
        ("f'{x}'", "f-string"),
        ("f'{x:.1f}'", "format-spec"),
        ("[1, 2]", "list"),
        ("{1, 2}", "set"),
        ("{'a': 1}", "dict"),
        ("'a' in codes", "in"),
        ("x is None", "is"),
        ("def f(x):\n    return x", "def"),
        ("f = lambda x: x", "lambda"),
        ("try:\n    pass\nexcept KeyError:\n    pass", "try-except"),
        ("for x in y:\n    pass", "for"),
        ("[x for x in y]", "list-comprehension"),
        ("{k: v for k, v in y}", "dict-comprehension"),
        ("t['kind']", "column"),
        ("t[['a', 'b']]", "column-list"),
        ("t['new'] = 1", "new-column"),
        ("t[t['kind'] == 'treaty']", "filter-rows"),
        ("t[(t['a'] == 1) & (t['b'] > 2)]", "&-filter"),
        ("t[(t['a'] == 1) | (t['a'] == 2)]", "|-filter"),
        ("t[~t['a'].isna()]", "~-not"),
        ("t['a'].isin(['USA'])", "isin"),
        ("t['year'].between(1960, 1965)", "between"),
        ("t['parties'].str.contains('JPN')", "str.contains"),
        ("t.iloc[0]", ".iloc"),
        ("t.loc[t['a'] == 1, 'b']", ".loc"),
        ("t['date'].dt.year", ".dt.year"),
        ("(b - a).days", ".days"),
        ("(t['end'] - t['start']).dt.days", ".dt.days"),
        ("t.sort_values('date')", "sort_values"),
        ("t['kind'].value_counts()", "value_counts"),
        ("t['date'].nunique()", "nunique"),
        ("t.groupby('decade').size()", "groupby"),
        ("t.groupby('decade').size()", "size"),
        ("t.pivot(index='year', columns='c', values='v')", "pivot"),
        ("pd.merge_asof(a, b, on='date')", "merge_asof"),
        ("t.drop_duplicates('date')", "drop_duplicates"),
        ("t.assign(x=lambda d: d['a'])", "assign"),
        ("len(t)", "len"),
        ("1965 // 10 * 10", "//"),
        ("q1.check(7)", "check"),
    ],
)
def test_the_detector_finds_each_kind_of_construct(code, key):
    assert key in skills.constructs_in_code(code)


def test_the_detector_leaves_out_the_course_helpers_blanks_and_broken_code():
    assert skills.constructs_in_code("ck.load('events')") == set()
    assert skills.constructs_in_code("x = (") == set()
    assert "&-filter" not in skills.constructs_in_code("t[(a == 1)]")
    assert ".days" not in skills.constructs_in_code("(t['b'] - t['a']).dt.days")


def _lesson(path, code: str) -> None:
    path.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "---\n\n# Lesson\n\n```{code-cell} ipython3\n" + code + "\n```\n",
        encoding="utf-8",
    )


def test_violations_name_a_construct_used_too_early_and_one_missing_from_the_map(tmp_path):
    early, late = tmp_path / "01-early.md", tmp_path / "03-late.md"
    _lesson(early, "counts = t.groupby('year').size()\nw = t.pivot(index='a', columns='b', values='c')")
    _lesson(late, "t.groupby('year').size()")
    table = {key: skills.Skill(key, "", "00b") for key in ["variable", "size", "pivot"]}
    table["groupby"] = skills.Skill("groupby", "", "02")
    found = {(v.unit, v.key) for v in skills.skill_violations([early, late], table)}
    assert found == {("01", "groupby")}
    del table["pivot"]
    problems = skills.skill_violations([early, late], table)
    assert ("01", "pivot") in {(v.unit, v.key) for v in problems}
    assert "not in the skills map" in str(next(v for v in problems if v.key == "pivot"))


def test_exercise_test_cells_and_hidden_tests_do_not_count_but_starter_lines_do():
    a01 = ROOT / "autograding" / "authoring" / "a01-hub-and-spokes.md"
    found = skills.constructs_in_notebook(a01)
    assert "assert" not in found and "isinstance" not in found  # test cells
    assert "pivot" in found and "between" in found  # the Parsons lines and the starter code


# --- helpers for learners -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, want, words",
    [
        (pd.DataFrame({"x": [57.2]}), "number", "a one-row table"),
        (pd.Series([412]), "whole number", ".iloc[0]"),
        (pd.Timedelta(days=412), "whole number", "use .days"),
        (pd.Series(pd.to_timedelta([1, 2], unit="D")), "number", ".dt.days"),
        ("57.2", "number", "without quotes"),
        (57.25, "whole number", "int(...)"),
        (["JPN", "KOR"], "set", "set(...)"),
        (pd.Series([1, 2]), "table", "Keep it a table"),
        (None, "table", "nothing (None)"),
    ],
)
def test_expect_kind_says_in_plain_words_what_is_wrong(value, want, words):
    with pytest.raises(AssertionError, match=None) as caught:
        ck.expect_kind(value, want, "answer")
    assert words in str(caught.value), str(caught.value)
    assert str(caught.value).startswith("answer should be ")


@pytest.mark.parametrize(
    "value, want",
    [
        (412, "whole number"),
        (412.0, "whole number"),
        (57.2, "number"),
        ("SLV", "text"),
        (pd.Timestamp("2006-07-05"), "date"),
        ({"JPN"}, "set"),
        (pd.DataFrame(), "table"),
        (pd.Series([1]), "column"),
        ({"USA": 7}, "dict"),
    ],
)
def test_expect_kind_accepts_the_right_kind(value, want):
    ck.expect_kind(value, want, "answer")


def test_find_event_matches_whole_words_without_accents_and_says_when_it_cannot(capsys):
    assert ck.find_event("Kōno")["id"] == "ev-1993-08-04-kono-statement"
    assert ck.find_event("obuchi SIGN")["id"] == "ev-1998-10-08-kim-obuchi-joint-declaration"
    assert ck.find_event("Murayama") is None
    out = capsys.readouterr().out
    assert "3 event titles" in out and "Murayama Statement" in out
    assert ck.find_event("Murayama Statement")["id"] == "ev-1995-08-15-murayama-statement"
    assert ck.find_event("Kan Statement") is None
    assert "No event title" in capsys.readouterr().out
    assert ck.find_event("Ka") is None  # a whole word, not part of one


def test_starter_lines_become_code_after_the_stub_and_stay_comments_in_the_source():
    source = "### BEGIN SOLUTION\n#> # fill in\n#> x = ___\nx = 1\n### END SOLUTION\nprint(x)"
    expected = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n# fill in\nx = ___\nprint(x)"
    assert move_starter_lines(source) == expected
    assert move_starter_lines("x = 1  #> not starter") == "x = 1  #> not starter"
