"""Perspective cards: official lines and analysts' readings, each sourced and told apart."""

from __future__ import annotations

import ast

import pytest

import coursekit as ck
from tests.support.lessonkit import LESSONS, code_calls, read_lesson

REGISTER = set(ck.load("sources")["id"])
SOURCE = sorted(REGISTER)[0]


def test_official_card_defaults_to_its_capital_and_renders_as_official():
    card = ck.Perspective("Seoul", "A stated line.", [SOURCE])
    assert (card.kind, card.who, card.label) == ("official", "Seoul", "Seoul")
    deck = ck.perspectives("Q?", [card, ck.Perspective("Tokyo", "Another.", [SOURCE])])
    html = deck._repr_html_()
    assert html.count("coursekit-card-official") == 2 and "Official line" in html
    assert "coursekit-card-analyst" not in html


def test_analyst_card_names_the_analyst_and_renders_distinctly():
    analyst = ck.Perspective(
        "Beijing", "A scholar's reading.", [SOURCE], kind="analyst", who="Jin Qiangyi, Yanbian University"
    )
    official = ck.Perspective("Beijing", "The stated line.", [SOURCE])
    deck = ck.perspectives("Q?", [official, analyst])
    html = deck._repr_html_()
    assert "coursekit-card-analyst" in html and "coursekit-card-official" in html
    assert "Analyst (not a government position)" in html and "Jin Qiangyi, Yanbian University" in html
    assert "dashed" in html, "analysts' cards need a visual cue besides colour"
    text = str(deck)
    assert "- Beijing: The stated line." in text
    assert "- Beijing, analyst: Jin Qiangyi, Yanbian University: A scholar's reading." in text


@pytest.mark.parametrize("who", ["", "   "])
def test_analyst_card_requires_who(who):
    with pytest.raises(ValueError, match="who="):
        ck.Perspective("Tokyo", "A reading.", [SOURCE], kind="analyst", who=who)


def test_unknown_kind_and_missing_sources_are_refused():
    with pytest.raises(ValueError, match="official, analyst"):
        ck.Perspective("Tokyo", "A reading.", [SOURCE], kind="pundit")
    with pytest.raises(ValueError, match="source"):
        ck.Perspective("Tokyo", "A reading.", [])
    with pytest.raises(KeyError, match="no-such-source-id"):
        ck.Perspective("Tokyo", "A reading.", ["no-such-source-id"])


def _cards(path):
    nb = read_lesson(path)
    for call in code_calls(nb, "Perspective"):
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
        yield dict(zip(["capital", "view", "sources"], args, strict=False), **kwargs)


@pytest.mark.parametrize("path", LESSONS, ids=[p.name[:2] for p in LESSONS])
def test_every_card_in_every_lesson_is_sourced_from_the_register(path):
    for card in _cards(path):
        sources = card["sources"] if isinstance(card["sources"], list) else [card["sources"]]
        assert sources and set(sources) <= REGISTER, (card["capital"], set(sources) - REGISTER)
        if card.get("kind") == "analyst":
            assert card.get("who", "").strip(), f"analyst card for {card['capital']} has no who="


@pytest.mark.parametrize("number", ["07", "08", "09", "10"])
def test_lessons_on_the_contested_question_set_analysts_beside_officials(number):
    path = next(p for p in LESSONS if p.name.startswith(number))
    cards = list(_cards(path))
    analysts = {c["capital"].split(" (")[0] for c in cards if c.get("kind") == "analyst"}
    officials = {c["capital"].split(" (")[0] for c in cards if c.get("kind", "official") == "official"}
    # every capital whose analysts can be sourced (Pyongyang has no independent analysts; see the lessons)
    assert {"Washington", "Tokyo", "Seoul", "Beijing"} <= analysts, sorted(analysts)
    assert analysts <= officials, "an analyst's card sits beside its capital's official card"
