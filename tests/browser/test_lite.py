"""(b) The JupyterLite site (`make lite`, bundled Pyodide) runs a lesson in the browser with no
server and no network, renders its figures and gives self-check feedback."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, B, first_lesson_with_figures

pytestmark = pytest.mark.browser


def test_site_layout(lite_site):
    report = json.loads((lite_site / "build-report.json").read_text())
    lessons = sorted(p.stem for p in (ROOT / "lessons").glob("[0-9][0-9]-*.md"))
    assert sorted(p.stem for p in (lite_site / "files" / "lessons").glob("*.ipynb")) == lessons
    config = json.loads((lite_site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["disablePyPIFallback"] is True
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.js"
    lock = json.loads((lite_site / "static/pyodide/pyodide-lock.json").read_text())
    assert lock["info"]["version"] == "0.27.7"
    for name in ["plotly", "narwhals", "seoul-tokyo-course", "pandas", "nbformat", "comm"]:
        entry = lock["packages"][name]
        assert (lite_site / "static/pyodide" / entry["file_name"]).is_file(), name
    for unused in ["scipy", "pyarrow", "scikit-learn", "matplotlib"]:
        assert unused not in lock["packages"] and unused in report["dropped"]
    assert not list(lite_site.rglob("*.map")), "source maps are left out"
    extensions = {e["name"] for e in config["federated_extensions"]}
    assert extensions == {"@jupyterlite/pyodide-kernel-extension", "jupyterlab-plotly", "jupyterlab_pygments"}


def test_lesson_runs_in_the_browser_with_figures_and_feedback(lite_site, page, artifacts):
    lesson = first_lesson_with_figures()
    answers = json.loads((ROOT / "tests/data/selfchecks" / f"{lesson.name[:2]}.json").read_text())
    qid = next(iter(answers))
    var = f"q{list(answers).index(qid) + 1}"
    with B.static_server(lite_site) as base:
        page.goto(f"{base}lab/index.html?path=lessons/{lesson.stem}.ipynb&reset")
        B.wait_for_notebook(page)
        state = B.wait_for_kernel_idle(page, 180)
        assert state["kernelName"] == "python"
        state = B.run_all_cells(page, 400)
        errors = B.notebook_errors(page)
        page.screenshot(path=str(artifacts / "lite-lesson-run.png"))
        assert state["done"] == state["code"] and not errors, errors
        plots = page.locator(".jp-OutputArea .js-plotly-plot")
        assert plots.count() >= (2 if lesson.name[:2] != "00" else 1)
        plots.first.scroll_into_view_if_needed()
        plots.first.locator(".main-svg").first.wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "lite-figure.png"))
        B.replace_and_run_cell(page, f"{var}.check(...)", f'{var}.check("{answers[qid]["right"]}")')
        right = B.cell_output_text(page, f'{var}.check("{answers[qid]["right"]}")')
        assert "Correct!" in right, right
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
