"""Benchmark the zero-install routes in headless Chromium (Debian's), on loopback.

Prints the JupyterLite site's size and, for JupyterLite and for JupyterLab from `make lab`, the
time from opening the lesson's address to its first executed code cell (Run All clicked as soon
as the notebook shows), to the kernel being ready, and to the whole lesson run. Lesson 01, or 00
when 01 does not exist. Each run starts a new Chromium (empty cache): a first visit.

    .venv/bin/python -m benchmarks.zero_install            # builds lite/_output if missing
    .venv/bin/python -m benchmarks.zero_install --runs 3 --compare-no-preload

Results also go to benchmarks/results/zero_install.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from tests.support import browser as B

ROOT = Path(__file__).resolve().parents[1]

FIRST_CELL_JS = """() => {
  const app = window.jupyterapp || window.jupyterlab;
  const w = app && app.shell.currentWidget;
  if (!w || !w.content || !w.content.model) return null;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code') return {count: c.executionCount || 0, outputs: c.outputs.length};
  }
  return null;
}"""


def lesson() -> Path:
    return B.first_lesson_with_figures()


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def measure(url: str) -> dict:
    # A new browser each run: runs in one browser got slower one after the other (23, 29, 39 s).
    with B.chromium() as browser:
        return _measure(browser, url)


def _measure(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    outside: list[str] = []
    B.guard_network(page, outside)
    start = time.perf_counter()
    page.goto(url)
    B.wait_for_notebook(page, timeout=180_000)
    shown = time.perf_counter() - start
    B.click_run_all(page)
    first = ready = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        state = B.notebook_state(page)
        if state and state["status"] in {"dead", "unknown"} and time.perf_counter() - start > 60:
            break
        now = time.perf_counter() - start
        if ready is None and state and state["status"] in {"idle", "busy"}:
            ready = now
        cell = page.evaluate(FIRST_CELL_JS)
        if first is None and cell and cell["count"]:
            first = now
        if (
            first is not None
            and state
            and state["code"]
            and state["status"] == "idle"
            and (state["done"] == state["code"] or state["errors"])
        ):
            break
        time.sleep(0.05)
    total = time.perf_counter() - start
    errors = B.notebook_errors(page)
    print(
        f"  {url.split('?')[0]}: first cell {first} s, all {total:.1f} s, {len(errors)} errors",
        file=sys.stderr,
        flush=True,
    )
    context.close()
    return {
        "notebook_shown_s": round(shown, 2),
        "kernel_ready_s": round(ready or total, 2),
        "first_cell_s": round(first or float("nan"), 2),
        "all_cells_s": round(total, 2),
        "errors": len(errors),
        "outside_requests": len(outside),
    }


def summarise(runs: list[dict]) -> dict:
    keys = ["notebook_shown_s", "kernel_ready_s", "first_cell_s", "all_cells_s"]
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in keys} | {
        "runs": len(runs),
        "errors": max(r["errors"] for r in runs),
        "outside_requests": max(r["outside_requests"] for r in runs),
    }


def bench_lite(site: Path, runs: int, name: str) -> dict:
    target = lesson()
    results = []
    with B.static_server(site) as base:
        for _ in range(runs):
            results.append(measure(f"{base}lab/index.html?path=lessons/{target.stem}.ipynb&reset"))
    size, files = folder_size(site)
    report = (
        json.loads((site / "build-report.json").read_text()) if (site / "build-report.json").exists() else {}
    )
    return {
        "route": name,
        "lesson": target.stem,
        "site_bytes": size,
        "site_files": files,
        "pyodide_bytes": report.get("pyodide_bytes"),
        **summarise(results),
        "each": results,
    }


def bench_lab(runs: int) -> dict:
    target = lesson()
    results, starts = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        with B.jupyter_lab() as (base, token, _log):
            starts.append(time.perf_counter() - t0)
            results.append(measure(f"{base}lab/tree/lessons/{target.name}?reset&token={token}"))
    return {
        "route": "JupyterLab (make lab)",
        "lesson": target.stem,
        "server_start_s": round(statistics.median(starts), 2),
        **summarise(results),
        "each": results,
    }


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", default=str(ROOT / "lite" / "_output"))
    parser.add_argument(
        "--compare-no-preload",
        action="store_true",
        help="also build and time a site whose kernel installs packages one by one",
    )
    parser.add_argument("--skip-lab", action="store_true")
    args = parser.parse_args(argv)
    reason = B.missing_browser_reason()
    if reason:
        raise SystemExit(f"cannot benchmark in a browser: {reason}")
    from tools import build_lite

    site = Path(args.site)
    if not (site / "jupyter-lite.json").exists():
        build_lite.main(["--output", str(site)])
    sites = [(site, "JupyterLite (bundled Pyodide, preloaded packages)")]
    if args.compare_no_preload:
        other = ROOT / "_build" / "bench-lite-no-preload"
        build_lite.main(
            ["--output", str(other), "--work", str(ROOT / "_build" / "lite-src-bench"), "--no-preload"]
        )
        sites.append((other, "JupyterLite (bundled Pyodide, packages installed by the kernel)"))
    results = []
    for path, name in sites:
        results.append(bench_lite(path, args.runs, name))
    if not args.skip_lab:
        results.append(bench_lab(args.runs))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "zero_install.json").write_text(json.dumps(results, indent=1))
    print(
        f"\nZero-install benchmark: lesson {results[0]['lesson']}, median of {args.runs} cold runs "
        "(headless Chromium, loopback)\n"
    )
    print(f"{'route':62} {'size':>9} {'notebook':>9} {'kernel':>7} {'1st cell':>9} {'all':>7}")
    for r in results:
        size = f"{r['site_bytes'] / 1e6:.1f} MB" if "site_bytes" in r else f"(start {r['server_start_s']} s)"
        print(
            f"{r['route']:62} {size:>9} {r['notebook_shown_s']:>8}s {r['kernel_ready_s']:>6}s "
            f"{r['first_cell_s']:>8}s {r['all_cells_s']:>6}s"
            + (f"  errors: {r['errors']}" if r["errors"] else "")
        )
    for r in results:
        if r.get("pyodide_bytes"):
            print(
                f"  {r['route']}: {r['site_bytes'] / 1e6:.1f} MB in {r['site_files']} files, "
                f"of which Pyodide and its packages {r['pyodide_bytes'] / 1e6:.1f} MB"
            )
    return results


if __name__ == "__main__":
    main()
