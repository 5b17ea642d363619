"""Static pages with live plotly figures: one local ``plotly.min.js`` per page, not per figure.

Under ipykernel, plotly stores a figure only as its JSON mime type
(``application/vnd.plotly.v1+json``). JupyterLab draws that with its plotly extension, but
``nbconvert --to html`` (and so nbgrader's feedback pages and the course website) drops it.
:class:`PlotlyStaticPreprocessor` adds an HTML rendering to each such output: a ``<div>`` and a
small script that loads ``plotly.min.js`` from a local URL once per page (however many figures
the page has) and draws the figure. Nothing is fetched from the internet.

With nbconvert (the file lands next to the HTML page)::

    jupyter nbconvert --to html --execute \\
        --HTMLExporter.preprocessors=coursekit.static.PlotlyStaticPreprocessor lesson.ipynb

In nbgrader's configuration (feedback pages get the figures)::

    c.GenerateFeedback.preprocessors.append("coursekit.static.PlotlyStaticPreprocessor")

For a website that serves one copy for every page, set ``plotly_js_url`` to where the site
serves it, turn ``copy_plotly_js`` off and copy the file once with :func:`write_plotly_js`.

Examples
--------
>>> import nbformat
>>> fig = {"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}],
...        "layout": {"meta": {"description": "Two bars."}}}
>>> out = nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": fig})
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fig", outputs=[out])])
>>> nb, resources = PlotlyStaticPreprocessor().preprocess(nb, {})
>>> html = nb.cells[0].outputs[0].data["text/html"]
>>> 'var src = "plotly.min.js";' in html and 'aria-label="Two bars."' in html
True
>>> sorted(resources["outputs"])   # nbconvert's FilesWriter writes it beside the page
['plotly.min.js']
"""

from __future__ import annotations

import html
import json
import shutil
import uuid
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Dict, Int, Unicode

__all__ = [
    "PLOTLY_MIME",
    "PlotlyStaticPreprocessor",
    "figure_html",
    "plotly_js_path",
    "write_plotly_js",
    "render_notebook",
]

PLOTLY_MIME = "application/vnd.plotly.v1+json"
_PLOTLY_JS = "plotly.min.js"

# Loads plotly.js once per page (a promise shared by every figure on it), then draws. The container
# is a labelled figure, not role="img": an image's children are presentational, and plotly's mode
# bar puts buttons inside it (axe-core: nested-interactive, WCAG 4.1.2).
_TEMPLATE = """<div class="coursekit-plotly" id="{div_id}" role="figure" aria-label="{label}" \
style="width:100%;height:{height}px;"></div>
<script type="text/javascript">
(function () {{
  var el = document.getElementById("{div_id}");
  var spec = {spec};
  var src = {src};
  function draw() {{ window.Plotly.newPlot(el, spec.data, spec.layout, spec.config); }}
  function fail(err) {{
    el.style.height = "auto";
    el.textContent = "[Figure not shown: " + src + " could not be loaded. "
      + el.getAttribute("aria-label") + "]";
  }}
  if (window.Plotly) {{ draw(); return; }}
  if (!window.__coursekitPlotly) {{
    window.__coursekitPlotly = new Promise(function (resolve, reject) {{
      var s = document.createElement("script");
      s.src = src;
      s.charset = "utf-8";
      s.onload = function () {{ window.Plotly ? resolve() : reject(new Error("no Plotly")); }};
      s.onerror = function () {{ reject(new Error("could not load " + src)); }};
      document.head.appendChild(s);
    }});
  }}
  window.__coursekitPlotly.then(draw, fail);
}})();
</script>
<noscript><p class="coursekit-plotly-description">{text}</p></noscript>"""


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` shipped inside the installed plotly package (the same version
    that made the figures).

    Examples
    --------
    >>> plotly_js_path().name
    'plotly.min.js'
    """
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / _PLOTLY_JS
    if not path.is_file():  # pragma: no cover - a damaged plotly install
        raise FileNotFoundError(f"plotly.min.js is missing from the plotly package: {path}")
    return path


def write_plotly_js(folder) -> Path:
    """Copy ``plotly.min.js`` into ``folder`` (made if needed) unless an identical copy is there;
    return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source, target = plotly_js_path(), folder / _PLOTLY_JS
    if not (
        target.is_file()
        and target.stat().st_size == source.stat().st_size
        and target.read_bytes() == source.read_bytes()
    ):
        shutil.copyfile(source, target)
    return target


def _script_json(value) -> str:
    """JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def figure_html(
    figure,
    *,
    plotly_js_url: str = _PLOTLY_JS,
    config=None,
    div_id: str | None = None,
    default_height: int = 450,
) -> str:
    """HTML that draws one plotly figure (a dict from the plotly mime type, or a Figure).

    The figure's text description (``layout.meta.description``, set by coursekit's builders)
    becomes the ``aria-label`` of the figure and the text shown without JavaScript.
    """
    if hasattr(figure, "to_plotly_json"):
        figure = json.loads(figure.to_json())
    elif isinstance(figure, str):
        figure = json.loads(figure)
    data = figure.get("data", [])
    layout = dict(figure.get("layout", {}))
    meta = layout.get("meta")
    description = meta.get("description", "") if isinstance(meta, dict) else ""
    title = layout.get("title")
    title = title.get("text", "") if isinstance(title, dict) else (title or "")
    label = description or title or "Interactive chart"
    height = layout.get("height") or default_height
    merged = {"responsive": True, "displaylogo": False, **(figure.get("config") or {}), **(config or {})}
    spec = {"data": data, "layout": layout, "config": merged}
    return _TEMPLATE.format(
        div_id=div_id or f"coursekit-plotly-{uuid.uuid4().hex[:12]}",
        label=html.escape(label, quote=True),
        height=int(height),
        spec=_script_json(spec),
        src=_script_json(plotly_js_url),
        text=html.escape(label),
    )


class PlotlyStaticPreprocessor(Preprocessor):
    """Give every plotly output an HTML rendering that loads a local plotly.js once per page."""

    # nbconvert skips a preprocessor whose `enabled` is False (its default).
    enabled = Bool(True, help="Render plotly figures as HTML.").tag(config=True)
    plotly_js_url = Unicode(
        _PLOTLY_JS, help="URL of plotly.min.js as seen from the HTML page (relative or absolute)."
    ).tag(config=True)
    copy_plotly_js = Bool(
        True,
        help="Add plotly.min.js to the export's resources, so nbconvert's FilesWriter (and "
        "nbgrader) writes it next to the page. Only applies when plotly_js_url is a plain "
        "relative path.",
    ).tag(config=True)
    keep_json = Bool(
        True, help="Keep the plotly JSON beside the HTML (JupyterLab still draws it natively)."
    ).tag(config=True)
    plotly_config = Dict(help="Extra plotly config for every figure, e.g. {'staticPlot': True}.").tag(
        config=True
    )
    default_height = Int(450, help="Height in pixels of a figure whose layout sets none.").tag(config=True)

    def preprocess(self, nb, resources):
        resources = resources if resources is not None else {}
        self._count = 0
        nb, resources = super().preprocess(nb, resources)
        url = self.plotly_js_url
        relative = "://" not in url and not url.startswith(("/", "data:")) and ".." not in url
        if self._count and self.copy_plotly_js and relative:
            outputs = resources.setdefault("outputs", {})
            if url not in outputs:
                outputs[url] = plotly_js_path().read_bytes()
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") != "code":
            return cell, resources
        for out in cell.get("outputs", []):
            data = out.get("data") if out.get("output_type") in {"display_data", "execute_result"} else None
            if not data or PLOTLY_MIME not in data:
                continue
            data["text/html"] = figure_html(
                data[PLOTLY_MIME],
                plotly_js_url=self.plotly_js_url,
                config=self.plotly_config,
                default_height=self.default_height,
            )
            # nbconvert would otherwise prefer a plain-text repr ('Figure({...})') in some exporters.
            data.pop("text/plain", None)
            if not self.keep_json:
                del data[PLOTLY_MIME]
            self._count += 1
        return cell, resources


def render_notebook(nb, *, plotly_js_url: str = _PLOTLY_JS, keep_json: bool = True):
    """Apply :class:`PlotlyStaticPreprocessor` to a notebook in place; return how many figures
    it rendered."""
    pre = PlotlyStaticPreprocessor(plotly_js_url=plotly_js_url, copy_plotly_js=False, keep_json=keep_json)
    pre.preprocess(nb, {})
    return pre._count
