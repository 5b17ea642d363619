"""Write the lessons' citations in the form students can read everywhere.

Authors cite a source with its short key, ``[@source-id]`` (several: ``[@a; @b]``). JupyterLab,
JupyterLite and the website would show that key raw, so this script rewrites every key in the
Markdown of ``lessons/*.md`` as an author–date link to the lesson's reference list,
``([Sahashi 2011](#ref-sahashi-2011-eaf))``, and keeps the labels of links already written in
step with the register (two sources with the same author and year get 2019a, 2019b, ...). The
reference list (``ck.references([...])``) gives each entry the anchor ``ref-<id>``. Code cells
and inline code are left alone (a lesson may show the key form to teach it).

Usage::

    python tools/citations.py           # rewrite the lessons in place
    python tools/citations.py --check   # exit 1 if a lesson still needs rewriting
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from coursekit.references import CITE_LINK, cited_ids, code_calls, labels, render_citations

ROOT = Path(__file__).resolve().parents[1]

LESSONS = ROOT / "lessons"
CODE_CELL = re.compile(r"(^```\{code-cell\}.*?^```[ \t]*$)", re.M | re.S)


def lesson_ids(text: str) -> list[str]:
    """The ids a lesson cites: in its Markdown and in its references cell."""
    ids = cited_ids("".join(p for p in CODE_CELL.split(text) if not p.startswith("```{code-cell}")))
    cells = [m.group(0).split("\n", 1)[1].rsplit("```", 1)[0] for m in CODE_CELL.finditer(text)]
    for call in code_calls(cells, "references"):
        try:
            ids += [i for i in ast.literal_eval(call.args[0]) if i not in ids]
        except (ValueError, IndexError):
            continue
    return ids


def rewrite(text: str) -> str:
    names = labels(lesson_ids(text))

    def relabel(match):
        sid = match.group(2)
        return f"[{names.get(sid, match.group(1))}](#ref-{sid})"

    def markdown(part: str) -> str:
        pieces = re.split(r"(`+[^`]*`+)", render_citations(part, names))
        return "".join(p if p.startswith("`") else CITE_LINK.sub(relabel, p) for p in pieces)

    return "".join(p if p.startswith("```{code-cell}") else markdown(p) for p in CODE_CELL.split(text))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report lessons that need rewriting")
    parser.add_argument("paths", nargs="*", type=Path, help="lessons (default: lessons/NN-*.md)")
    args = parser.parse_args(argv)
    stale = []
    for path in args.paths or sorted(LESSONS.glob("[0-9][0-9]*-*.md")):
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            stale.append(path)
            if not args.check:
                path.write_text(new, encoding="utf-8")
    verb = "need rewriting (run python tools/citations.py)" if args.check else "rewritten"
    for path in stale:
        print(f"{path.relative_to(ROOT) if path.is_absolute() else path}: {verb}")
    return 1 if (stale and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
