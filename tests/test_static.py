"""coursekit.static: plotly figures in static HTML (website, nbgrader feedback), one local plotly.js."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbconvert.writers import FilesWriter
from traitlets.config import Config

import coursekit as ck
from coursekit.static import (
    PLOTLY_MIME,
    PlotlyStaticPreprocessor,
    figure_html,
    plotly_js_path,
    render_notebook,
    write_plotly_js,
)


def plotly_output(fig) -> nbformat.NotebookNode:
    bundle = fig.to_plotly_json() if hasattr(fig, "to_plotly_json") else fig
    data = json.loads(json.dumps(bundle, default=str))
    return nbformat.v4.new_output("display_data", data={PLOTLY_MIME: data, "text/plain": "Figure()"})


def notebook_with_figures(count: int = 2) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# A lesson")]
    for i in range(count):
        fig = ck.bar_chart(
            ck.load("nuclear_tests"),
            x="test_no",
            y="magnitude",
            title=f"Magnitude {i}",
            source="nuclear_tests",
        )
        cells.append(nbformat.v4.new_code_cell("ck.show(fig)", outputs=[plotly_output(fig)]))
    cells.append(
        nbformat.v4.new_code_cell(
            "1 + 1",
            outputs=[nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)],
        )
    )
    return nbformat.v4.new_notebook(cells=cells)


def test_plotly_js_is_the_installed_plotly_bundle():
    path = plotly_js_path()
    assert path.stat().st_size > 1_000_000
    assert b"window.Plotly" in path.read_bytes()[-2000:]


def test_every_figure_gets_html_that_loads_one_shared_local_script():
    nb = notebook_with_figures(3)
    nb, resources = PlotlyStaticPreprocessor(plotly_js_url="_static/plotly.min.js").preprocess(nb, {})
    htmls = [o.data["text/html"] for c in nb.cells[1:4] for o in c.outputs]
    assert len(htmls) == 3
    for page in htmls:
        assert 'var src = "_static/plotly.min.js";' in page
        assert "window.__coursekitPlotly" in page  # one promise shared by all figures on a page
        assert "cdn" not in page.lower() and "https://" not in page
        assert 'aria-label="Bar chart: Magnitude' in page  # the figure's text description
        assert "<noscript>" in page
    assert len({page.split('id="', 1)[1].split('"', 1)[0] for page in htmls}) == 3  # unique div ids
    assert PLOTLY_MIME in nb.cells[1].outputs[0].data  # JSON kept by default
    assert "text/plain" not in nb.cells[1].outputs[0].data
    assert nb.cells[4].outputs[0].data == {"text/plain": "2"}  # other outputs untouched
    assert list(resources["outputs"]) == ["_static/plotly.min.js"]


def test_options_drop_json_and_skip_copying():
    nb = notebook_with_figures(1)
    count = render_notebook(nb, plotly_js_url="https://example.org/plotly.min.js", keep_json=False)
    assert count == 1
    assert list(nb.cells[1].outputs[0].data) == ["text/html"]
    nb = notebook_with_figures(1)
    _, resources = PlotlyStaticPreprocessor(copy_plotly_js=False).preprocess(nb, {})
    assert "outputs" not in resources


def test_no_figures_means_no_script_file():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    _, resources = PlotlyStaticPreprocessor().preprocess(nb, {})
    assert not resources.get("outputs")


def test_figure_json_cannot_break_out_of_the_script_element():
    fig = {
        "data": [{"type": "bar", "x": ["</script><script>alert(1)</script>"], "y": [1]}],
        "layout": {"title": {"text": "A <b>title</b> & more"}},
    }
    page = figure_html(fig)
    assert page.count("</script>") == 1
    assert "\\u003c/script\\u003e" in page
    assert 'aria-label="A &lt;b&gt;title&lt;/b&gt; &amp; more"' in page


def test_nbconvert_html_export_writes_page_and_plotly_js_side_by_side(tmp_path):
    """The nbgrader feedback route: HTMLExporter + FilesWriter (what GenerateFeedback uses)."""
    config = Config()
    config.HTMLExporter.preprocessors = ["coursekit.static.PlotlyStaticPreprocessor"]
    exporter = HTMLExporter(config=config)
    body, resources = exporter.from_notebook_node(notebook_with_figures(2))
    assert body.count("coursekit-plotly-") >= 2 and body.count('var src = "plotly.min.js"') == 2
    assert "cdn.plot.ly" not in body
    writer = FilesWriter(build_directory=str(tmp_path))
    writer.write(body, resources, notebook_name="feedback")
    assert (tmp_path / "feedback.html").is_file()
    assert (tmp_path / "plotly.min.js").read_bytes() == plotly_js_path().read_bytes()


@pytest.mark.slow
def test_nbconvert_command_line(tmp_path):
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook_with_figures(1), path)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            "--HTMLExporter.preprocessors=coursekit.static.PlotlyStaticPreprocessor",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    assert "coursekit-plotly-" in (tmp_path / "lesson.html").read_text()
    assert (tmp_path / "plotly.min.js").is_file()


def test_write_plotly_js_copies_once(tmp_path):
    target = write_plotly_js(tmp_path / "_static")
    mtime = target.stat().st_mtime_ns
    assert write_plotly_js(tmp_path / "_static").stat().st_mtime_ns == mtime
