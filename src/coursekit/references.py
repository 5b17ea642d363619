"""Citations: look sources up in the register and render a lesson's references section.

Lessons cite sources in their text as author–date links to the lesson's reference list,
``([Sahashi 2011](#ref-sahashi-2011-eaf))`` (several: ``([A 2010](#ref-a); [B 2011](#ref-b))``), and
end with a cell calling :func:`references` with the same ids; a test keeps the two in step. Authors
may still write the short key ``[@source-id]``; ``python tools/citations.py`` turns every key into
the link form (labels from :func:`labels`), so JupyterLab, JupyterLite, nbgrader feedback and the
website all show a readable citation, never a raw key. :func:`cited_ids` reads both forms.

Examples
--------
>>> import coursekit as ck
>>> ck.source("usgs-comcat")["publisher"]
'U.S. Geological Survey'
>>> refs = ck.references(["usgs-comcat", "wb-wdi-milex"])
>>> len(refs.ids)
2
"""

from __future__ import annotations

import ast
import difflib
import html
import re

from . import _messages as msg
from .data import load

__all__ = [
    "source",
    "references",
    "cited_ids",
    "citation_groups",
    "code_calls",
    "References",
    "label",
    "labels",
    "render_citations",
    "CITATION",
    "CITE_LINK",
    "load_register",
]

CITATION = re.compile(r"\[(@[a-z0-9][a-z0-9-]*(?:\s*;\s*@[a-z0-9][a-z0-9-]*)*)\]")
#: A rendered citation: ``[Author 2011](#ref-source-id)`` (group 1 the label, group 2 the id).
CITE_LINK = re.compile(r"\[([^\[\]]+)\]\(#ref-([a-z0-9][a-z0-9-]*)\)")
_TITLE = r"^(?:(?:Capt|Col|Lt|Gen|Dr|Prof)\.\s+)?"
_INITIALS = re.compile(_TITLE + r"(?:[A-Z][a-z]+\s)+(?:[A-Z]\.\s?)+([A-Z][\w'-]+)")  # Gilbert A. Lewthwaite
_HEAD = re.compile(_TITLE + r"(.+?)(?:\s*\(|,|(?<!\b[A-Z])\.(?:\s|$)|[\"“:;]|\s'|$)")  # up to , . ( " :


def load_register():
    """Return the source register (``datasets/sources.csv``) indexed by source id."""
    return load("sources").set_index("id")


def source(source_id: str) -> dict:
    """One row of the source register as a dict, with a helpful error for an unknown id.

    Parameters
    ----------
    source_id : str
        An id from the register (the ``id`` column of ``load("sources")``).

    Returns
    -------
    dict
        The source's ``id``, ``citation``, ``publisher``, ``date``, ``url`` and ``licence``.

    Raises
    ------
    KeyError
        If the id is not in the register; the message suggests a close id.

    Examples
    --------
    >>> import coursekit as ck
    >>> row = ck.source("sahashi-2011-eaf")
    >>> row["id"], "citation" in row
    ('sahashi-2011-eaf', True)
    >>> ck.source("no-such-source")
    Traceback (most recent call last):
    ...
    KeyError: "'no-such-source' is not in the course's source register..."
    """
    register = load_register()
    if source_id not in register.index:
        close = difflib.get_close_matches(str(source_id), list(register.index), n=1)
        example = close[0] if close else register.index[0]
        raise KeyError(msg.UNKNOWN_SOURCE.format(source_id=source_id, example=example)) from None
    return {"id": source_id, **register.loc[source_id].to_dict()}


_RENDERED_GROUP = re.compile(
    r"\((\[[^\[\]]+\]\(#ref-[a-z0-9][a-z0-9-]*\)(?:;\s*\[[^\[\]]+\]\(#ref-[a-z0-9][a-z0-9-]*\))*)\)"
)


def citation_groups(text: str) -> list[tuple[int, list[str]]]:
    """Every citation group in a text, as ``(offset, [ids])``, in either form lessons use.

    Examples
    --------
    >>> citation_groups("One [@a; @b]; two ([A 2010](#ref-a); [C 2011](#ref-c)).")
    [(4, ['a', 'b']), (18, ['a', 'c'])]
    """
    found = [
        (m.start(), [p.strip().lstrip("@") for p in m.group(1).split(";")]) for m in CITATION.finditer(text)
    ]
    found += [
        (m.start(), re.findall(r"#ref-([a-z0-9][a-z0-9-]*)", m.group(1)))
        for m in _RENDERED_GROUP.finditer(text)
    ]
    return sorted(found)


def cited_ids(text: str) -> list[str]:
    """The source ids cited in a text, as ``[@id]`` keys or ``[Label](#ref-id)`` links, in order
    of first appearance.

    Examples
    --------
    >>> cited_ids("Signed in 1951 [@a-one]; in force 1952 ([B 1952](#ref-b-two); [@a-one]).")
    ['a-one', 'b-two']
    """
    found: list[str] = []
    hits = [
        (m.start(), [p.strip().lstrip("@") for p in m.group(1).split(";")]) for m in CITATION.finditer(text)
    ]
    hits += [(m.start(), [m.group(2)]) for m in CITE_LINK.finditer(text)]
    for _, ids in sorted(hits):
        for sid in ids:
            if sid not in found:
                found.append(sid)
    return found


def _author(citation: str, publisher: str) -> str:
    citation = citation.strip()
    if citation[:1] in "\"'“‘":  # the citation starts with a title: the publisher is the author
        head = publisher.strip()
    else:
        person = _INITIALS.match(citation)  # "Gilbert A. Lewthwaite, ..." -> Lewthwaite
        match = _HEAD.match(citation)
        head = person.group(1) if person else (match.group(1).strip() if match else citation)
        head = "Wikipedia" if head == "Wikipedia contributors" else head
    if len(head) > 40:
        acronym = re.search(r"\(([A-Z][A-Za-z]{1,7})\)", citation)
        short = re.split(r"\s*(?:\(|/|,)\s*", head)[0]  # "Publisher (via ...)" -> "Publisher"
        if acronym:
            head = acronym.group(1)
        else:
            head = short if len(short) <= 40 else " ".join(short.split()[:4]) + "…"
    return head or "Anonymous"


def label(source_id: str) -> str:
    """The author–date label of a source: its author or publisher and year ("n.d." if undated).

    Examples
    --------
    >>> label("sahashi-2011-eaf")
    'Sahashi 2011'
    """
    row = source(source_id)
    year = str(row.get("date") or "")[:4]
    return (
        f"{_author(str(row.get('citation') or ''), str(row.get('publisher') or ''))} "
        f"{year if year.isdigit() else 'n.d.'}"
    )


def labels(ids) -> dict[str, str]:
    """Author–date labels for the sources cited together (in one lesson): two sources with the
    same author and year get ``a``, ``b``... in the order of the reference list.

    Examples
    --------
    >>> labels(["usgs-comcat", "sahashi-2011-eaf"])["sahashi-2011-eaf"]
    'Sahashi 2011'
    """
    register = load_register()
    ids = [sid for sid in dict.fromkeys(ids) if sid in register.index]  # unknown ids keep no label
    rows = {sid: source(sid) for sid in ids}
    base = {sid: label(sid) for sid in ids}
    out = dict(base)
    for name in set(base.values()):
        same = [sid for sid in ids if base[sid] == name]
        if len(same) > 1:
            same.sort(key=lambda s: (str(rows[s]["citation"]).lower(), s))
            for i, sid in enumerate(same):
                letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
                out[sid] = name + ("-" if name.endswith("n.d.") else "") + letter
    return out


def render_citations(text: str, names: dict[str, str], href=lambda sid: f"#ref-{sid}") -> str:
    """Turn every ``[@a; @b]`` key in Markdown text into ``([A 2010](#ref-a); [B 2011](#ref-b))``
    (inline code is left alone); ``names`` maps ids to labels (see :func:`labels`).

    Examples
    --------
    >>> render_citations("Signed [@a] and `[@b]`.", {"a": "Ash 1951"})
    'Signed ([Ash 1951](#ref-a)) and `[@b]`.'
    """

    def one(match):
        ids = [part.strip().lstrip("@") for part in match.group(1).split(";")]
        return "(" + "; ".join(f"[{names.get(i, i)}]({href(i)})" for i in ids) + ")"

    parts = re.split(r"(`+[^`]*`+)", text)
    return "".join(p if p.startswith("`") else CITATION.sub(one, p) for p in parts)


def code_calls(sources, name: str) -> list[ast.Call]:
    """Every call of ``ck.<name>(...)`` or ``<name>(...)`` in some code (cells that do not parse are skipped).

    Examples
    --------
    >>> [c.args[0].value for c in code_calls(["ck.source('a')", "x = (", "source('b')"], "source")]
    ['a', 'b']
    """
    calls = []
    for code in sources:
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if called == name:
                    calls.append(node)
    return calls


class References:
    """A rendered reference list (HTML in notebooks, text elsewhere)."""

    def __init__(self, rows: list[dict]):
        self.labels = labels([r["id"] for r in rows]) if rows else {}
        self.rows = sorted(rows, key=lambda r: (self.labels[r["id"]].lower(), r["citation"].lower()))
        self.ids = [r["id"] for r in self.rows]

    def __str__(self) -> str:
        return "\n".join(
            f"{self.labels[r['id']].rstrip('.')}. {r['citation']} {r['url']} [{r['id']}]" for r in self.rows
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        items = "".join(
            f'<li id="ref-{html.escape(r["id"])}">'
            f"<strong>{html.escape(self.labels[r['id']].rstrip('.'))}.</strong> "
            f'{html.escape(r["citation"])} <a href="{html.escape(r["url"])}" target="_blank" '
            f'rel="noopener">{html.escape(r["url"])}</a> <small>(id <code>{html.escape(r["id"])}</code>; '
            f"{html.escape(r['licence'])})</small></li>"
            for r in self.rows
        )
        return f'<ul class="coursekit-references">{items}</ul>'


def references(ids) -> References:
    """The references section for a list of source ids (unknown ids raise a clear error).

    Parameters
    ----------
    ids : list of str
        Source ids from the register, usually those the lesson cites; repeats are dropped.

    Returns
    -------
    References
        Shown as an HTML list in a notebook and as text elsewhere, sorted by author–date label.

    Raises
    ------
    KeyError
        If an id is not in the register.

    Examples
    --------
    >>> import coursekit as ck
    >>> refs = ck.references(["usgs-comcat", "sahashi-2011-eaf", "usgs-comcat"])
    >>> type(refs).__name__, len(refs.ids)
    ('References', 2)
    >>> sorted(refs.ids)
    ['sahashi-2011-eaf', 'usgs-comcat']
    """
    return References([source(sid) for sid in dict.fromkeys(ids)])
