"""Public and private: what each module offers, and who may import what.

The rules (docs/architecture.md, "Public and private"):

- every module of ``coursekit`` declares its public names in ``__all__``; in a public module every
  other top-level name starts with an underscore, and so does every internal module's file name;
- nothing outside the package imports an underscore name or module: tools, benchmarks, the hub's
  configuration, the nbgrader course, the lessons and the exercises use public names only, and the
  lessons and exercises only the names ``import coursekit as ck`` offers;
- the tests reach internal pieces through one door, ``coursekit._testing``, and nothing else
  imports it; inside the package an underscore *name* is used only by its own module (internal
  *modules* are shared by the package);
- configuration that names a class by its dotted path (nbgrader, Jupyter, the hub) names a public one.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from pathlib import Path

import jupytext
import pytest

import coursekit

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "coursekit"
HOOK = "coursekit._testing"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(PACKAGE.rglob("*.py"))
NAMES = {module_name(p): p for p in MODULES}


def is_private(dotted: str) -> bool:
    return any(part.startswith("_") for part in dotted.split("."))


def declared_all(name: str, tree: ast.Module) -> list[str] | None:
    """The module's ``__all__`` (read from the module itself, so a computed one counts), or None."""
    targets = [t for node in tree.body if isinstance(node, ast.Assign) for t in node.targets]
    if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
        return None
    return list(importlib.import_module(name).__all__)


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module defines itself (functions, classes, assignments), not the ones it imports."""
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                out |= {t.id for t in ast.walk(target) if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return {n for n in out if not (n.startswith("__") and n.endswith("__"))}


def imports(tree: ast.AST, package: str = "") -> list[tuple[str, str | None, int]]:
    """(module, name or None, line) for every import of coursekit in a tree; relative ones resolved."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "coursekit"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            if module.split(".")[0] == "coursekit":
                out += [(module, a.name, node.lineno) for a in node.names]
    return out


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_module_declares_its_public_names(name):
    tree = ast.parse(NAMES[name].read_text(encoding="utf-8"))
    declared = declared_all(name, tree)
    defined = top_level_names(tree) | {
        a.asname or a.name.split(".")[0]
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in node.names
    }
    if declared is None:
        assert not top_level_names(tree), f"{name} defines names but has no __all__"
        return
    assert len(declared) == len(set(declared)), f"{name}: a name twice in __all__"
    assert not [n for n in declared if n not in defined], f"{name}: __all__ names what it does not define"
    assert not [n for n in declared if n.startswith("_")], f"{name}: an underscore name in __all__"
    if not is_private(name):
        unmarked = sorted(top_level_names(tree) - set(declared) - {"logger"})
        unmarked = [n for n in unmarked if not n.startswith("_")]
        assert not unmarked, f"{name}: internal names must start with an underscore: {unmarked}"


def outside_files() -> list[Path]:
    files = []
    for folder in ("tools", "benchmarks", "deploy", "autograding", "tests", "binder"):
        files += [p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files)


def course_code(path: Path) -> str:
    nb = jupytext.read(path)
    return "\n".join(
        "\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for c in nb.cells
        if c.cell_type == "code"
    )


# the exercises as built (their authoring files hold {{templates}} for the offerings)
COURSE_FILES = sorted((ROOT / "lessons").glob("*.md")) + sorted(
    (ROOT / "autograding" / "source").glob("*/*.ipynb")
)


def outside_violations(code: str, rel: str) -> list[str]:
    """What is wrong with the coursekit imports of a file outside the package (``rel`` its path)."""
    bad = []
    for module, name, line in imports(ast.parse(code)):
        if module == HOOK:
            if not rel.startswith("tests/"):
                bad.append(f"{rel}:{line}: only the tests may use {HOOK}")
            continue
        dotted = f"{module}.{name}" if name else module
        if is_private(dotted):
            bad.append(f"{rel}:{line}: imports the internal {dotted}")
        elif name and name != "*":
            target = importlib.import_module(module)
            if hasattr(target, "__path__") and importlib.util.find_spec(f"{module}.{name}"):
                continue  # a public submodule
            if name not in getattr(target, "__all__", []):
                bad.append(f"{rel}:{line}: {dotted} is not in {module}.__all__")
    return bad


def course_violations(code: str, where: str) -> tuple[list[str], int]:
    """Imports and ``ck.`` names in a lesson's or exercise's code that coursekit does not offer."""
    bad, uses = [], 0
    tree = ast.parse(code)
    for module, name, line in imports(tree):
        if module != "coursekit" or name is not None and name not in coursekit.__all__:
            bad.append(f"{where}: line {line} of its code imports {module}.{name or ''}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "ck":
            uses += 1
            if node.attr not in coursekit.__all__:
                bad.append(f"{where}: ck.{node.attr} is not one of coursekit's public names")
    return bad, uses


def test_nothing_outside_the_package_imports_a_private_name():
    bad = []
    for path in outside_files():
        rel = path.relative_to(ROOT).as_posix()
        bad += outside_violations(path.read_text(encoding="utf-8"), rel)
    assert not bad, "\n".join(bad)


def test_lessons_and_exercises_use_only_the_names_coursekit_offers():
    bad, uses = [], 0
    for path in COURSE_FILES:
        found, n = course_violations(course_code(path), path.name)
        bad, uses = bad + found, uses + n
    assert uses > 200, "the lessons and exercises were read"
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "code,rel,fires",
    [
        ("from coursekit.grading._plan import build_plan", "tools/x.py", True),
        ("from coursekit.data import _load_cached", "benchmarks/x.py", True),
        ("import coursekit.grading._sandbox", "deploy/x.py", True),
        ("from coursekit._testing import build_plan", "tools/x.py", True),
        ("from coursekit.figures import PALETTE", "tools/x.py", False),
        ("from coursekit.timeline import filter_events", "tools/x.py", False),
        ("from coursekit._testing import build_plan", "tests/test_x.py", False),
        ("from coursekit.grading import pipeline", "tools/x.py", False),
    ],
)
def test_the_import_rule_fires_on_what_it_forbids(code, rel, fires):
    assert bool(outside_violations(code, rel)) is fires


def test_the_lesson_rule_fires_on_a_name_coursekit_does_not_offer():
    assert course_violations("import coursekit as ck\nck.load('events')", "x")[0] == []
    assert course_violations("import coursekit as ck\nck.read_table('events')", "x")[0]
    assert course_violations("from coursekit.grading import pipeline", "x")[0]


def test_private_names_are_used_only_by_their_own_module_and_the_hook():
    bad = []
    for path in MODULES:
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for module, imported, line in imports(ast.parse(path.read_text(encoding="utf-8")), package):
            if module == HOOK:
                bad.append(f"{name}:{line}: imports the tests' hook")
            elif (
                imported and imported.startswith("_") and name != HOOK and f"{module}.{imported}" not in NAMES
            ):
                bad.append(f"{name}:{line}: uses {module}.{imported}, private to {module}")
    assert not bad, "\n".join(bad)


def test_configuration_names_public_classes():
    """Dotted paths in configuration files (nbgrader, Jupyter, the hub) point at public names."""
    bad, seen = [], 0
    for path in outside_files() + [ROOT / "pyproject.toml"]:
        if path.parts[len(ROOT.parts)] == "tests":
            continue
        for dotted in re.findall(r"""["'](coursekit(?:\.\w+)+)["']""", path.read_text(encoding="utf-8")):
            seen += 1
            module, _, attr = dotted.rpartition(".")
            if dotted in NAMES:  # a module named by its path
                ok = not is_private(dotted)
            else:
                ok = not is_private(dotted) and attr in getattr(
                    importlib.import_module(module), "__all__", []
                )
            if not ok:
                bad.append(f"{path.relative_to(ROOT)}: {dotted}")
    assert seen >= 3, "the nbgrader and hub configurations name coursekit's plugins"
    assert not bad, "\n".join(bad)


def test_the_hook_exposes_only_what_exists():
    hook = importlib.import_module(HOOK)
    assert hook.__all__ and all(hasattr(hook, n) for n in hook.__all__)
