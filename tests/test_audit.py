"""`coursekit audit`: the course passes its own rules, and each rule catches what it should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coursekit import audit as audit_mod
from coursekit.cli import main

ROOT = Path(__file__).resolve().parents[1]

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Lesson {num} · A test lesson

{time}
"""

GOOD_TIME = "**Estimated time:** 60 minutes: teaching 30, practice 20, discussion 10"


def _lesson(
    num: str,
    *,
    time: str = GOOD_TIME,
    levels=("interpret", "recall"),
    prompts: int = 2,
    cite: str = "sahashi-2011-eaf",
    bare_figure: bool = False,
) -> str:
    checks = "\n".join(
        f'```{{code-cell}} ipython3\nq{i} = ck.SelfCheck("{num}-{i}", "Q{i}?", kind="number", answers=[], '
        + (f'level="{lvl}")\n```\n' if lvl else ")\n```\n")
        for i, lvl in enumerate(levels, 1)
    )
    figure = '```{code-cell} ipython3\nfig = ck.timeline_figure(ck.load("events"), title="t")\n' + (
        "fig.show()\n```\n" if bare_figure else "ck.show(fig)\n```\n"
    )
    discussion = "\n".join(f"{k}. **{num}-d{k}.** Prompt {k}?" for k in range(1, prompts + 1))
    return (
        HEADER.format(num=num, time=time)
        + f"\nA claim [@{cite}].\n\n"
        + figure
        + "\n## Self-check\n\n"
        + checks
        + "\n## Discussion\n\n"
        + discussion
        + "\n\n## Key points\n\n- one\n"
    )


def _notes(num: str, prompts, cite: str = "sahashi-2011-eaf") -> str:
    return (
        "# Notes\n\n## Model points\n\n"
        + "\n".join(f"### {pid}\n\n- A defensible point [@{cite}].\n" for pid in prompts)
        + "\n## Sensitive history\n\nNone.\n"
    )


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A two-lesson course that passes every rule; tests break one rule each."""
    (tmp_path / "lessons").mkdir()
    (tmp_path / "datasets").mkdir()
    (tmp_path / "instructors" / "notes").mkdir(parents=True)
    (tmp_path / "autograding" / "authoring").mkdir(parents=True)
    for num in ("02", "03"):
        (tmp_path / "lessons" / f"{num}-test.md").write_text(_lesson(num), encoding="utf-8")
        (tmp_path / "instructors" / "notes" / f"{num}-test.md").write_text(
            _notes(num, [f"{num}-d1", f"{num}-d2"]), encoding="utf-8"
        )
    (tmp_path / "autograding" / "authoring" / "a02-test.md").write_text(
        "# a02\n\n**Expected time:** 45 minutes\n", encoding="utf-8"
    )
    monkeypatch.setattr(audit_mod, "_skills", lambda root, lessons: ({}, {}, []))
    return tmp_path


def test_a_course_that_keeps_the_rules_has_no_gaps(course):
    result = audit_mod.audit(course)
    assert result.gaps == []
    first = result.lessons[0]
    assert first.minutes == {"total": 60, "teaching": 30, "practice": 20, "discussion": 10}
    assert first.selfchecks == {"recall": 1, "compute": 0, "interpret": 1, "evaluate": 0}
    assert first.prompts == first.prompts_with_notes == ["02-d1", "02-d2"]
    assert (first.figures, first.figures_described, first.citations) == (1, 1, 1)
    assert result.exercises == {"a02-test": 45}


@pytest.mark.parametrize(
    "change, expected",
    [
        (dict(time="**Estimated time:** 60 minutes"), "no time line"),
        (
            dict(time="**Estimated time:** 60 minutes: teaching 30, practice 20, discussion 20"),
            "adds up to 70",
        ),
        (dict(levels=("interpret", None)), "03-2 has no valid level"),
        (dict(levels=("interpret", "guess")), "03-2 has no valid level"),
        (
            dict(levels=("recall", "compute", "interpret")),
            "only 1 of 3 self-checks are interpret or evaluate",
        ),
        (dict(prompts=3), "03-d3 has no model points"),
        (dict(cite="no-such-source-id"), "missing from the register: no-such-source-id"),
        (dict(bare_figure=True), "shown without ck.show"),
    ],
)
def test_each_rule_reports_its_gap(course, change, expected):
    (course / "lessons" / "03-test.md").write_text(_lesson("03", **change), encoding="utf-8")
    gaps = audit_mod.audit(course).gaps
    assert any(expected in g and g.startswith("03-test") for g in gaps), gaps


def test_the_judgement_share_is_not_required_before_lesson_03(course):
    (course / "lessons" / "02-test.md").write_text(
        _lesson("02", levels=("recall", "compute")), encoding="utf-8"
    )
    assert audit_mod.audit(course).gaps == []


def test_model_points_must_cite_a_source(course):
    notes = course / "instructors" / "notes" / "03-test.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace(" [@sahashi-2011-eaf]", ""), encoding="utf-8")
    gaps = audit_mod.audit(course).gaps
    assert "03-test: model points for 03-d1 cite no source" in gaps


def test_an_exercise_without_expected_time_is_a_gap(course):
    (course / "autograding" / "authoring" / "a03-test.md").write_text("# a03\n", encoding="utf-8")
    assert "a03-test: no '**Expected time:** N minutes' line" in audit_mod.audit(course).gaps


def test_cli_exit_status_table_and_json(course, tmp_path, capsys):
    out = tmp_path / "audit.json"
    assert main(["audit", "--root", str(course), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "02-test" in printed and "gaps the course's rules forbid (0)" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [lesson["lesson"] for lesson in data["lessons"]] == ["02-test", "03-test"]
    (course / "lessons" / "03-test.md").write_text(_lesson("03", prompts=3), encoding="utf-8")
    assert main(["audit", "--root", str(course)]) == 1


def test_cli_outside_a_course_says_what_to_do(tmp_path, capsys):
    assert main(["audit", "--root", str(tmp_path)]) == 2
    assert "run `coursekit audit` inside the course folder" in capsys.readouterr().err


def test_the_course_itself_passes_its_audit():
    result = audit_mod.audit(ROOT)
    assert result.gaps == [], result.text()
