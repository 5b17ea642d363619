"""Self-checks that test judgement, not only recall (issue 10, item 3).

The lessons are parsed, not run: every ``ck.SelfCheck(...)`` call is rebuilt from its literal
arguments and probed with the right answers recorded in ``tests/data/selfchecks/*.json``.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter

import pytest

from coursekit.selfcheck import LETTERS, LEVELS, REGISTRY, SelfCheck, make, normalise
from tests.support.lessonkit import ROOT, code_calls, read_lesson

ALL_LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*-*.md"))
JUDGEMENT = ("interpret", "evaluate")
SHARE = 0.4  # lessons 03-10: at least this share of self-checks are interpret or evaluate


def _answers() -> dict:
    out = {}
    for path in sorted((ROOT / "tests" / "data" / "selfchecks").glob("*.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


ANSWERS = _answers()


def selfchecks(path) -> list[dict]:
    """The literal arguments of every self-check in a lesson, in order."""
    found = []
    for call in code_calls(read_lesson(path), "SelfCheck"):
        qid, question = (ast.literal_eval(arg) for arg in call.args)
        found.append(
            {"qid": qid, "question": question, **{k.arg: ast.literal_eval(k.value) for k in call.keywords}}
        )
    return found


def build(spec: dict) -> SelfCheck:
    args = {k: v for k, v in spec.items() if k not in ("qid", "question")}
    q = SelfCheck(spec["qid"], spec["question"], **args)
    REGISTRY.pop(spec["qid"], None)  # keep the registry of this test process clean
    return q


def right_answer(spec: dict) -> str:
    assert spec["qid"] in ANSWERS, f"{spec['qid']}: no right answer in tests/data/selfchecks/"
    return str(ANSWERS[spec["qid"]]["right"])


def lesson_id(path) -> str:
    return path.name.split("-", 1)[0]


def in_judgement_range(path) -> bool:
    return path.name[2] == "-" and 3 <= int(path.name[:2]) <= 10


@pytest.mark.parametrize("path", ALL_LESSONS, ids=lesson_id)
def test_every_selfcheck_declares_a_valid_level(path):
    specs = selfchecks(path)
    assert specs, "no self-checks found"
    for spec in specs:
        assert spec.get("level") in LEVELS, (
            f"{spec['qid']}: level must be one of {LEVELS}, not {spec.get('level')!r}"
        )
        assert build(spec).level == spec["level"]


@pytest.mark.parametrize("path", [p for p in ALL_LESSONS if in_judgement_range(p)], ids=lesson_id)
def test_lessons_03_to_10_ask_for_judgement(path):
    levels = Counter(spec["level"] for spec in selfchecks(path))
    judgement = sum(levels[level] for level in JUDGEMENT)
    total = sum(levels.values())
    assert judgement >= SHARE * total, (
        f"only {judgement} of {total} self-checks are interpret or evaluate "
        f"({dict(levels)}); at least {SHARE:.0%} are required"
    )


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.casefold())).strip()


def test_no_two_selfchecks_share_an_id_or_a_question():
    specs = [spec for path in ALL_LESSONS for spec in selfchecks(path)]
    ids = Counter(spec["qid"] for spec in specs)
    assert not [qid for qid, n in ids.items() if n > 1], f"repeated ids: {ids.most_common(3)}"
    texts = Counter(_plain(spec["question"]) for spec in specs)
    repeated = [text for text, n in texts.items() if n > 1]
    assert not repeated, f"the same question appears twice: {repeated}"


def _gives_away(hint: str, spec: dict, right: str) -> str | None:
    """What in the hint states the right answer, or None."""
    kind = spec.get("kind", "choice")
    if kind == "choice":
        index = LETTERS.index(normalise(right, "choice"))
        choice = spec["choices"][index]
        if _plain(choice) in _plain(hint):
            return f"the right option's text {choice!r}"
        if re.search(rf"\({LETTERS[index]}\)", hint, re.I):
            return f"the right letter ({LETTERS[index]})"
        return None
    if kind == "number":
        value = normalise(right, "number", spec.get("decimals", 0))
        numbers = [n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", hint)]
        return f"the number {value}" if value in numbers else None
    words = f" {normalise(hint, 'text')} "
    return f"the answer {right!r}" if f" {normalise(right, 'text')} " in words else None


@pytest.mark.parametrize("path", ALL_LESSONS, ids=lesson_id)
def test_hints_never_state_the_answer(path):
    for spec in selfchecks(path):
        right = right_answer(spec)
        for hint in spec.get("hints", []):
            leak = _gives_away(hint, spec, right)
            assert leak is None, f"{spec['qid']}: a hint gives away {leak}: {hint!r}"


@pytest.mark.parametrize("path", ALL_LESSONS, ids=lesson_id)
def test_every_wrong_option_says_why_it_is_wrong(path):
    for spec in selfchecks(path):
        if spec.get("kind", "choice") != "choice":
            continue
        q = build(spec)
        right = normalise(right_answer(spec), "choice")
        assert q.is_right(right), f"{spec['qid']}: the recorded right answer {right!r} is not accepted"
        for letter in LETTERS[: len(spec["choices"])]:
            if q.is_right(letter):
                assert q.why_wrong(letter) == "", f"{spec['qid']}: right option ({letter}) has a 'wrong' text"
                continue
            why = q.why_wrong(letter)
            assert why.strip(), f"{spec['qid']}: wrong option ({letter}) has no explanation"
            assert f"({right})" not in why, f"{spec['qid']}: why ({letter}) is wrong names the right letter"


# The SelfCheck API itself.


def _demo(**kwargs) -> SelfCheck:
    spec = make(
        "demo-9",
        "b",
        kind="choice",
        explanation="B is right.",
        wrong={"a": "A confuses the two treaties.", "c": "C is about a later year."},
    )
    options = dict(choices=["one", "two", "three"], kind="choice", answers=spec, hints=["Look again."])
    options.update(kwargs)
    q = SelfCheck("demo-9", "Pick one", **options)
    REGISTRY.pop("demo-9", None)
    return q


def test_level_is_required_and_checked_with_a_clear_message():
    with pytest.raises(ValueError, match=r"'demo-9' has no level: give level= one of 'recall'"):
        _demo()
    with pytest.raises(ValueError, match=r"level='judge'.*'interpret', 'evaluate'"):
        _demo(level="judge")


def test_level_is_shown_to_the_learner_and_exposed():
    q = _demo(level="interpret")
    assert q.level == "interpret"
    assert q._repr_markdown_().startswith("*This question asks you to interpret")


def test_a_wrong_pick_says_why_and_the_right_explanation_stays_sealed():
    q = _demo(level="recall")
    wrong = q.feedback("a")
    assert "Not quite" in wrong and "Why not (a): A confuses the two treaties." in wrong and "Hint 1" in wrong
    assert "B is right" not in wrong and "C is about" not in wrong
    assert q.why_wrong("b") == "" and q.explanation_for("a") == ""
    assert "Correct!" in q.feedback("b") and "B is right." in q.feedback("b")
    stored = make("demo-9", "b", kind="choice", explanation="B is right.")
    assert all("B is right" not in item for item in stored)


def test_make_rejects_a_wrong_text_for_the_right_option_or_a_non_choice():
    with pytest.raises(ValueError, match="right answer"):
        make("demo-9", "b", kind="choice", wrong={"b": "no"})
    with pytest.raises(ValueError, match="choice questions only"):
        make("demo-9", 3, kind="number", wrong={"a": "no"})


def test_selfcheck_make_command_seals_the_wrong_options_too(capsys):
    from coursekit.cli import main

    assert (
        main(
            [
                "selfcheck-make",
                "demo-9",
                "c",
                "--explain",
                "C is right.",
                "--wrong",
                "a",
                "A is too early.",
                "--wrong",
                "b",
                "B is the wrong treaty.",
            ]
        )
        == 0
    )
    stored = json.loads(capsys.readouterr().out)
    assert len(stored) == 3 and not any("too early" in item for item in stored)
    q = SelfCheck(
        "demo-9", "Pick one", kind="choice", level="recall", choices=["x", "y", "z"], answers=stored
    )
    REGISTRY.pop("demo-9", None)
    assert q.is_right("c") and q.why_wrong("a") == "A is too early."
    assert q.why_wrong("b") == "B is the wrong treaty." and q.why_wrong("c") == ""
    assert main(["selfcheck-make", "demo-9", "c", "--wrong", "c", "no"]) == 2
    assert "right answer" in capsys.readouterr().err
