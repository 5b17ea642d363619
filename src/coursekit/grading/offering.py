"""Per-offering variants of the graded exercises: ``coursekit offering new DIR --seed S``.

The public course publishes every solution and hidden test in ``autograding/source/``. An
offering is a *private* nbgrader course folder made from the public one in which each
parameterised exercise asks about other periods, treaties, years or thresholds, drawn from a
seed, with its solutions and hidden tests regenerated to match. The published solutions then
lose points on it.

An exercise is parameterised in the YAML header of its authoring file
(``autograding/authoring/aNN-slug.md``), under ``offering``::

    offering:
      params:
        hub_year:
          about: the year of Question 3's ratio
          default: 1965                 # the published value
          values: [1965, 1960, 1970]    # every allowed value, the default among them
      derive: |
        # Python run on the course data with the parameters as variables; every name it
        # defines (not starting with _) can be used in the templates
        hub_ratio = ...
      check:
        - hub_ratio > 10                # must hold for every allowed value

and the text uses ``{{hub_year}}``, ``{{hub_ratio}}`` or, for a parameter whose values are
mappings, ``{{treaty.id}}``. The typical wrong answers (``authoring/wrong/aNN-slug.json``) use
the same names. Built with the defaults, the text is the published notebook, byte for byte
(``tools/build_assignments.py --check``). The header never reaches a notebook: the build replaces
the notebook metadata.

Examples
--------
>>> from coursekit.grading import offering
>>> offering.render("year {{y}}, id {{t.id}}", {"y": 1965, "t": {"id": "ag-1"}})
'year 1965, id ag-1'
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import re
import shutil
import subprocess
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Exercise",
    "exercise",
    "exercises",
    "render",
    "draw",
    "values_for",
    "wrong_answers",
    "build_notebook",
    "new",
    "repo_root",
    "RECORD",
    "render_authoring",
    "render_objectives",
]

RECORD = "offering.json"
"""Name of the file, at the top of an offering folder, that records its seed and parameters."""

_NAME = re.compile(r"\{\{\s*([A-Za-z_]\w*(?:\.\w+)*)\s*\}\}")


def repo_root() -> Path:
    """Return the public course checkout this module belongs to.

    Returns
    -------
    Path
        The folder holding ``autograding/`` and ``tools/``.
    """
    return Path(__file__).resolve().parents[3]


def _front_matter(text: str) -> tuple[dict, str, str]:
    """Split a MyST file into (header mapping, header text, body)."""
    import yaml  # with jupytext, in the course environment

    if not text.startswith("---\n"):
        return {}, "", text
    end = text.index("\n---\n", 4) + len("\n---\n")
    head = text[:end]
    return yaml.safe_load(head[4:-5]) or {}, head, text[end:]


def _format(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict, bool)) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def render(text: str, values: dict[str, Any]) -> str:
    """Replace every ``{{name}}`` (or ``{{name.key}}``) in ``text`` by its value.

    Parameters
    ----------
    text : str
        Template text.
    values : dict
        Parameter and derived values; a ``name.key`` looks up ``key`` in the mapping ``name``.

    Returns
    -------
    str
        Strings are inserted as they are, lists and mappings as JSON, numbers with ``repr``.

    Raises
    ------
    KeyError
        If a name is not defined: a misspelt name never reaches a notebook unnoticed.
    """

    def one(match: re.Match) -> str:
        head, *keys = match.group(1).split(".")
        if head not in values:
            raise KeyError(f"template name {{{{{match.group(1)}}}}} is not a parameter or derived value")
        value = values[head]
        for key in keys:
            value = value[key]
        return _format(value)

    return _NAME.sub(one, text)


@dataclass
class Exercise:
    """One authoring file and its parameter block.

    Attributes
    ----------
    name : str
        The assignment, e.g. ``a01-hub-and-spokes``.
    path : Path
        The authoring file.
    params : dict
        ``{name: {"default": value, "values": [...], "about": text}}``; empty if not parameterised.
    derive : str
        Python code computing derived values from the data and the parameters.
    checks : list of str
        Expressions that must be true for every allowed value (the question stays meaningful).
    """

    name: str
    path: Path
    params: dict = field(default_factory=dict)
    derive: str = ""
    checks: list = field(default_factory=list)

    @property
    def defaults(self) -> dict[str, Any]:
        """The published value of every parameter."""
        return {k: spec["default"] for k, spec in self.params.items()}

    def values(self, chosen: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the parameters (defaults unless ``chosen``) with every derived value.

        Parameters
        ----------
        chosen : dict, optional
            Parameter values; missing ones take their default. Each must be an allowed value.

        Returns
        -------
        dict
            Parameters and derived values, for :func:`render`.

        Raises
        ------
        ValueError
            If a value is not allowed or a check fails on it.
        """
        params = {**self.defaults, **(chosen or {})}
        for key, value in params.items():
            if key not in self.params:
                raise ValueError(f"{self.name}: no parameter {key!r}")
            if value not in self.params[key]["values"]:
                raise ValueError(f"{self.name}: {value!r} is not an allowed value of {key}")
        if not self.derive and not self.checks:
            return params
        import pandas as pd

        import coursekit as ck

        space: dict[str, Any] = {"pd": pd, "ck": ck, "json": json, **params}
        exec(compile(self.derive, f"<{self.name} derive>", "exec"), space)
        for check in self.checks:
            if not eval(check, space):
                raise ValueError(f"{self.name}: check {check!r} fails for {params}")
        derived = {
            k: v
            for k, v in space.items()
            if not k.startswith("_") and k not in ("pd", "ck", "json") and not isinstance(v, types.ModuleType)
        }
        return {**derived, **params}


def exercise(path: Path) -> Exercise:
    """Read the parameter block of one authoring file.

    Parameters
    ----------
    path : Path
        ``autograding/authoring/aNN-slug.md``.

    Returns
    -------
    Exercise
    """
    head, _, _ = _front_matter(path.read_text(encoding="utf-8"))
    block = head.get("offering") or {}
    params = block.get("params") or {}
    for key, spec in params.items():
        if spec["default"] not in spec["values"]:
            raise ValueError(f"{path.name}: the default of {key} is not among its values")
    return Exercise(path.stem, path, params, block.get("derive", ""), list(block.get("check") or []))


def exercises(root: Path | None = None) -> list[Exercise]:
    """Every exercise of the public course, parameterised or not, in order."""
    authoring = (root or repo_root()) / "autograding" / "authoring"
    return [exercise(p) for p in sorted(authoring.glob("a[0-9][0-9]-*.md"))]


def render_authoring(path: Path, values: dict[str, Any]) -> str:
    """Return the authoring file's text with its templates filled (its header unchanged)."""
    text = path.read_text(encoding="utf-8")
    block, head, body = _front_matter(text)
    if "offering" not in block:
        return text  # not parameterised: no templates to fill
    return head + render(body, values)


def render_objectives(template: str, values: dict[str, dict[str, Any]]) -> str:
    """Return ``objectives.csv`` with each row's description filled for its own exercise.

    Parameters
    ----------
    template : str
        The text of ``autograding/authoring/objectives.csv``: one row per graded cell and objective,
        whose description ("what it assesses") may use the exercise's ``{{name}}`` templates.
    values : dict
        ``{assignment: values}`` (``Exercise.values``); an assignment missing here keeps its text.

    Returns
    -------
    str
        CSV text; built with the published values it is ``autograding/objectives.csv``.
    """
    rows = list(csv.reader(io.StringIO(template)))
    for row in rows[1:]:
        if row and row[0] in values:
            row[3] = render(row[3], values[row[0]])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def wrong_answers(path: Path, values: dict[str, Any]) -> str:
    """Return the typical wrong answers file ``path`` (JSON) with its templates filled.

    Without ``values`` (an exercise that is not parameterised) the text is returned unchanged.
    """
    text = path.read_text(encoding="utf-8")
    return render(text, values) if values else text


def _builder(root: Path):
    path = root / "tools" / "build_assignments.py"
    spec = importlib.util.spec_from_file_location("build_assignments", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_notebook(ex: Exercise, chosen: dict[str, Any] | None = None, root: Path | None = None) -> str:
    """Build the nbgrader source notebook of one exercise with the given parameters.

    Parameters
    ----------
    ex : Exercise
    chosen : dict, optional
        Parameter values (defaults: the published notebook).
    root : Path, optional
        The public course checkout.

    Returns
    -------
    str
        The notebook as written to ``source/aNN/aNN.ipynb``.
    """
    builder = _builder(root or repo_root())
    return builder.notebook_text(ex.path, ex.values(chosen))


def draw(seed: str, exs: list[Exercise]) -> dict[str, dict[str, Any]]:
    """Draw every parameter from the seed, never its published value.

    Parameters
    ----------
    seed : str
        The offering's seed; the same seed always gives the same draw.
    exs : list of Exercise

    Returns
    -------
    dict
        ``{assignment: {parameter: value}}`` for the parameterised exercises.
    """
    out = {}
    for ex in exs:
        if not ex.params:
            continue
        chosen = {}
        for key, spec in ex.params.items():
            others = [v for v in spec["values"] if v != spec["default"]] or spec["values"]
            chosen[key] = random.Random(f"{seed}/{ex.name}/{key}").choice(others)
        out[ex.name] = chosen
    return out


def values_for(ex: Exercise) -> list[dict[str, Any]]:
    """Parameter sets covering every allowed value of every parameter at least once.

    The i-th set takes the i-th value of each parameter (the last one again when a parameter has
    fewer), so each value is proven without building every combination: the course's
    parameters change different questions.
    """
    if not ex.params:
        return []
    n = max(len(spec["values"]) for spec in ex.params.values())
    return [
        {k: spec["values"][min(i, len(spec["values"]) - 1)] for k, spec in ex.params.items()}
        for i in range(n)
    ]


def _commit(root: Path) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30
        )
    except OSError:
        return None
    return proc.stdout.strip() or None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def new(target: Path, seed: str, root: Path | None = None) -> dict:
    """Write a private offering (an nbgrader course folder) at ``target``.

    Parameters
    ----------
    target : Path
        A folder outside the public repository; it must not exist or be empty.
    seed : str
        The seed the parameters are drawn from. It is recorded in ``target/offering.json``.
    root : Path, optional
        The public course checkout (default: the one this module belongs to).

    Returns
    -------
    dict
        The record written to ``offering.json``: the seed, the parameters of each parameterised
        assignment, their published values, and the checkout (folder and git commit) it came from.

    Raises
    ------
    ValueError
        If ``target`` is inside the public repository (or any copy of it), holds it, or is a
        non-empty folder.
    """
    root = (root or repo_root()).resolve()
    target = Path(target).expanduser().resolve()
    clone = next(
        (
            p
            for p in [target, *target.parents]
            if (p / "tools" / "build_assignments.py").exists() and (p / "autograding" / "authoring").is_dir()
        ),
        None,
    )
    if clone is not None and clone != root:
        raise ValueError(
            f"{target} is inside {clone}, a copy of the public course: an offering holds the "
            "answers, so write it to a private folder outside any copy of the repository."
        )
    if _inside(target, root) or _inside(root, target):
        raise ValueError(
            f"{target} is inside the public repository {root}: an offering holds the "
            "answers, so write it to a private folder outside the repository."
        )
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"{target} is not empty: give a new folder for the offering.")
    exs = exercises(root)
    chosen = draw(str(seed), exs)
    course = root / "autograding"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(course / "nbgrader_config.py", target / "nbgrader_config.py")
    builder = _builder(root)
    drawn = {}
    for ex in exs:
        values = drawn[ex.name] = ex.values(chosen.get(ex.name))
        out = target / "source" / ex.name / f"{ex.name}.ipynb"
        out.parent.mkdir(parents=True)
        out.write_text(builder.notebook_text(ex.path, values), encoding="utf-8")
        wrong = course / "authoring" / "wrong" / f"{ex.name}.json"
        if wrong.exists():
            (target / "wrong").mkdir(exist_ok=True)
            (target / "wrong" / wrong.name).write_text(wrong_answers(wrong, values), encoding="utf-8")
    template = (course / "authoring" / "objectives.csv").read_text(encoding="utf-8")
    (target / "objectives.csv").write_text(render_objectives(template, drawn), encoding="utf-8")
    record = {
        "seed": str(seed),
        "params": chosen,
        "published": {ex.name: ex.defaults for ex in exs if ex.params},
        "not_parameterised": [ex.name for ex in exs if not ex.params],
        "made_from": str(root),
        "commit": _commit(root),
    }
    (target / RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (target / ".gitignore").write_text(
        "release/\nsubmitted/\nautograded/\nfeedback/\nexchange/\nreports/\ngradebook.db\n", encoding="utf-8"
    )
    return record
