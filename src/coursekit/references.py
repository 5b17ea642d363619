"""Citations: look sources up in the register and render a lesson's references section.

Lessons cite sources in their text as ``[@source-id]`` (several: ``[@id-one; @id-two]``) and end
with a cell calling :func:`references` with the same ids; a test keeps the two in step.

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

from . import messages as msg
from .data import load

__all__ = ["source", "references", "cited_ids", "code_calls", "References"]

CITATION = re.compile(r"\[(@[a-z0-9][a-z0-9-]*(?:\s*;\s*@[a-z0-9][a-z0-9-]*)*)\]")


def _register():
    return load("sources").set_index("id")


def source(source_id: str) -> dict:
    """One row of the source register as a dict, with a helpful error for an unknown id."""
    register = _register()
    if source_id not in register.index:
        close = difflib.get_close_matches(str(source_id), list(register.index), n=1)
        example = close[0] if close else register.index[0]
        raise KeyError(msg.UNKNOWN_SOURCE.format(source_id=source_id, example=example)) from None
    return {"id": source_id, **register.loc[source_id].to_dict()}


def cited_ids(text: str) -> list[str]:
    """The source ids cited as ``[@id]`` in a text, in order of first appearance.

    Examples
    --------
    >>> cited_ids("Signed in 1951 [@a-one]; in force 1952 [@b-two; @a-one].")
    ['a-one', 'b-two']
    """
    found: list[str] = []
    for group in CITATION.findall(text):
        for part in group.split(";"):
            sid = part.strip().lstrip("@")
            if sid not in found:
                found.append(sid)
    return found


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
        self.rows = sorted(rows, key=lambda r: r["citation"].lower())
        self.ids = [r["id"] for r in self.rows]

    def __str__(self) -> str:
        return "\n".join(f"[{r['id']}] {r['citation']} {r['url']}" for r in self.rows)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        items = "".join(
            f'<li id="ref-{html.escape(r["id"])}"><code>{html.escape(r["id"])}</code> '
            f'{html.escape(r["citation"])} <a href="{html.escape(r["url"])}" target="_blank" '
            f'rel="noopener">{html.escape(r["url"])}</a> <small>({html.escape(r["licence"])})</small></li>'
            for r in self.rows
        )
        return f'<ol class="coursekit-references">{items}</ol>'


def references(ids) -> References:
    """The references section for a list of source ids (unknown ids raise a clear error)."""
    return References([source(sid) for sid in dict.fromkeys(ids)])
