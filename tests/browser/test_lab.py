"""(a) JupyterLab from the project's own set-up (`make lab`): a double-click opens a lesson as a
notebook; Run All runs every cell; a plotly figure renders; a self-check gives feedback; the
rendered Markdown shows citations as author–date links, never a raw ``[@id]`` key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import browser as B
from tests.support.browser import first_lesson_with_figures

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def test_lesson_opens_as_notebook_runs_and_shows_figures_and_feedback(page, artifacts, tmp_path):
    lesson = first_lesson_with_figures()
    answers = json.loads(
        (ROOT / "tests/data/selfchecks" / f"{lesson.name.split('-', 1)[0]}.json").read_text()
    )
    qid, answer = next(iter(answers.items()))
    before = lesson.stat().st_mtime_ns
    with B.jupyter_lab() as (base, token, _log):
        page.goto(f"{base}lab?reset&token={token}")
        page.wait_for_selector(".jp-DirListing-content", timeout=120_000)
        # /lab?reset: a fresh workspace; open the lesson as a learner would, by double-clicks.
        page.locator(".jp-DirListing-item", has_text="lessons").first.dblclick()
        item = page.locator(
            ".jp-DirListing-item", has=page.locator(".jp-DirListing-itemText", has_text=lesson.name)
        )
        item.dblclick()
        B.wait_for_notebook(page)
        state = B.wait_for_kernel_idle(page, 120)
        assert state["kernelName"] == "python3"
        opened = page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
            return [w.context.path, w.context.factoryName || '', w.constructor.name,
                    !!w.node.querySelector('.jp-Notebook')]; }""")
        assert opened[0] == f"lessons/{lesson.name}" and opened[3], opened  # the .md, as a notebook
        state = B.run_all_cells(page, 300)
        errors = B.notebook_errors(page)
        # The rendered Markdown (Run All renders it) shows citations as links, never a raw key.
        page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                                 nb.activeCellIndex = 0; if (nb.scrollToItem) nb.scrollToItem(0); }""")
        page.wait_for_timeout(1000)
        raw = B.raw_citation_keys(page, ".jp-NotebookPanel-notebook")
        assert not raw, f"raw citation keys in JupyterLab: {raw[:5]}"
        assert page.locator(".jp-MarkdownOutput a[href^='#ref-']").count() >= 1
        page.screenshot(path=str(artifacts / "lab-lesson-run.png"))
        assert state["done"] == state["code"] and not errors, errors
        plots = page.locator(".jp-OutputArea .js-plotly-plot")
        plot = B.scroll_to_figure(page)
        assert plot.locator(".trace").count() >= 1
        assert plots.count() >= 1
        page.screenshot(path=str(artifacts / "lab-figure.png"))

        var = f"q{list(answers).index(qid) + 1}"
        B.replace_and_run_cell(page, f"{var}.check(...)", f'{var}.check("{answers[qid]["wrong"]}")')
        wrong = B.cell_output_text(page, f'{var}.check("{answers[qid]["wrong"]}")')
        assert "Not quite" in wrong and "Hint 1" in wrong, wrong
        B.replace_and_run_cell(
            page, f'{var}.check("{answers[qid]["wrong"]}")', f'{var}.check("{answers[qid]["right"]}")'
        )
        right = B.cell_output_text(page, f'{var}.check("{answers[qid]["right"]}")')
        assert "Correct!" in right, right
        page.screenshot(path=str(artifacts / "lab-selfcheck.png"))
    assert lesson.stat().st_mtime_ns == before, "the test must not save the lesson"
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
