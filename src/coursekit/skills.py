"""Which Python and pandas constructs each lesson and exercise uses, and where each is taught.

The skills map, ``docs/skills-map.md``, is a Markdown table with one row per construct::

    | skill | how it appears in code | first taught in |
    |---|---|---|
    | `groupby` | `table.groupby("decade").size()` | 00b |

The first column is a machine-readable *construct key*; :func:`constructs_in_code` finds the same
keys by walking the code cells' syntax trees (:mod:`ast`), so the map can be checked against the
course: :func:`skill_violations` reports constructs that a lesson or exercise uses before (in
course order) the lesson that the map says teaches them, and constructs used but missing from the
map. Calls of the course's own helpers (``ck.load``...) are not constructs: lessons explain them.

Examples
--------
>>> sorted(constructs_in_code('t[(t["kind"] == "treaty") & t["year"].between(1951, 1965)]'))
['&-filter', '==', 'between', 'column', 'filter-rows']
>>> sorted(constructs_in_code('f"{x:.1f}"'))
['f-string', 'format-spec']
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Skill",
    "Violation",
    "constructs_in_code",
    "constructs_in_notebook",
    "course_files",
    "course_order",
    "lesson_id",
    "load_skills_map",
    "skill_violations",
    "first_uses",
]

_ROOT = Path(__file__).resolve().parents[2]
_MAP_PATH = _ROOT / "docs" / "skills-map.md"

_BUILTINS = {
    "len",
    "print",
    "round",
    "int",
    "float",
    "str",
    "sorted",
    "range",
    "set",
    "list",
    "dict",
    "zip",
    "enumerate",
    "sum",
    "min",
    "max",
    "abs",
    "any",
    "all",
    "isinstance",
    "tuple",
    "type",
    "bool",
}
_OPERATORS = {
    ast.BitAnd: "&-filter",
    ast.BitOr: "|-filter",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.Div: "/",
    ast.Sub: "-",
    ast.Add: "+",
    ast.Mult: "*",
}
_COMPARISONS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "in",
    ast.Is: "is",
    ast.IsNot: "is",
}
_STATEMENTS = {
    ast.FunctionDef: "def",
    ast.Lambda: "lambda",
    ast.Try: "try-except",
    ast.If: "if",
    ast.For: "for",
    ast.While: "while",
    ast.With: "with",
    ast.ListComp: "list-comprehension",
    ast.DictComp: "dict-comprehension",
    ast.SetComp: "set-comprehension",
    ast.GeneratorExp: "generator",
    ast.JoinedStr: "f-string",
    ast.IfExp: "if-else-expression",
    ast.Assert: "assert",
    ast.Raise: "raise",
    ast.AugAssign: "+=",
}
_COURSE_HELPERS = {"ck", "coursekit"}


def _attribute_chain(node: ast.AST) -> list[str]:
    """``a.b.c`` -> ['a', 'b', 'c'] (the root is '' when it is not a plain name)."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    names.append(node.id if isinstance(node, ast.Name) else "")
    return names[::-1]


def _is_filter(index: ast.AST) -> bool:
    """Is ``table[index]`` a row filter (a condition, or conditions joined with & or |)?"""
    if isinstance(index, ast.Compare):
        return True
    if isinstance(index, ast.BinOp) and isinstance(index.op, (ast.BitAnd, ast.BitOr)):
        return True
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Invert):
        return True
    if isinstance(index, ast.Call) and isinstance(index.func, ast.Attribute):
        return index.func.attr in {"isin", "between", "contains", "notna", "isna", "duplicated"}
    return False


def _visit(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        for kind, key in _STATEMENTS.items():
            if isinstance(node, kind):
                found.add(key)
        if isinstance(node, ast.Import):
            found.add("import-as" if any(a.asname for a in node.names) else "import")
        elif isinstance(node, ast.ImportFrom):
            found.add("from-import")
        elif isinstance(node, ast.Assign):
            found.add("variable")
            if any(isinstance(t, ast.Tuple) for t in node.targets):
                found.add("tuple-unpacking")
            if any(isinstance(t, ast.Subscript) for t in node.targets):
                found.add("new-column")
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            found.add("format-spec")
        elif isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            key = _OPERATORS[type(node.op)]
            if key in {"&-filter", "|-filter", "//", "%", "**"}:
                found.add(key)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            found.add("~-not")
        elif isinstance(node, ast.Compare):
            found.update(_COMPARISONS[type(op)] for op in node.ops if type(op) in _COMPARISONS)
        elif isinstance(node, ast.List):
            found.add("list")
        elif isinstance(node, ast.Dict):
            found.add("dict")
        elif isinstance(node, ast.Set):
            found.add("set")
        elif isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Slice):
                found.add("slice")
            elif isinstance(index, ast.Constant) and isinstance(index.value, str):
                found.add("column")
            elif isinstance(index, ast.List):
                found.add("column-list")
            elif _is_filter(index):
                found.add("filter-rows")
            chain = _attribute_chain(node.value)
            if chain[-1] in {"loc", "iloc", "at", "iat"}:
                found.add("." + chain[-1])
        elif isinstance(node, ast.Attribute):
            chain = _attribute_chain(node)
            if chain[0] in _COURSE_HELPERS and len(chain) == 2:
                continue
            if len(chain) >= 2 and chain[-2] == "dt":
                found.add(".dt." + chain[-1])
            elif len(chain) >= 2 and chain[-2] == "str" and chain[0] not in _COURSE_HELPERS:
                found.add("str." + chain[-1])
            elif node.attr == "days":
                found.add(".days")
            elif node.attr in {"columns", "index", "empty", "values", "shape", "dtype", "name"}:
                found.add("." + node.attr)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _BUILTINS:
                found.add(func.id)
            elif isinstance(func, ast.Attribute):
                chain = _attribute_chain(func)
                if chain[0] in _COURSE_HELPERS and len(chain) == 2:
                    continue  # ck.load(...), ck.show(...): the course's own helpers
                if len(chain) >= 2 and chain[-2] in {"str", "dt"}:
                    continue  # counted as str.* / .dt.* above
                found.add(func.attr)
    return found


def constructs_in_code(code: str) -> set[str]:
    """The construct keys one piece of code uses.

    Parameters
    ----------
    code : str
        Python source (a code cell). IPython magics (lines starting with ``%`` or ``!``) are
        ignored; code that does not parse gives an empty set.

    Returns
    -------
    set of str
        Keys such as ``"groupby"``, ``"merge_asof"``, ``"lambda"``, ``"f-string"``,
        ``"&-filter"``, ``".dt.days"``, ``".iloc"``.

    Examples
    --------
    >>> sorted(constructs_in_code("(b - a).days"))
    ['.days']
    >>> sorted(constructs_in_code("(t['end'] - t['start']).dt.days"))
    ['.dt.days', 'column']
    """
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    return _visit(tree)


def _is_test_cell(cell) -> bool:
    """An exercise's locked test cell (points, no solution): students read it, they do not write it."""
    meta = cell.metadata.get("nbgrader") or {}
    return meta.get("points") is not None and not meta.get("solution")


def _code_cells(path: Path) -> list[str]:
    import jupytext

    nb = jupytext.read(path)
    return [cell.source for cell in nb.cells if cell.cell_type == "code" and not _is_test_cell(cell)]


def constructs_in_notebook(path: str | Path) -> set[str]:
    """The construct keys used in the code cells of a lesson or an exercise authoring file.

    Parameters
    ----------
    path : str or Path
        A MyST Markdown notebook, e.g. ``lessons/02-normalisation-and-history.md`` or
        ``autograding/authoring/a02-normalisation-and-history.md``. In exercises, only the code
        a student writes or reads in order to write counts: set-up cells, solution lines and
        ``#>`` starter lines; test cells do not.

    Returns
    -------
    set of str
    """
    found: set[str] = set()
    for code in _code_cells(Path(path)):
        code = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", code, flags=re.S)
        code = "\n".join(re.sub(r"^(\s*)#> ?", r"\1", line) for line in code.splitlines())
        found |= constructs_in_code(code)
    return {key for key in found if "___" not in key}  # `.dt.___` in starter code is a blank


def lesson_id(path: str | Path) -> str:
    """``lessons/00b-python-for-this-course.md`` -> ``"00b"``; ``a02-...md`` -> ``"a02"``."""
    return Path(path).name.split("-", 1)[0]


def course_files(root: str | Path = _ROOT) -> list[Path]:
    """Lessons and exercise authoring files in course order: 00, 00b, 01, a01, 02, a02...

    An exercise comes right after the lesson it practises (aNN after lesson NN).
    """
    root = Path(root)
    lessons = sorted((root / "lessons").glob("[0-9][0-9]*-*.md"))
    exercises = sorted((root / "autograding" / "authoring").glob("a[0-9][0-9]-*.md"))
    return sorted(lessons + exercises, key=lambda p: course_order(lesson_id(p)))


def course_order(unit: str) -> tuple:
    """A sort key for a lesson or exercise id: 00 < 00b < 01 < a01 < 02 < a02 ...

    Examples
    --------
    >>> sorted(["a01", "01", "00b", "02", "00"], key=course_order)
    ['00', '00b', '01', 'a01', '02']
    """
    match = re.fullmatch(r"(a?)(\d\d)([a-z]?)", unit)
    if not match:
        raise ValueError(f"not a lesson or exercise id: {unit!r}")
    exercise, number, suffix = match.groups()
    return (int(number), suffix, exercise)


@dataclass(frozen=True)
class Skill:
    """One row of the skills map."""

    key: str
    example: str
    taught_in: str


@dataclass(frozen=True)
class Violation:
    """A construct used too early, or not in the map."""

    unit: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.unit}: {self.key}: {self.problem}"


def load_skills_map(path: str | Path = _MAP_PATH) -> dict[str, Skill]:
    """Read the skills map's table into ``{key: Skill}``.

    Parameters
    ----------
    path : str or Path
        ``docs/skills-map.md`` by default.

    Returns
    -------
    dict of str to Skill

    Raises
    ------
    ValueError
        If a key appears twice or a row names no lesson.
    """
    skills: dict[str, Skill] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        inner = line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]  # `\|` is a pipe
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        key = cells[0].strip("`")
        taught = cells[2].split()[0] if cells[2] else ""
        course_order(taught)  # raises on a bad lesson id
        if key in skills:
            raise ValueError(f"the skills map lists {key!r} twice")
        skills[key] = Skill(key, cells[1], taught)
    return skills


def first_uses(files: list[Path] | None = None) -> dict[str, str]:
    """``{construct key: the first lesson or exercise (in course order) that uses it}``."""
    out: dict[str, str] = {}
    for path in files if files is not None else course_files():
        for key in sorted(constructs_in_notebook(path)):
            out.setdefault(key, lesson_id(path))
    return out


def skill_violations(
    files: list[Path] | None = None, skills: dict[str, Skill] | None = None
) -> list[Violation]:
    """Constructs used before the lesson that teaches them, or missing from the skills map.

    Parameters
    ----------
    files : list of Path, optional
        Lessons and exercise authoring files; all of them (:func:`course_files`) by default.
    skills : dict, optional
        The skills map; :func:`load_skills_map` by default.

    Returns
    -------
    list of Violation
        Empty when every construct is taught in or before the first lesson or exercise that
        uses it. The lesson that teaches a construct may itself use it.
    """
    skills = load_skills_map() if skills is None else skills
    problems = []
    for path in files if files is not None else course_files():
        unit = lesson_id(path)
        for key in sorted(constructs_in_notebook(path)):
            skill = skills.get(key)
            if skill is None:
                problems.append(Violation(unit, key, "used but not in the skills map"))
            elif course_order(unit) < course_order(skill.taught_in):
                why = f"used before lesson {skill.taught_in}, which teaches it"
                problems.append(Violation(unit, key, why))
    return problems
