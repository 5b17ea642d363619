"""Repository hygiene: notebooks without outputs, no stray student data, the two commands."""

from __future__ import annotations

import json
import re
import subprocess

import pytest


def _tracked(root, pattern):
    try:
        out = subprocess.run(
            ["git", "ls-files", pattern], cwd=root, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [root / line for line in out.stdout.splitlines() if line]


def test_no_notebook_in_git_has_outputs(root):
    notebooks = _tracked(root, "*.ipynb")
    assert notebooks, "the nbgrader sources are tracked notebooks"
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, f"{path} has outputs"


def test_no_student_data_or_gradebook_is_tracked(root):
    tracked = [p.relative_to(root).as_posix() for p in _tracked(root, "autograding/*")]
    for path in tracked:
        assert not re.match(r"autograding/(release|submitted|autograded|feedback|exchange)/", path), path
        assert not path.endswith("gradebook.db"), path


def test_readme_gives_exactly_the_two_commands_and_ci_runs_the_test_one(root):
    readme = (root / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^make (\w+)", readme, re.M)
    assert commands[:2] == ["lab", "test"], commands
    assert "make test" in (root / ".ci" / "run").read_text(encoding="utf-8")
