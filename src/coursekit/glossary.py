"""Look terms up in the trilingual glossary (English, Korean, Japanese).

Examples
--------
>>> import coursekit as ck
>>> table = ck.glossary_search("zzzz-no-such-term")
>>> len(table)
0
"""

from __future__ import annotations

import difflib

import pandas as pd

from . import _messages as msg
from .data import load

__all__ = ["glossary", "glossary_search"]

_COLUMNS = ["term_en", "term_ko", "term_ko_romanized", "term_ja", "term_ja_romanized", "definition"]


def glossary(ids) -> pd.DataFrame:
    """The glossary entries for some term ids, in the order given (e.g. ``["gsomia", "acsa"]``).

    Parameters
    ----------
    ids : str or list of str
        One term id or several, as in the ``id`` column of ``load("glossary")``.

    Returns
    -------
    DataFrame
        One row per id, indexed by id, with the English, Korean and Japanese terms (and
        romanisations) and the definition.

    Raises
    ------
    KeyError
        If an id is not in the glossary; the message suggests close ids.

    Examples
    --------
    >>> import coursekit as ck
    >>> terms = ck.glossary(["gsomia", "acsa"])
    >>> list(terms.index)
    ['gsomia', 'acsa']
    >>> "term_ko" in terms.columns
    True
    >>> ck.glossary("gsomiaa")
    Traceback (most recent call last):
    ...
    KeyError: "The glossary has no term 'gsomiaa'. Did you mean: gsomia?..."
    """
    if isinstance(ids, str):
        ids = [ids]
    table = load("glossary").set_index("id")
    for term in ids:
        if term not in table.index:
            close = difflib.get_close_matches(str(term).lower(), list(table.index), n=3)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise KeyError(msg.UNKNOWN_TERM.format(term=term, hint=hint)) from None
    return table.loc[list(ids), _COLUMNS]


def glossary_search(word: str) -> pd.DataFrame:
    """Entries whose term (in any language) or definition contains ``word``."""
    table = load("glossary")
    text = table[["id"] + _COLUMNS].fillna("").astype(str).agg(" ".join, axis=1).str.casefold()
    return table[text.str.contains(str(word).casefold(), regex=False)].set_index("id")[_COLUMNS]
