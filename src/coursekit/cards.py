"""Perspective cards: how different capitals see a contested question, each view sourced.

A card is either a government's *official* line (the default) or an *analyst's* reading: the
published argument of a named scholar or think tank from that capital's country. Analysts' cards
are drawn distinctly (dashed border, "Analyst" label and the analyst's name) so that a reader never
mistakes a scholar's argument for a government's position.

Examples
--------
>>> import coursekit as ck
>>> deck = ck.perspectives("Whose data?", [
...     ck.Perspective("Washington", "A view in the course's words.", ["usgs-comcat"]),
...     ck.Perspective("Tokyo", "Another view.", ["wb-wdi-milex"]),
...     ck.Perspective("Tokyo", "A scholar's view.", ["wb-wdi-milex"], kind="analyst",
...                    who="A. Scholar, a university"),
... ])
>>> [card.who for card in deck.cards]
['Washington', 'Tokyo', 'A. Scholar, a university']
>>> [card.kind for card in deck.cards]
['official', 'official', 'analyst']
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from . import _messages as msg
from .references import source

__all__ = ["Perspective", "perspectives", "Perspectives", "KINDS"]

_FLAGS = {
    "Washington": "USA",
    "Tokyo": "JPN",
    "Seoul": "KOR",
    "Beijing": "CHN",
    "Pyongyang": "PRK",
    "Moscow": "RUS",
}

#: The kinds of card: a government's stated line, or a named analyst's published argument.
KINDS = ("official", "analyst")


@dataclass
class Perspective:
    """One capital's view on a contested question, in the course's words, with its sources.

    Parameters
    ----------
    capital : str
        The capital (or school) the view belongs to, e.g. ``"Seoul"`` or ``"Seoul (2019)"``.
    view : str
        The view, summarised in the course's own words (short quotations in quotation marks).
    sources : list of str
        Ids from the source register (``datasets/sources.csv``); at least one.
    kind : {"official", "analyst"}, default "official"
        ``"official"`` for a government's, officials' or state media's stated line;
        ``"analyst"`` for the published argument of a named scholar or think tank.
    who : str, optional
        For an analyst's card, required: the analyst's name and affiliation, e.g.
        ``"Moon Chung-in (문정인), Yonsei University"``. For an official card it defaults to
        `capital`.

    Attributes
    ----------
    label : str
        The heading the card is shown under.
    citations : list of dict
        The register's row for each source (see :func:`source`).

    Raises
    ------
    ValueError
        If there is no source, `kind` is unknown, or an analyst's card has no `who`.
    KeyError
        If a source id is not in the register.

    Examples
    --------
    >>> import coursekit as ck
    >>> card = ck.Perspective("Seoul", "A view in the course's words.", ["sahashi-2011-eaf"])
    >>> card.label, card.kind
    ('Seoul', 'official')
    >>> card.citations[0]["id"]
    'sahashi-2011-eaf'
    >>> ck.Perspective("Tokyo", "A view.", ["no-such-source"])
    Traceback (most recent call last):
    ...
    KeyError: "'no-such-source' is not in the course's source register..."
    """

    capital: str
    view: str
    sources: list[str] = field(default_factory=list)
    kind: str = "official"
    who: str = ""

    def __post_init__(self):
        if isinstance(self.sources, str):
            self.sources = [self.sources]
        if self.kind not in KINDS:
            raise ValueError(msg.CARD_UNKNOWN_KIND.format(kind=self.kind, kinds=", ".join(KINDS)))
        if self.kind == "analyst" and not str(self.who).strip():
            raise ValueError(msg.CARD_ANALYST_NEEDS_WHO.format(capital=self.capital))
        if not self.who:
            self.who = self.capital
        if not self.sources:
            raise ValueError(msg.CARD_NEEDS_SOURCE.format(who=self.who))
        self.citations = [source(sid) for sid in self.sources]  # raises for unknown ids

    @property
    def label(self) -> str:
        """The heading the card is shown under: the capital, and for analysts who is speaking."""
        if self.kind == "analyst":
            return f"{self.capital}, analyst: {self.who}"
        return self.capital


@dataclass
class Perspectives:
    """A contested question and its cards; shown as text or as HTML cards in a notebook."""

    question: str
    cards: list[Perspective]

    def __str__(self) -> str:
        lines = [self.question]
        for card in self.cards:
            lines.append(f"- {card.label}: {card.view} [{'; '.join('@' + s for s in card.sources)}]")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        cards = []
        for card in self.cards:
            cites = "; ".join(
                f'<a href="#ref-{html.escape(c["id"])}" title="{html.escape(c["citation"])}">'
                f"{html.escape(c['id'])}</a>"
                for c in card.citations
            )
            if card.kind == "analyst":
                style = "flex:1 1 220px;border:2px dashed #555;border-radius:6px;padding:8px;margin:4px"
                head = (
                    f"<strong>{html.escape(card.capital)}</strong> "
                    f'<span class="coursekit-card-kind">· Analyst (not a government position)</span>'
                    f"<br><em>{html.escape(card.who)}</em>"
                )
            else:
                style = "flex:1 1 220px;border:1px solid #999;border-radius:6px;padding:8px;margin:4px"
                head = (
                    f"<strong>{html.escape(card.capital)}</strong> "
                    f'<span class="coursekit-card-kind">· Official line</span>'
                )
            cards.append(
                f'<div class="coursekit-card coursekit-card-{card.kind}" style="{style}">{head}'
                f'<p style="margin:4px 0">{html.escape(card.view)}</p>'
                f"<small>Sources: {cites}</small></div>"
            )
        return (
            f'<div class="coursekit-perspectives"><p><em>{html.escape(self.question)}</em></p>'
            f'<div style="display:flex;flex-wrap:wrap">{"".join(cards)}</div></div>'
        )


def perspectives(question: str, cards: list[Perspective]) -> Perspectives:
    """A set of perspective cards on one question.

    Parameters
    ----------
    question : str
        The contested question.
    cards : list of Perspective
        At least two cards, each with sources; official and analysts' cards may be mixed.

    Returns
    -------
    Perspectives
        Shown as cards in a notebook and as a list in plain text.

    Raises
    ------
    ValueError
        If there are fewer than two cards.

    Examples
    --------
    >>> import coursekit as ck
    >>> deck = ck.perspectives("Whose data?", [
    ...     ck.Perspective("Seoul", "One view.", ["sahashi-2011-eaf"]),
    ...     ck.Perspective("Tokyo", "Another view.", ["usgs-comcat"]),
    ... ])
    >>> type(deck).__name__, len(deck.cards)
    ('Perspectives', 2)
    >>> print(str(deck).splitlines()[0])
    Whose data?
    """
    if len(cards) < 2:
        raise ValueError("A contested question needs at least two perspectives.")
    return Perspectives(question, list(cards))
