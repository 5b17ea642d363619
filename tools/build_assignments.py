"""Build nbgrader source notebooks from their MyST Markdown authoring files.

Assignments are written as readable MyST notebooks in ``autograding/authoring/aNN-slug.md``
(outside nbgrader's ``source/``, so the text file never reaches students) and built into
``autograding/source/aNN-slug/aNN-slug.ipynb`` with complete nbgrader metadata and no outputs.

A cell's nbgrader role is given in its YAML options with a short ``nbgrader`` mapping:

- answer cell (autograded code):      ``nbgrader: {grade_id: q1, solution: true}``
- test cell (locked, with points):    ``nbgrader: {grade_id: q1-tests, points: 2}``
- written answer (manually graded):   ``nbgrader: {grade_id: w1, points: 4, solution: true}``
  on a Markdown cell (use ``+++ {"nbgrader": {...}}`` before it)
- read-only instructions:             ``nbgrader: {grade_id: intro, locked: true}``

Usage::

    python tools/build_assignments.py          # build all
    python tools/build_assignments.py --check  # exit 1 if a built notebook is out of date

A parameterised exercise has an ``offering`` block in its YAML header and ``{{name}}`` templates
(``coursekit/grading/offering.py``); this build fills them with the published defaults, and
``coursekit offering new`` with values drawn for a private offering. The same holds for
``authoring/objectives.csv`` (which objective each graded cell assesses), built into
``autograding/objectives.csv``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
AUTHORING = ROOT / "autograding" / "authoring"
SOURCE = ROOT / "autograding" / "source"
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def full_metadata(short: dict, cell_type: str) -> dict:
    """Expand the short nbgrader mapping into nbgrader's schema-3 metadata."""
    points = short.get("points")
    solution = bool(short.get("solution", False))
    grade = points is not None
    locked = bool(short.get("locked", grade and not solution))
    if solution:
        locked = False
    meta = {
        "grade": grade,
        "grade_id": str(short["grade_id"]),
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    if cell_type == "markdown" and grade and not solution:
        raise ValueError(
            f"{short['grade_id']}: a graded Markdown cell must be a written answer (solution: true)"
        )
    return meta


def build(md_path: Path, values: dict | None = None) -> nbformat.NotebookNode:
    """Build one notebook; ``values`` fill the exercise's ``{{templates}}`` (default: published)."""
    warnings.filterwarnings("ignore", message="Cell is missing an id field")
    from coursekit.grading import offering

    if values is None:
        values = offering.exercise(md_path).values()
    nb = jupytext.reads(offering.render_authoring(md_path, values), fmt="md:myst")
    cells = []
    for cell in nb.cells:
        short = cell.metadata.pop("nbgrader", None)
        for key in ("vscode", "editable", "deletable", "jupyter"):
            cell.metadata.pop(key, None)
        if short is not None:
            cell.metadata["nbgrader"] = full_metadata(short, cell.cell_type)
            if cell.metadata["nbgrader"]["locked"]:
                cell.metadata["deletable"] = False
                cell.metadata["editable"] = False
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.pop("id", None)
        cells.append(cell)
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    out.nbformat, out.nbformat_minor = 4, 5
    for i, cell in enumerate(out.cells):
        cell["id"] = f"{md_path.stem[:3]}-{i:02d}"
    return out


def notebook_text(md_path: Path, values: dict | None = None) -> str:
    """The built notebook as stored in ``source/`` (a per-offering variant when ``values`` is given)."""
    return nbformat.writes(build(md_path, values)) + "\n"


def target(md_path: Path) -> Path:
    return SOURCE / md_path.stem / f"{md_path.stem}.ipynb"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check that the built notebooks are current"
    )
    args = parser.parse_args()
    from coursekit.grading import offering

    values = {ex.name: ex.values() for ex in offering.exercises(ROOT)}  # the published values
    built = {
        target(md_path): notebook_text(md_path, values[md_path.stem])
        for md_path in sorted(AUTHORING.glob("a[0-9][0-9]-*.md"))
    }
    # objectives.csv: one row per graded cell and objective, its descriptions filled like the notebooks
    template = (AUTHORING / "objectives.csv").read_text(encoding="utf-8")
    built[ROOT / "autograding" / "objectives.csv"] = offering.render_objectives(template, values)
    stale = []
    for out, text in built.items():
        if args.check:
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                stale.append(str(out.relative_to(ROOT)))
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"built {out.relative_to(ROOT)}")
    if stale:
        print("out of date (run python tools/build_assignments.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
