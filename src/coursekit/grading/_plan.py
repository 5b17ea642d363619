"""Rebuild a submission around the instructor's source notebook.

The graded notebook always takes its structure, setup and tests from the instructor's source:
only the answer cells (matched by nbgrader ``grade_id``) and any extra cells the student added
come from the submission. A deleted, edited or re-typed test cell, a pasted cell with stale
metadata, or a duplicated grade id therefore changes nothing about what is tested.
"""

from __future__ import annotations

import ast
import builtins
import copy
import threading
from dataclasses import dataclass, field

import nbformat

__all__ = ["STUB", "WRITTEN_STUB", "Plan", "Test", "Written", "build_plan", "role"]

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
WRITTEN_STUB = "YOUR ANSWER HERE"


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def role(cell) -> str:
    """answer, written, test, setup (code) or text (markdown) for a source cell."""
    meta = _meta(cell)
    if meta.get("solution"):
        return "answer" if cell.cell_type == "code" else "written"
    if meta.get("grade"):
        return "test" if cell.cell_type == "code" else "text"
    return "setup" if cell.cell_type == "code" else "text"


def _parse(source: str) -> ast.AST:
    """``ast.parse``, retried once on a fresh thread if this thread's parser state is corrupt.

    CPython 3.11 before 3.11.5 can leave a thread's AST recursion counter wrong after an earlier
    failure and then raise ``SystemError: AST constructor recursion depth mismatch`` for valid code
    (gh-106905); a new thread starts with a clean counter.
    """
    try:
        return ast.parse(source)
    except SystemError:
        box: list = []

        def again() -> None:
            try:
                box.append(ast.parse(source))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
                box.append(exc)

        worker = threading.Thread(target=again)
        worker.start()
        worker.join()
        if isinstance(box[0], BaseException):
            raise box[0] from None
        return box[0]


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names read, names bound) in a piece of code; empty sets if it does not parse."""
    try:
        tree = _parse(source)
    except SyntaxError:
        return set(), set()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return read, bound


@dataclass
class Test:
    grade_id: str
    source: str
    points: float
    after: int  # index of the step whose snapshot holds the values this test reads (-1: none)
    names: list[str]


@dataclass
class Written:
    grade_id: str
    text: str
    points: float
    answered: bool


@dataclass
class Plan:
    steps: list[dict]
    tests: list[Test]
    written: list[Written]
    setup_source: list[str]
    cells: list  # the rebuilt notebook's cells, in order, each tagged with its step or test
    notes: list[str] = field(default_factory=list)


def build_plan(source_nb, student_nb) -> Plan:
    """Match the student's answers to the source and lay out what runs where."""
    notes: list[str] = []
    source_roles = {_meta(c).get("grade_id"): role(c) for c in source_nb.cells if _meta(c).get("grade_id")}
    answers: dict[str, object] = {}
    extras_after: dict[str | None, list[str]] = {}
    anchor = None
    for cell in student_nb.cells:
        gid = _meta(cell).get("grade_id")
        kind = source_roles.get(gid) if isinstance(gid, str) else None
        if kind in {"answer", "written"}:
            wanted = "code" if kind == "answer" else "markdown"
            if gid in answers:
                notes.append(f"grade id {gid!r} appears more than once; the first copy was graded")
                if cell.cell_type == "code":
                    extras_after.setdefault(anchor, []).append(cell.source)
                continue
            if cell.cell_type != wanted:
                # As nbgrader does, the cell type comes from the source: the answer is graded as written.
                notes.append(
                    f"repaired: the answer cell {gid!r} had been changed to a {cell.cell_type} cell; "
                    f"it was graded as the {wanted} cell it is in the assignment"
                )
            answers[gid] = cell.source
            anchor = gid
        elif kind is not None:
            anchor = gid  # a copy of a locked cell: the instructor's version is used instead
        elif cell.cell_type == "code" and cell.source.strip():
            extras_after.setdefault(anchor, []).append(cell.source)
    missing = [
        gid for gid, kind in source_roles.items() if kind in {"answer", "written"} and gid not in answers
    ]
    if missing:
        notes.append("answer cells not found (deleted or renamed?): " + ", ".join(missing))

    setup_bound: set[str] = set()
    for cell in source_nb.cells:
        if role(cell) == "setup":
            setup_bound |= _names(cell.source)[1]

    steps: list[dict] = []
    tests: list[Test] = []
    written: list[Written] = []
    cells = []
    setup_source = []
    for cell in [None] + list(source_nb.cells):  # None: extras placed before any grade id
        if cell is not None:
            meta, kind = _meta(cell), role(cell)
            gid = meta.get("grade_id")
            new = copy.deepcopy(cell)
            if kind == "setup":
                steps.append({"kind": "setup", "grade_id": gid, "source": cell.source, "export": []})
                setup_source.append(cell.source)
                cells.append((new, len(steps) - 1, None))
            elif kind == "answer":
                new.source = answers.get(gid, STUB)
                steps.append({"kind": "answer", "grade_id": gid, "source": new.source, "export": []})
                cells.append((new, len(steps) - 1, None))
            elif kind == "written":
                text = answers.get(gid, WRITTEN_STUB)
                new.source = text
                answered = bool(text.strip()) and text.strip() != WRITTEN_STUB
                written.append(Written(gid, text, float(meta.get("points", 0) or 0), answered))
                cells.append((new, None, None))
            elif kind == "test":
                read, bound = _names(cell.source)
                wanted = sorted(n for n in read - bound - setup_bound if not hasattr(builtins, n))
                test = Test(gid, cell.source, float(meta.get("points", 0) or 0), len(steps) - 1, wanted)
                tests.append(test)
                cells.append((new, None, test))
            else:
                cells.append((new, None, None))
            anchor = gid
        else:
            anchor = None
        for extra in extras_after.pop(anchor, []):
            steps.append({"kind": "extra", "grade_id": None, "source": extra, "export": []})
            cells.append((nbformat.v4.new_code_cell(extra), len(steps) - 1, None))
    for test in tests:
        if test.after >= 0:
            export = steps[test.after]["export"]
            export.extend(n for n in test.names if n not in export)
    return Plan(steps, tests, written, setup_source, cells, notes)
