"""Find each student's submission and check it before anything runs.

Every problem becomes a per-student result; nothing about one student stops the batch.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

__all__ = ["Submission", "check", "find"]

# What nbgrader itself writes beside a submission (submit, collect): never the student's extra files.
_NBGRADER_FILES = {"timestamp.txt", "submission_secret.txt"}

# The cap is on what is graded: cell sources. Stored outputs are discarded before grading, so a
# student who printed a large table before saving is never refused for it; files beyond the read
# cap are refused only because reading them would risk the grader's memory.
MAX_SOURCE_BYTES = 5_000_000
MAX_READ_BYTES = 512_000_000


@dataclass
class Submission:
    student: str
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)  # expected name -> file found
    notebooks: dict[str, object] = field(default_factory=dict)  # expected name -> parsed notebook
    problems: list[str] = field(default_factory=list)  # reasons a notebook could not be graded
    notes: list[str] = field(default_factory=list)  # things worth telling, graded anyway
    timestamp: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.notebooks)


def _near(expected: str, names: list[str]) -> str | None:
    stem = Path(expected).stem
    for name in names:
        bare = re.sub(r"\s*(\(\d+\)|-?\s*copy\d*|_\d+)$", "", Path(name).stem, flags=re.I)
        if bare == stem and name.endswith(".ipynb"):
            return name
    close = difflib.get_close_matches(expected, [n for n in names if n.endswith(".ipynb")], n=1, cutoff=0.8)
    return close[0] if close else None


def check(student: str, folder: Path, expected: list[str]) -> Submission:
    """Check one student's folder against the expected notebook names."""
    sub = Submission(student, folder)
    try:
        present = sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError as err:
        sub.problems.append(f"the submission folder could not be read ({err.strerror})")
        return sub
    stamp = folder / "timestamp.txt"
    if stamp.exists():
        sub.timestamp = stamp.read_text(encoding="utf-8", errors="replace").strip()[:64] or None
    used = set()
    for name in expected:
        chosen = name if name in present else _near(name, present)
        if chosen is None:
            sub.problems.append(f"{name} is missing")
            continue
        if chosen != name:
            sub.notes.append(f"graded {chosen!r} as {name!r} (the file name did not match exactly)")
        used.add(chosen)
        path = folder / chosen
        nb, problem, note = read_notebook(path, chosen)
        if problem:
            sub.problems.append(problem)
            continue
        if note:
            sub.notes.append(note)
        ids = [
            c.metadata.get("nbgrader", {}).get("grade_id")
            for c in nb.cells
            if isinstance(c.metadata.get("nbgrader"), dict)
        ]
        dupes = sorted({i for i in ids if i and ids.count(i) > 1})
        if dupes:
            sub.notes.append(
                f"{chosen}: repeated grade ids {', '.join(map(str, dupes))} (the first copy is graded)"
            )
        bad = [
            c for c in nb.cells if "nbgrader" in c.metadata and not isinstance(c.metadata["nbgrader"], dict)
        ]
        if bad:
            sub.notes.append(
                f"{chosen}: {len(bad)} cell(s) with damaged nbgrader metadata were treated as extra cells"
            )
        sub.files[name] = path
        sub.notebooks[name] = nb
    extra = sorted(set(present) - used - _NBGRADER_FILES)
    if extra:
        sub.notes.append("extra files ignored (never run or copied): " + ", ".join(extra[:10]))
    return sub


def read_notebook(path: Path, shown: str):
    """Read one submitted notebook, outputs dropped: ``(notebook, problem, note)``.

    Notebooks in format 3 are upgraded as nbgrader does; sources are capped, outputs are not counted.
    """
    size = path.stat().st_size
    if size > MAX_READ_BYTES:
        return (
            None,
            (
                f"{shown} is {size / 1e6:.0f} MB, too large to read safely; the instructor can clear its "
                "outputs (jupyter nbconvert --clear-output) and grade it again"
            ),
            "",
        )
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return None, f"{shown} is not a text file (is it really a notebook?)", ""
    except json.JSONDecodeError as err:
        return None, f"{shown} is not valid JSON (line {err.lineno}): the file is damaged", ""
    note = ""
    version = raw.get("nbformat") if isinstance(raw, dict) else None
    if version == 3 and isinstance(raw.get("worksheets"), list):
        for sheet in raw["worksheets"]:
            for cell in sheet.get("cells", []) if isinstance(sheet, dict) else []:
                if isinstance(cell, dict):
                    cell.pop("outputs", None)
                    cell["outputs"] = []
        try:
            raw = json.loads(nbformat.writes(nbformat.reads(json.dumps(raw), as_version=4)))
        except Exception as err:  # noqa: BLE001 - a damaged old notebook is the student's problem only
            return (
                None,
                f"{shown} is an old-format notebook that could not be upgraded ({str(err)[:120]})",
                "",
            )
        note = f"{shown} was upgraded from notebook format 3 to 4 before grading"
        version = 4
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        return None, f"{shown} has no list of cells: it is not a Jupyter notebook", ""
    if version != 4:
        return None, f"{shown} is in notebook format {version!r}; formats 3 and 4 can be graded", ""
    sources = 0
    for cell in raw["cells"]:
        if isinstance(cell, dict):
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
            cell.pop("attachments", None)
            text = cell.get("source", "")
            sources += len(("".join(text) if isinstance(text, list) else str(text)).encode("utf-8"))
    if sources > MAX_SOURCE_BYTES:
        return (
            None,
            (
                f"the cells of {shown} hold {sources / 1e6:.1f} MB of code and text, over the "
                f"{MAX_SOURCE_BYTES / 1e6:.0f} MB any answer needs; the instructor should look at it by hand"
            ),
            "",
        )
    try:
        nb = nbformat.from_dict(raw)
        nb = nbformat.v4.upgrade(nb) if nb.get("nbformat_minor", 0) < 5 else nb
        for cell in nb.cells:
            cell.setdefault("metadata", {})
            cell.setdefault("source", "")
            if isinstance(cell.source, list):
                cell.source = "".join(cell.source)
            if cell.get("cell_type") not in {"code", "markdown", "raw"}:
                raise ValueError(f"unknown cell type {cell.get('cell_type')!r}")
    except Exception as err:  # noqa: BLE001 - any malformed structure is the student's problem only
        return None, f"{shown} is not a valid notebook ({str(err)[:120]})", ""
    return nb, "", note


def find(course: Path, assignment: str, expected: list[str]) -> list[Submission]:
    """Every ``submitted/<student>/<assignment>/`` folder, checked."""
    root = course / "submitted"
    out = []
    if not root.is_dir():
        return out
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        folder = student_dir / assignment
        if folder.is_dir():
            out.append(check(student_dir.name, folder, expected))
    return out
