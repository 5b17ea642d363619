"""Drive the course in a real browser: Debian's Chromium through Playwright, loopback only.

Shared by the browser tests (``tests/browser/``) and the benchmarks (``benchmarks/``).
Playwright's own browser downloads do not work here; Debian's ``chromium`` package is used
instead (``apt-get install -y chromium``), found at ``$CHROMIUM`` or ``/usr/bin/chromium``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Flags that matter on a machine with no network: without the background-networking ones
# Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def chromium_path() -> str | None:
    """The Chromium to use, or None when it is not installed."""
    for candidate in [
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_browser_reason() -> str | None:
    """Why browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "the Python package playwright is not installed "
            "(.venv/bin/uv pip install --python .venv/bin/python -r requirements/browser.txt)"
        )
    if chromium_path() is None:
        return (
            "Chromium is not installed (apt-get install -y chromium); Playwright's own browsers do "
            "not download here"
        )
    return None


@contextlib.contextmanager
def chromium(headless: bool = True):
    """A Playwright Chromium browser (Debian's build), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), headless=headless, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".mjs": "text/javascript",
        ".js": "text/javascript",
        ".json": "application/json",
        ".ipynb": "application/json",
        ".whl": "application/zip",
    }

    def log_message(self, *args):  # keep test output clean
        pass

    cors = False

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        if self.cors:  # as a CDN does, so that pages on another origin may fetch its files
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


class _CorsHandler(_QuietHandler):
    cors = True


@contextlib.contextmanager
def static_server(folder: Path, *, port: int = 0, cors: bool = False):
    """Serve a folder on http://127.0.0.1:<port>/ in a thread; yields the base URL."""
    handler = functools.partial(_CorsHandler if cors else _QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def jupyter_lab(
    root: Path = ROOT,
    *,
    make: bool = True,
    token: str = "browsertest",
    extra_args: list[str] | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
    bin_dir: Path | None = None,
):
    """JupyterLab on a free loopback port (no browser opened); yields (base_url, token, log_path).

    With ``make`` (the default) the server runs from the project's own set-up: the Makefile's
    `lab` target, which installs .venv if needed and opens the start lesson. Otherwise .venv's
    ``jupyter lab`` serves ``root`` from ``cwd`` (for nbgrader, whose config is read from there),
    from ``bin_dir`` (default .venv/bin; another environment's, such as the recreated Binder one)."""
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="course-lab-"))
    # Throw-away user settings with autosave off (nothing a test types is ever written to a
    # lesson) and a throw-away workspace (every run starts the same).
    settings = scratch / "user-settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    args = [
        f"--LabApp.user_settings_dir={scratch / 'user-settings'}",
        f"--LabApp.workspaces_dir={scratch / 'workspaces'}",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *(extra_args or []),
    ]
    full_env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(scratch / "runtime"), **(env or {}))
    log_path = scratch / "jupyter-lab.log"
    log = open(log_path, "wb")
    if make:
        command = ["make", "-s", "lab", "LAB_ARGS=" + " ".join(args)]
    else:
        bin_dir = Path(bin_dir) if bin_dir else ROOT / ".venv" / "bin"
        full_env["PATH"] = f"{bin_dir}:{full_env.get('PATH', '')}"  # nbgrader runs alembic
        command = [str(bin_dir / "jupyter"), "lab", f"--ServerApp.root_dir={root}", *args]
        if os.geteuid() == 0:
            command.append("--allow-root")
    proc = subprocess.Popen(
        command, cwd=cwd or root, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"JupyterLab did not start; see {log_path}:\n"
                    + log_path.read_text(errors="replace")[-3000:]
                )
            time.sleep(0.3)
        yield base, token, log_path
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def first_lesson_with_figures(root: Path = ROOT) -> Path:
    """Lesson 01 (it has figures), or the first lesson there is."""
    from tools.build_lite import lessons

    found = lessons(root)
    return next((p for p in found if p.name.startswith("01-")), found[0])


# ------------------------------------------------------------------ JupyterLab / JupyterLite UI

ALLOWED_HOSTS = ("127.0.0.1", "localhost")


def guard_network(page, outside: list[str]) -> None:
    """Abort (and record) every request that would leave the machine."""
    from urllib.parse import urlparse

    def route(r):
        url = r.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in ALLOWED_HOSTS:
            r.continue_()
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)


def wait_for_notebook(page, timeout: float = 120_000) -> None:
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout)


NOTEBOOK_STATE_JS = """() => {
  const app = window.jupyterapp || window.jupyterlab;
  if (!app) return null;
  const widget = app.shell.currentWidget;
  if (!widget || !widget.content || !widget.content.model) return null;
  const cells = widget.content.model.cells;
  let code = 0, done = 0, errors = 0;
  const kernel = widget.sessionContext && widget.sessionContext.session
                 && widget.sessionContext.session.kernel;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    code++;
    if (c.executionCount) done++;
    const outs = c.outputs;
    for (let j = 0; j < outs.length; j++) if (outs.get(j).type === 'error') errors++;
  }
  return {code, done, errors, status: kernel ? kernel.status : 'none',
          kernelName: kernel ? kernel.name : null};
}"""


def notebook_state(page) -> dict | None:
    return page.evaluate(NOTEBOOK_STATE_JS)


def wait_for_kernel_idle(page, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = notebook_state(page)
        if state and state["status"] == "idle":
            return state
        time.sleep(0.25)
    raise TimeoutError(f"kernel not idle after {timeout} s: {state}")


KERNEL_EXECUTE_JS = """async (code) => {
  const app = window.jupyterapp || window.jupyterlab;
  const kernel = app.shell.currentWidget.sessionContext.session.kernel;
  const out = {stdout: '', stderr: '', error: null};
  const future = kernel.requestExecute({code, store_history: false, silent: false});
  future.onIOPub = (msg) => {
    const kind = msg.header.msg_type;
    if (kind === 'stream') out[msg.content.name] += msg.content.text;
    if (kind === 'error') out.error = msg.content.ename + ': ' + msg.content.evalue;
  };
  await future.done;
  return out;
}"""


def kernel_execute(page, code: str) -> dict:
    """Run ``code`` in the kernel of the open notebook (no cell is changed); returns its
    ``stdout``, ``stderr`` and ``error`` ("Name: value", or None)."""
    return page.evaluate(KERNEL_EXECUTE_JS, code)


def dismiss_dialogs(page) -> list[str]:
    """Close any modal dialog JupyterLab is showing (Escape = its cancel button), saying on stderr
    what it said: a dialog that pops up at start (seen once in a benchmark run, not reproduced)
    would otherwise swallow every click that follows."""
    texts = []
    for _ in range(3):
        dialog = page.query_selector(".jp-Dialog")
        if dialog is None:
            break
        text = " ".join((dialog.inner_text() or "").split())
        texts.append(text)
        print(f"[browser] closing a JupyterLab dialog: {text[:300]}", file=sys.stderr, flush=True)
        page.keyboard.press("Escape")
        time.sleep(0.3)
    return texts


def click_run_all(page, attempts: int = 6) -> None:
    """Run → Run All Cells through the menu, until the notebook shows that cells are queued or
    running (right after a notebook opens, the menu item can still be disabled)."""
    for _ in range(attempts):
        dismiss_dialogs(page)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        item = page.get_by_role("menuitem", name="Run All Cells", exact=True)
        if item.get_attribute("aria-disabled") == "true":
            page.keyboard.press("Escape")
            time.sleep(0.5)
            continue
        item.click()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if page.evaluate(r"""() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]
                                  .some(p => /\[(\*|\d+)\]/.test(p.textContent))"""):
                return
            time.sleep(0.1)
    raise TimeoutError("Run All Cells did not start the cells")


def run_all_cells(page, timeout: float = 300) -> dict:
    """Run → Run All Cells through the menu, then wait until every code cell has run."""
    click_run_all(page)
    return wait_for_all_executed(page, timeout)


def wait_for_all_executed(page, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    state, idle_since = None, None
    while time.monotonic() < deadline:
        state = notebook_state(page)
        if state and state["code"] and state["done"] == state["code"] and state["status"] == "idle":
            return state
        if state and state["status"] in {"dead", "unknown"}:
            break
        # After an error the kernel skips the rest: stop waiting once it has been idle a while.
        if state and state["errors"] and state["status"] == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 3:
                return state
        else:
            idle_since = None
        time.sleep(0.3)
    raise TimeoutError(f"cells did not all run within {timeout} s: {state}")


def replace_and_run_cell(page, old_source: str, new_source: str) -> None:
    """Find the code cell whose source starts with ``old_source``, replace its text with
    ``new_source`` by typing, and run it."""
    index = page.evaluate(
        """async ([old]) => {
      const nb = (window.jupyterapp || window.jupyterlab).shell.currentWidget.content;
      for (let i = 0; i < nb.model.cells.length; i++)
        if (nb.model.cells.get(i).sharedModel.getSource().trim().startsWith(old)) {
          nb.activeCellIndex = i;
          nb.mode = 'command';
          if (nb.scrollToItem) await nb.scrollToItem(i, 'center');
          return i;
        }
      return -1; }""",
        [old_source],
    )
    if index < 0:
        raise LookupError(f"no cell with source {old_source!r}")
    # Notebooks render only the cells near the viewport: address the active cell, not the n-th.
    editor = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")
    editor.wait_for(state="visible", timeout=30_000)
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(new_source)
    page.keyboard.press("Shift+Enter")


def cell_output_text(page, source: str, timeout: float = 60) -> str:
    """The text of the outputs of the code cell whose source is ``source``, once it has any."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = page.evaluate(
            """([src]) => {
          const nb = (window.jupyterapp || window.jupyterlab).shell.currentWidget.content;
          for (let i = 0; i < nb.widgets.length; i++) {
            const w = nb.widgets[i];
            if (w.model.sharedModel.getSource().trim() === src && w.model.type === 'code'
                && w.model.executionCount && w.outputArea) return w.outputArea.node.innerText;
          }
          return null; }""",
            [source],
        )
        if text:
            return text
        time.sleep(0.3)
    raise TimeoutError(f"no output for cell {source!r}")


NOTEBOOK_ERRORS_JS = r"""() => {
  const nb = (window.jupyterapp || window.jupyterlab).shell.currentWidget.content;
  const found = [];
  for (const w of nb.widgets) {
    if (w.model.type !== 'code') continue;
    for (let j = 0; j < w.model.outputs.length; j++) {
      const o = w.model.outputs.get(j).toJSON();
      if (o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
        found.push({source: w.model.sharedModel.getSource().slice(0, 120), type: o.output_type,
                    ename: o.ename || '', evalue: o.evalue || '', text: o.text || '',
                    traceback: (o.traceback || []).join('\n').replace(/\x1b\[[0-9;]*m/g, '').slice(-2000)});
    }
  }
  return found;
}"""


def notebook_errors(page) -> list[dict]:
    """Errors and stderr output of the current notebook's cells."""
    return page.evaluate(NOTEBOOK_ERRORS_JS)


def scroll_to_figure(page, mime: str = "application/vnd.plotly.v1+json", timeout: float = 30_000):
    """Scroll the current notebook to its first cell with a plotly output; return the plot's
    locator once plotly has drawn it (an SVG inside the output)."""
    index = page.evaluate(
        """async ([mime]) => {
      const nb = (window.jupyterapp || window.jupyterlab).shell.currentWidget.content;
      for (let i = 0; i < nb.model.cells.length; i++) {
        const c = nb.model.cells.get(i);
        if (c.type !== 'code') continue;
        for (let j = 0; j < c.outputs.length; j++)
          if (mime in (c.outputs.get(j).data || {})) {
            nb.activeCellIndex = i;
            if (nb.scrollToItem) await nb.scrollToItem(i, 'start');
            return i;
          }
      }
      return -1; }""",
        [mime],
    )
    if index < 0:
        raise LookupError("no plotly figure in the notebook")
    plot = page.locator(".jp-Notebook .jp-Cell.jp-mod-active .js-plotly-plot").first
    plot.locator(".main-svg").first.wait_for(state="visible", timeout=timeout)
    return plot


# --- reading and accessibility ------------------------------------------------------------------

AXE_JS = ROOT / "tests" / "browser" / "axe.min.js"  # axe-core (MPL-2.0), vendored: no network
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Visible text that is not code, as a reader sees it (a lesson may show the key form in code).
VISIBLE_TEXT_JS = """(root) => {
    const node = (root || document.body).cloneNode(true);
    node.querySelectorAll('code, pre, kbd, script, style, noscript, .CodeMirror, .cm-editor, '
                          + '.jp-InputArea-editor').forEach(e => e.remove());
    return node.innerText || node.textContent || '';
}"""


def raw_citation_keys(page, selector: str | None = None) -> list[str]:
    """Raw ``[@id]`` citation keys visible on the page (outside code), with a little context."""
    import re

    root = page.locator(selector).first.element_handle() if selector else None
    text = page.evaluate(VISIBLE_TEXT_JS, root)
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in re.finditer(r"\[@[A-Za-z0-9]", text)]


def axe_audit(page, tags: list[str] = AXE_TAGS) -> list[dict]:
    """Run axe-core's WCAG 2 A/AA rules on the page; return its violations, each as
    ``{"id", "impact", "help", "nodes": [target selectors]}``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.map(n => n.target.join(' '))}));
    }""",
        tags,
    )
    return result


def serious(violations: list[dict]) -> list[dict]:
    """The violations that fail the audit: impact serious or critical."""
    return [v for v in violations if v.get("impact") in {"serious", "critical"}]
