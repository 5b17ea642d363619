"""Every lesson: its required parts, its citations, and a clean run in a fresh kernel."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

import coursekit as ck
from tests.support.lessonkit import (
    HEADINGS,
    LESSONS,
    TIME,
    code_calls,
    execute,
    literal_list,
    number,
    read_lesson,
    selfcheck_answers,
    text_of,
)

IDS = [number(p) for p in LESSONS]


def test_there_are_twelve_lessons_in_order():
    expected = ["00", "00b"] + [f"{i:02d}" for i in range(1, 11)]
    assert [number(p) for p in LESSONS] == expected, [p.name for p in LESSONS]


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_has_required_parts(path):
    nb = read_lesson(path)
    text = text_of(nb)
    assert re.search(r"^# Lesson \d\d[a-z]? · .+", text, re.M), "title line '# Lesson NN · Title' missing"
    assert TIME.search(text), "'**Estimated time:** N minutes' missing"
    assert "**Prerequisites:**" in text
    for heading in HEADINGS:
        assert re.search(rf"^## {re.escape(heading)}\b", text, re.M), f"heading '## {heading}' missing"
    objectives = text.split("## Learning objectives", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d+\. ", objectives, re.M)) >= 2, "at least two numbered objectives"
    assert len(code_calls(nb, "SelfCheck")) >= 2, "at least two self-checks"
    if 1 <= int(number(path)[:2]) <= 9:
        assert len(code_calls(nb, "show")) >= 2, "lessons 01-09 show at least two figures"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_citations_resolve_and_match_references(path):
    nb = read_lesson(path)
    cited = set(ck.cited_ids(text_of(nb)))
    for call in code_calls(nb, "Perspective"):
        node = (
            call.args[2] if len(call.args) > 2 else next(k.value for k in call.keywords if k.arg == "sources")
        )
        cited |= set(literal_list(node))
    register = set(ck.load("sources")["id"])
    assert not cited - register, f"cited but not in the source register: {sorted(cited - register)}"
    refs = code_calls(nb, "references")
    assert len(refs) == 1, "exactly one ck.references([...]) cell"
    listed = set(literal_list(refs[0].args[0]))
    assert listed == cited, (
        f"references cell and citations differ: missing {sorted(cited - listed)}, "
        f"not cited {sorted(listed - cited)}"
    )
    assert cited, "a lesson cites at least one source"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_glossary_terms_exist(path):
    nb = read_lesson(path)
    terms = set(ck.load("glossary")["id"])
    calls = code_calls(nb, "glossary")
    assert calls, "a lesson lists its glossary terms with ck.glossary([...])"
    for call in calls:
        missing = set(literal_list(call.args[0])) - terms
        assert not missing, f"glossary ids not in the glossary: {sorted(missing)}"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_runs_clean_and_its_selfchecks_work(path, tmp_path):
    nb, seconds = execute(path)
    problems, figures, selfchecks = [], [], None
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"{out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append("stderr: " + out.text[:300])
            elif out.output_type == "stream" and "SELFCHECKS=" in out.text:
                selfchecks = json.loads(out.text.split("SELFCHECKS=", 1)[1])
            data = out.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                figures.append(data["application/vnd.plotly.v1+json"])
    assert not problems, problems
    for fig in figures:
        meta = fig.get("layout", {}).get("meta", {})
        assert isinstance(meta, dict) and len(meta.get("description", "")) > 40, "figure without description"
    if 1 <= int(number(path)[:2]) <= 9:
        assert len(figures) >= 2, f"only {len(figures)} figures rendered"
    answers = selfcheck_answers(number(path))
    assert selfchecks, "no self-checks registered"
    for qid, result in selfchecks.items():
        assert result is not None, (
            f"{qid}: no right/wrong answers in tests/data/selfchecks/{number(path)}.json"
        )
        right, wrong, explained, hints = result
        assert right, f"{qid}: the recorded right answer {answers[qid]['right']!r} is rejected"
        assert not wrong, f"{qid}: the recorded wrong answer {answers[qid]['wrong']!r} is accepted"
        assert explained, f"{qid}: no explanation after a right answer"
        assert hints >= 1, f"{qid}: no hint for a wrong try"
    size = len(nbformat.writes(nb).encode())
    assert size < 1_000_000, f"executed lesson is {size / 1e6:.2f} MB"


@pytest.mark.slow
def test_the_network_guard_catches_a_lesson_that_goes_online(tmp_path):
    lesson = tmp_path / "99-online.md"
    lesson.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "    format_version: 0.13\nkernelspec:\n  name: python3\n"
        "  display_name: Python 3\n  language: python\n---\n\n# Lesson 99 · Online\n\n"
        "```{code-cell} ipython3\nimport urllib.request\nurllib.request.urlopen('http://example.org', "
        "timeout=3)\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="tried to (look up a host|reach the network)"):
        execute(lesson, probe=False)
