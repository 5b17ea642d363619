"""(d) The instructor's side in JupyterLab: nbgrader's formgrader lists the course's assignments
and a graded submission, and a student's Validate works on an assignment.

Runs on a copy of autograding/ (the course root), so nothing is written into the repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import browser as B

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser

COURSE = ROOT / "autograding"
STUDENT = "browser-test-student"


def assignments() -> list[str]:
    source = COURSE / "source"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, str]:
    names = assignments()
    if not (COURSE / "nbgrader_config.py").is_file() or not names:
        pytest.skip("no nbgrader assignment yet: autograding/source/<assignment>/*.ipynb is empty")
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(
        COURSE,
        root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(
            "gradebook.db", "exchange", "release", "submitted", "autograded", "feedback", ".ipynb_checkpoints"
        ),
    )
    first = names[0]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    nbgrader = [sys.executable, "-m", "nbgrader"]

    def run(*args):
        return subprocess.run(
            [*nbgrader, *args], cwd=root, env=env, check=True, capture_output=True, text=True, timeout=600
        )

    run("generate_assignment", first, "--force")
    # A student's submission (the released notebook, unanswered), graded by the autograder.
    submitted = root / "submitted" / STUDENT / first
    shutil.copytree(root / "release" / first, submitted)
    run("autograde", first, "--create", "--force")
    return root, first


def test_formgrader_lists_assignments_and_a_graded_submission(course, page, artifacts):
    root, first = course
    with B.jupyter_lab(cwd=root, root=root, make=False) as (base, token, _log):
        page.goto(f"{base}lab?reset&token={token}")
        page.wait_for_selector(".jp-DirListing-content", timeout=120_000)
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        frame = page.frame_locator("iframe").first
        for name in assignments():
            frame.get_by_text(name, exact=True).first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "nbgrader-formgrader.png"))
        page.goto(f"{base}formgrader/manage_submissions/{first}?token={token}")
        page.get_by_text(STUDENT).first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "nbgrader-submissions.png"))
        row = page.locator("tr", has_text=STUDENT).first
        assert "graded" in row.inner_text().lower(), row.inner_text()
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"


def test_student_validate_works(course, page, artifacts):
    root, first = course
    notebook = next((root / "release" / first).glob("*.ipynb"))
    with B.jupyter_lab(cwd=root, root=root, make=False) as (base, token, _log):
        page.goto(f"{base}lab/tree/release/{first}/{notebook.name}?reset&token={token}")
        B.wait_for_notebook(page)
        B.wait_for_kernel_idle(page, 120)
        page.get_by_role("button", name="Validate").first.click()
        dialog = page.locator(".jp-Dialog")
        dialog.wait_for(timeout=180_000)
        text = dialog.inner_text()
        page.screenshot(path=str(artifacts / "nbgrader-validate.png"))
        # The released notebook is unanswered: Validate reports the failing test cells.
        assert "Validation Results" in text and ("The following cell failed" in text or "Success" in text), (
            text
        )
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
