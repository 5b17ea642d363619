"""Perspective cards: how different capitals see a contested question, each view sourced.

Examples
--------
>>> import coursekit as ck
>>> deck = ck.perspectives("Whose data?", [
...     ck.Perspective("Washington", "A view in the course's words.", ["usgs-comcat"]),
...     ck.Perspective("Tokyo", "Another view.", ["wb-wdi-milex"]),
... ])
>>> [card.who for card in deck.cards]
['Washington', 'Tokyo']
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from . import messages as msg
from .references import source

__all__ = ["Perspective", "perspectives", "Perspectives"]

FLAGS = {"Washington": "USA", "Tokyo": "JPN", "Seoul": "KOR", "Beijing": "CHN", "Pyongyang": "PRK",
         "Moscow": "RUS"}


@dataclass
class Perspective:
    """One capital's (or one school's) view, in the course's words, with its sources."""

    who: str
    view: str
    sources: list[str] = field(default_factory=list)

    def __post_init__(self):
        if isinstance(self.sources, str):
            self.sources = [self.sources]
        if not self.sources:
            raise ValueError(msg.CARD_NEEDS_SOURCE.format(who=self.who))
        self.citations = [source(sid) for sid in self.sources]  # raises for unknown ids


@dataclass
class Perspectives:
    question: str
    cards: list[Perspective]

    def __str__(self) -> str:
        lines = [self.question]
        for card in self.cards:
            lines.append(f"- {card.who}: {card.view} [{'; '.join('@' + s for s in card.sources)}]")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cards = []
        for card in self.cards:
            cites = "; ".join(
                f'<a href="#ref-{html.escape(c["id"])}" title="{html.escape(c["citation"])}">'
                f'{html.escape(c["id"])}</a>' for c in card.citations
            )
            cards.append(
                '<div style="flex:1 1 220px;border:1px solid #999;border-radius:6px;padding:8px;margin:4px">'
                f'<strong>{html.escape(card.who)}</strong>'
                f'<p style="margin:4px 0">{html.escape(card.view)}</p>'
                f'<small>Sources: {cites}</small></div>'
            )
        return (f'<div class="coursekit-perspectives"><p><em>{html.escape(self.question)}</em></p>'
                f'<div style="display:flex;flex-wrap:wrap">{"".join(cards)}</div></div>')


def perspectives(question: str, cards: list[Perspective]) -> Perspectives:
    """A set of perspective cards on one question (at least two, each with sources)."""
    if len(cards) < 2:
        raise ValueError("A contested question needs at least two perspectives.")
    return Perspectives(question, list(cards))
