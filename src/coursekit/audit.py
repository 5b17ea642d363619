"""``coursekit audit``: what each lesson asks of a class, and every gap the course's rules forbid.

The audit reads the checkout statically (no lesson is executed): the lessons' Markdown sources,
the exercises' authoring files, the instructors' notes and the skills map. Per lesson it reports
minutes by kind, self-checks by level, discussion prompts with and without model points, skills
first taught and first used there, figures shown with a description, and citations. Each rule
that fails becomes a *gap*; ``coursekit audit`` exits non-zero when there is any.

Rules (the course's own, see ``docs/lesson-template.md`` and ``instructors/README.md``):

- every lesson states ``**Estimated time:** N minutes: teaching a, practice b, discussion c``
  with a + b + c = N, and every exercise states ``**Expected time:** N minutes``;
- every self-check declares a valid ``level``; in lessons 03-10 at least 40 % are
  ``interpret`` or ``evaluate``;
- every discussion prompt ``**NN-dK.**`` has model points under ``### NN-dK`` in
  ``instructors/notes/``, citing at least one source;
- no lesson uses a code construct before the lesson that teaches it (``docs/skills-map.md``);
- every figure is displayed with ``ck.show`` (which prints its text description);
- every cited source id exists in the register.

Examples
--------
>>> report = audit(course_root())                            # doctest: +SKIP
>>> report.gaps                                              # doctest: +SKIP
[]
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "LEVELS",
    "LessonAudit",
    "Audit",
    "audit",
    "course_root",
    "JUDGEMENT",
    "EXERCISE_TIME",
    "PROMPT",
    "NOTE_HEADING",
]

LEVELS = ("recall", "compute", "interpret", "evaluate")
JUDGEMENT = ("interpret", "evaluate")
_JUDGEMENT_SHARE = 0.4
_JUDGEMENT_FROM = "03"

_TIME_LINE = re.compile(
    r"^\*\*Estimated time:\*\*\s*(\d+) minutes: teaching (\d+), practice (\d+), discussion (\d+)\s*$", re.M
)
EXERCISE_TIME = re.compile(r"\*\*Expected time:\*\*\s*(\d+) minutes")
PROMPT = re.compile(r"^\s*\d+\.\s+\*\*(\d\d[a-z]?-d\d+)\.\*\*", re.M)
NOTE_HEADING = re.compile(r"^###\s+(\d\d[a-z]?-d\d+)\s*$", re.M)
_FIGURE_BUILDERS = ("timeline_figure", "bar_chart", "line_chart", "scatter_chart")


@dataclass
class LessonAudit:
    """The audit of one lesson (all counts are read from its source)."""

    lesson: str
    minutes: dict = field(default_factory=dict)
    selfchecks: dict = field(default_factory=dict)
    prompts: list = field(default_factory=list)
    prompts_with_notes: list = field(default_factory=list)
    skills_taught: list = field(default_factory=list)
    skills_first_used: list = field(default_factory=list)
    figures: int = 0
    figures_described: int = 0
    citations: int = 0
    sources: int = 0
    gaps: list = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.lesson.split("-", 1)[0]


@dataclass
class Audit:
    """The whole course's audit: one :class:`LessonAudit` per lesson plus exercise times."""

    lessons: list
    exercises: dict
    gaps: list

    def to_json(self) -> str:
        return json.dumps(
            {
                "lessons": [asdict(lesson) for lesson in self.lessons],
                "exercises": self.exercises,
                "gaps": self.gaps,
            },
            ensure_ascii=False,
            indent=1,
        )

    def table(self) -> str:
        """The summary table: one row per lesson, then totals."""
        head = (
            "lesson",
            "min",
            "teach",
            "pract",
            "disc",
            "recall",
            "comp",
            "interp",
            "eval",
            "prompts",
            "w/notes",
            "taught",
            "figs",
            "desc",
            "cites",
        )
        rows = []
        for a in self.lessons:
            m, s = a.minutes, a.selfchecks
            rows.append(
                (
                    a.lesson[:32],
                    m.get("total", "?"),
                    m.get("teaching", "?"),
                    m.get("practice", "?"),
                    m.get("discussion", "?"),
                    s.get("recall", 0),
                    s.get("compute", 0),
                    s.get("interpret", 0),
                    s.get("evaluate", 0),
                    len(a.prompts),
                    len(a.prompts_with_notes),
                    len(a.skills_taught),
                    a.figures,
                    a.figures_described,
                    a.citations,
                )
            )
        totals = ["total"]
        for i in range(1, len(head)):
            values = [r[i] for r in rows]
            totals.append(sum(v for v in values if isinstance(v, int)))
        rows.append(tuple(totals))
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

        def line(r):
            return "  ".join(
                str(x).rjust(w) if i else str(x).ljust(w)
                for i, (x, w) in enumerate(zip(r, widths, strict=True))
            )

        out = [line(head), line(["-" * w for w in widths])] + [line(r) for r in rows]
        ex = ", ".join(f"{k.split('-')[0]} {v if v is not None else '?'}" for k, v in self.exercises.items())
        out.append(f"exercises (expected minutes): {ex}")
        return "\n".join(out)

    def text(self) -> str:
        gaps = "\n".join(f"  - {g}" for g in self.gaps) or "  none"
        return f"{self.table()}\n\ngaps the course's rules forbid ({len(self.gaps)}):\n{gaps}"


def course_root(start: Path | None = None) -> Path:
    """The checkout that holds ``lessons/`` (searched upwards from ``start`` or the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "lessons").is_dir() and (folder / "datasets").is_dir():
            return folder
    raise FileNotFoundError(
        f"No course checkout found at or above {here}: run `coursekit audit` inside the course folder "
        "(the one with lessons/ and datasets/), or pass --root."
    )


def _cells(path: Path) -> tuple[list[str], list[str]]:
    """The Markdown text and the code cells of a MyST lesson (read with jupytext)."""
    import jupytext

    nb = jupytext.read(path)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    return markdown, code


def _calls(code: list[str], name: str) -> list[ast.Call]:
    from .references import code_calls

    return code_calls(code, name)


def _selfcheck_levels(code: list[str]) -> tuple[dict, list[str]]:
    counts = dict.fromkeys(LEVELS, 0)
    problems = []
    for call in _calls(code, "SelfCheck"):
        qid = call.args[0].value if call.args and isinstance(call.args[0], ast.Constant) else "?"
        level = next((k.value for k in call.keywords if k.arg == "level"), None)
        value = level.value if isinstance(level, ast.Constant) else None
        if value in counts:
            counts[value] += 1
        else:
            problems.append(f"self-check {qid} has no valid level (one of {', '.join(LEVELS)})")
    return counts, problems


def _figures(code: list[str]) -> tuple[int, int]:
    """Figures built by the course's builders, and how many are displayed through ``ck.show``."""
    built = sum(len(_calls(code, name)) for name in _FIGURE_BUILDERS)
    shown = len(_calls(code, "show"))
    bare = 0
    for source in code:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "show"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id not in ("ck", "coursekit")
            ):
                bare += 1
    return max(built, shown) + bare, shown


def _citation_count(text: str) -> int:
    """How many citations a text makes (``[@a; @b]`` counts two)."""
    from .references import citation_groups

    return sum(len(ids) for _, ids in citation_groups(text))


def _model_points(root: Path) -> dict[str, str]:
    """Prompt id -> the text of its model points, from every file in ``instructors/notes/``."""
    found: dict[str, str] = {}
    for path in sorted((root / "instructors" / "notes").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        heads = list(NOTE_HEADING.finditer(text))
        for i, head in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            body = text[head.end() : end]
            body = re.split(r"^#{1,3}\s", body, maxsplit=1, flags=re.M)[0]
            found[head.group(1)] = body.strip()
    return found


def _skills(root: Path, lessons: list[Path]) -> tuple[dict, dict, list[str]]:
    """Per lesson id: skills first taught, skills first used; and skill-order violations."""
    from . import skills

    path = root / "docs" / "skills-map.md"
    if not path.exists():
        return {}, {}, ["no skills map at docs/skills-map.md"]
    smap = skills.load_skills_map(path)
    files = skills.course_files(root)
    taught: dict[str, list[str]] = {}
    for key, skill in sorted(smap.items()):
        taught.setdefault(skill.taught_in, []).append(key)
    first: dict[str, list[str]] = {}
    for key, unit in sorted(skills.first_uses(files).items()):
        first.setdefault(unit, []).append(key)
    return taught, first, [f"skills: {v}" for v in skills.skill_violations(files, smap)]


def audit(root: Path | None = None) -> Audit:
    """Audit the course checkout at ``root`` (default: found from the working directory)."""
    from .data import load
    from .references import cited_ids

    root = course_root(root)
    lessons = sorted((root / "lessons").glob("[0-9][0-9]*-*.md"))
    register = set(load("sources")["id"])
    notes = _model_points(root)
    taught, first_used, skill_gaps = _skills(root, lessons)
    results, gaps = [], list(skill_gaps)
    for path in lessons:
        a = LessonAudit(lesson=path.stem)
        markdown, code = _cells(path)
        text = "\n".join(markdown)
        m = _TIME_LINE.search(text)
        if m:
            total, teach, practice, discuss = map(int, m.groups())
            a.minutes = {"total": total, "teaching": teach, "practice": practice, "discussion": discuss}
            if teach + practice + discuss != total:
                a.gaps.append(f"time line adds up to {teach + practice + discuss}, not {total}")
        else:
            a.gaps.append(
                "no time line ('**Estimated time:** N minutes: teaching a, practice b, discussion c')"
            )
        a.selfchecks, problems = _selfcheck_levels(code)
        a.gaps.extend(problems)
        n_checks = sum(a.selfchecks.values())
        judged = sum(a.selfchecks[k] for k in JUDGEMENT)
        if a.number >= _JUDGEMENT_FROM and n_checks and judged / n_checks < _JUDGEMENT_SHARE:
            a.gaps.append(
                f"only {judged} of {n_checks} self-checks are interpret or evaluate "
                f"(at least {_JUDGEMENT_SHARE:.0%} needed from lesson {_JUDGEMENT_FROM} on)"
            )
        a.prompts = PROMPT.findall(text)
        for pid in a.prompts:
            body = notes.get(pid, "")
            if body and cited_ids(body):
                a.prompts_with_notes.append(pid)
            elif body:
                a.gaps.append(f"model points for {pid} cite no source")
            else:
                a.gaps.append(f"discussion prompt {pid} has no model points in instructors/notes/")
        if not a.prompts:
            a.gaps.append("no discussion prompts with ids ('**NN-dK.**')")
        a.skills_taught = taught.get(a.number, [])
        a.skills_first_used = first_used.get(a.number, [])
        a.figures, a.figures_described = _figures(code)
        if a.figures_described < a.figures:
            a.gaps.append(
                f"{a.figures - a.figures_described} figure(s) shown without ck.show (no description)"
            )
        ids = cited_ids(text)
        a.citations, a.sources = _citation_count(text), len(ids)
        unknown = [i for i in ids if i not in register]
        if unknown:
            a.gaps.append(f"cites ids missing from the register: {', '.join(unknown)}")
        gaps.extend(f"{a.lesson}: {g}" for g in a.gaps)
        results.append(a)
    exercises = {}
    for path in sorted((root / "autograding" / "authoring").glob("a[0-9][0-9]-*.md")):
        m = EXERCISE_TIME.search(path.read_text(encoding="utf-8"))
        exercises[path.stem] = int(m.group(1)) if m else None
        if not m:
            gaps.append(f"{path.stem}: no '**Expected time:** N minutes' line")
    return Audit(lessons=results, exercises=exercises, gaps=gaps)
