"""The Binder route without Docker: JupyterLab from the environment binder/ describes (recreated
as repo2docker would: requirements, then postBuild), opened at the URLs the launch links use.
The bare server URL lands on the start lesson, and a lesson's Binder link (``?urlpath=lab/tree/
lessons/NN-….md``) opens that Markdown file as a notebook whose cells all run, figures drawn."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tests.support import browser as B
from tests.support.binderkit import recreate
from tests.support.browser import first_lesson_with_figures
from tools import launch

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def current(page) -> list:
    return page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
        return [w && w.context ? w.context.path : null, !!(w && w.node.querySelector('.jp-Notebook'))]; }""")


def test_binder_links_open_lessons_as_notebooks_that_run(page, artifacts, tmp_path):
    binder = recreate(tmp_path)
    lesson = first_lesson_with_figures()
    link = launch.binder_url(launch.read_config(), f"lessons/{lesson.name}")
    urlpath = unquote(parse_qs(urlparse(link).query)["urlpath"][0])
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "lessons").glob("*.md")}
    # Binder serves the repository from its folder with the image's HOME (postBuild's config).
    with B.jupyter_lab(
        ROOT,
        make=False,
        bin_dir=binder.bin,
        cwd=ROOT,
        env={"HOME": str(binder.home), "PATH": binder.env["PATH"]},
    ) as (base, token, _log):
        page.goto(f"{base}?token={token}")  # what Binder opens without a urlpath
        B.wait_for_notebook(page)
        assert page.url.split("?")[0].endswith("/lab/tree/lessons/00-start-here.md"), page.url
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=60_000
        )
        assert current(page) == ["lessons/00-start-here.md", True]
        page.screenshot(path=str(artifacts / "binder-start.png"))

        page.goto(f"{base}{urlpath}?reset&token={token}")  # a lesson's Binder link
        B.wait_for_notebook(page)
        page.wait_for_function(
            f"() => window.jupyterapp.shell.currentWidget && "
            f"window.jupyterapp.shell.currentWidget.context.path === 'lessons/{lesson.name}'",
            timeout=60_000,
        )
        assert current(page) == [f"lessons/{lesson.name}", True]
        B.wait_for_kernel_idle(page, 120)
        state = B.run_all_cells(page, 300)
        errors = B.notebook_errors(page)
        assert state["done"] == state["code"] and not errors, errors
        plot = B.scroll_to_figure(page)
        assert plot.locator(".trace").count() >= 1
        page.screenshot(path=str(artifacts / "binder-lesson.png"))
    assert {p: p.stat().st_mtime_ns for p in before} == before, "the test must not save a lesson"
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
