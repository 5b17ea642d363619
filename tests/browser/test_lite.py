"""(b) The JupyterLite site (`make lite`, bundled Pyodide) runs a lesson in the browser with no
server and no network, renders its figures and gives self-check feedback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import browser as B
from tests.support.browser import first_lesson_with_figures
from tests.support.lessonkit import LESSONS
from tests.support.nbgraderkit import ASSIGNMENTS, COURSE, hidden_regions, source_notebook

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def test_site_layout(lite_site):
    report = json.loads((lite_site / "build-report.json").read_text())
    lessons = [p.stem for p in LESSONS]
    assert sorted(p.stem for p in (lite_site / "files" / "lessons").glob("*.ipynb")) == lessons
    # The exercises as released to students: no solutions, no hidden tests.
    exercises = sorted((lite_site / "files" / "exercises").glob("*.ipynb"))
    assert [p.stem for p in exercises] == ASSIGNMENTS
    for path in exercises:
        text = path.read_text(encoding="utf-8")
        released = json.loads(text)
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path.name
        hidden = [
            line.strip()
            for cell in source_notebook(COURSE, path.stem).cells
            for block in hidden_regions(cell.source)
            for line in block.splitlines()
            if line.strip()
        ]
        shown = "\n".join("".join(c["source"]) for c in released["cells"])
        assert hidden and not [line for line in hidden if line in shown], path.name
        assert released["metadata"]["kernelspec"]["name"] == "python"
    shipped = sorted(p.name for p in (lite_site / "files" / "datasets").iterdir())
    assert shipped == sorted(
        p.name for p in (ROOT / "datasets").iterdir() if not p.name.startswith((".", "__"))
    )
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
    answers = json.loads(
        (ROOT / "tests/data/selfchecks" / f"{lesson.name.split('-', 1)[0]}.json").read_text()
    )
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
        plot = B.scroll_to_figure(page)
        assert plot.locator(".trace").count() >= 1
        page.screenshot(path=str(artifacts / "lite-figure.png"))
        B.replace_and_run_cell(page, f"{var}.check(...)", f'{var}.check("{answers[qid]["right"]}")')
        right = B.cell_output_text(page, f'{var}.check("{answers[qid]["right"]}")')
        assert "Correct!" in right, right
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"


def test_cdn_mode_loads_pyodide_from_the_cdn(tmp_path, page, artifacts, lite_site):
    """`--pyodide cdn`: Pyodide and numpy/pandas from a CDN, the course's wheels from the site.
    The "CDN" here is a second loopback server (another origin) holding a Pyodide 0.27.7."""
    from tools import build_lite

    cdn_port, site_port = B.free_port(), B.free_port()
    site = tmp_path / "cdn-site"
    build_lite.main(
        [
            "--pyodide",
            "cdn",
            "--cdn-url",
            f"http://127.0.0.1:{cdn_port}/pyodide/v0.27.7/full/",
            "--site-url",
            f"http://127.0.0.1:{site_port}/",
            "--output",
            str(site),
            "--work",
            str(tmp_path / "work"),
        ]
    )
    assert not (site / "static" / "pyodide").exists()
    local = {p.name for p in (site / "static" / "course-packages").iterdir()}
    assert "pyodide-lock.json" in local and not any(
        n.startswith(("pandas", "numpy", "pyodide.asm")) for n in local
    )
    cdn_root = tmp_path / "cdn"
    (cdn_root / "pyodide" / "v0.27.7").mkdir(parents=True)
    (cdn_root / "pyodide" / "v0.27.7" / "full").symlink_to(ROOT / "_build" / "lite-cache" / "pyodide-0.27.7")
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    with B.static_server(cdn_root, port=cdn_port, cors=True), B.static_server(site, port=site_port) as base:
        page.goto(f"{base}lab/index.html?path=lessons/00-start-here.ipynb&reset")
        B.wait_for_notebook(page)
        B.wait_for_kernel_idle(page, 180)
        state = B.run_all_cells(page, 400)
        page.screenshot(path=str(artifacts / "lite-cdn-mode.png"))
        assert state["done"] == state["code"] and not B.notebook_errors(page), B.notebook_errors(page)
        B.scroll_to_figure(page)
    from_cdn = [u for u in requested if f":{cdn_port}/" in u]
    assert any(u.endswith("pyodide.asm.wasm") for u in from_cdn)
    assert any("/pandas-" in u for u in from_cdn)
    assert any("/plotly-" in u and f":{site_port}/" in u for u in requested)
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"


# Runs inside the Pyodide kernel: every lesson notebook's code cells, in order, each lesson in a
# fresh namespace, outputs captured; then every self-check of the lesson with its right answer.
EVERY_LESSON = r'''
import json, pathlib
from IPython import get_ipython
from IPython.utils.capture import capture_output
ip = get_ipython()
answers = json.loads(ANSWERS)
report = {}

def run_cells(sources, name, ns, result):
    """Run code cells in order in namespace ns, counting cells and plotly figures in result."""
    for source in sources:
        with capture_output() as cap:
            exec(compile(ip.transform_cell(source), name, "exec"), ns)
        result["cells"] += 1
        result["figures"] += sum("application/vnd.plotly.v1+json" in o.data for o in cap.outputs)

for path in sorted(pathlib.Path.cwd().glob("[0-9][0-9]*-*.ipynb")):
    nb = json.loads(path.read_text(encoding="utf-8"))
    ns = {"__name__": "__main__"}
    result = {"cells": 0, "figures": 0, "checks": 0}
    try:
        code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        run_cells(code, path.name, ns, result)
        for i, (qid, answer) in enumerate(answers.get(path.name.split('-', 1)[0], {}).items()):
            with capture_output() as cap:
                ns[f"q{i + 1}"].check(answer["right"])
            shown = cap.stdout + "".join(str(o.data) for o in cap.outputs)
            if "Correct!" not in shown:
                raise AssertionError(f"self-check {qid} refused its right answer: {shown[:200]}")
            result["checks"] += 1
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
    report[path.name] = result
import pandas as pd, coursekit as ck
rows = len(pd.read_csv("../datasets/events.csv"))
report["datasets-as-files"] = {"rows": rows, "loaded": len(ck.load("events"))}
for name, cells in json.loads(SOLUTIONS).items():
    result = {"cells": 0, "figures": 0}
    try:
        run_cells(cells, name, {"__name__": "__main__"}, result)
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
    report["exercise:" + name] = result
print("REPORT" + json.dumps(report))
'''


def solutions() -> dict[str, list[str]]:
    """Each exercise's instructor version: code cells with solutions, visible and hidden tests."""
    return {
        name: [c.source for c in source_notebook(COURSE, name).cells if c.cell_type == "code"]
        for name in ASSIGNMENTS
    }


def test_every_lesson_and_exercise_runs_in_pyodide(lite_site, page):
    """Pyodide has its own pandas (2.2) and numpy: every lesson's code and every self-check must
    work there too, not only the lesson the UI test clicks through; and every exercise's solution
    must pass all its tests there, so that the exercises on the site can be done in the browser."""
    lessons = [p.stem for p in LESSONS]
    answers = {p.stem: json.loads(p.read_text()) for p in (ROOT / "tests/data/selfchecks").glob("*.json")}
    prelude = (
        f"ANSWERS = {json.dumps(json.dumps(answers))}\nSOLUTIONS = {json.dumps(json.dumps(solutions()))}\n"
    )
    with B.static_server(lite_site) as base:
        page.goto(f"{base}lab/index.html?path=lessons/{lessons[0]}.ipynb&reset")
        B.wait_for_notebook(page)
        B.wait_for_kernel_idle(page, 180)
        out = B.kernel_execute(page, prelude + EVERY_LESSON)
    assert out["error"] is None, out
    report = json.loads(out["stdout"].split("REPORT", 1)[1])
    files = report.pop("datasets-as-files")  # the CSV files beside the lessons, read with pandas
    exercises = {
        name.removeprefix("exercise:"): report.pop(name)
        for name in list(report)
        if name.startswith("exercise:")
    }
    assert sorted(exercises) == ASSIGNMENTS
    broken = {name: r["error"] for name, r in exercises.items() if "error" in r}
    assert not broken, broken
    assert all(r["cells"] >= 5 for r in exercises.values()), exercises
    assert files["rows"] == files["loaded"] > 0, files
    assert sorted(name.removesuffix(".ipynb") for name in report) == lessons
    failed = {name: r["error"] for name, r in report.items() if "error" in r}
    assert not failed, failed
    for name, result in report.items():
        assert result["checks"] == len(answers.get(name.split("-", 1)[0], {})), (name, result)
        if name[:2] not in {"00", "10"}:
            assert result["figures"] >= 2, (name, result)
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
