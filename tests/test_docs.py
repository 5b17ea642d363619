"""docs/architecture.md is the map of the code: every module it lists exists, and every module is in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROOTS = ("src/coursekit/", "tools/", "benchmarks/", "tests/support/")


def listed_in_architecture() -> set[str]:
    """Paths of the .py files named in the tree blocks of docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    found: set[str] = set()
    for block in re.findall(r"```\n(.*?)```", text, flags=re.S):
        lines = block.splitlines()
        if not lines or lines[0].split()[0] not in ROOTS:
            continue
        stack: list[tuple[int, str]] = [(-1, lines[0].split()[0])]
        for line in lines[1:]:
            if line[:1] not in (" ", "") and line.split()[0] in ROOTS:  # a second tree in the block
                stack = [(-1, line.split()[0])]
                continue
            match = re.match(r"^( +)(\S+)", line)
            if not match:
                continue
            indent, name = len(match.group(1)), match.group(2)
            if not (name.endswith(".py") or name.endswith("/")):
                continue  # a continuation line of a description
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path = stack[-1][1] + name
            if name.endswith("/"):
                stack.append((indent, path))
            else:
                found.add(path)
    return found


def modules_on_disk() -> set[str]:
    out = set()
    for root in ROOTS:
        folder = ROOT / root
        if folder.is_dir():
            out |= {
                p.relative_to(ROOT).as_posix() for p in folder.rglob("*.py") if "__pycache__" not in p.parts
            }
    return out


def test_every_listed_module_exists():
    missing = sorted(listed_in_architecture() - modules_on_disk())
    assert not missing, f"docs/architecture.md lists modules that do not exist: {missing}"


def test_every_module_is_listed():
    unlisted = sorted(modules_on_disk() - listed_in_architecture())
    assert not unlisted, f"modules missing from docs/architecture.md: {unlisted}"
