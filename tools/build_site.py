"""Build the course website: every lesson as a static page with live figures, the glossary and
the references, and on each lesson links to launch it on Binder or in JupyterLite and to download
the notebook. Run by ``make site``; the site lands in ``_build/site/html/``.

Steps: stage ``site/`` (Sphinx configuration) in ``_build/site-src/``; execute each lesson in a
fresh kernel; turn its plotly outputs into HTML that loads ``_static/plotly.min.js`` (one copy for
the whole site) with :mod:`coursekit.static`; add the launch links, link citations to the
lesson's reference list; stage the instructors' section from ``instructors/`` (syllabus, guides,
lesson notes); write the glossary (English, Korean, Japanese) and references pages from the
datasets; then ``sphinx-build`` (MyST-NB with the book theme, the Jupyter Book 1 stack, without
executing anything again). Nothing is fetched from the network.
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

import coursekit as ck
from coursekit.references import CITE_LINK, code_calls, labels, render_citations
from coursekit.static import render_notebook, write_plotly_js
from tools.build_lite import lessons
from tools.launch import binder_url, course_config, lite_url

ROOT = Path(__file__).resolve().parents[1]


def log(text: str) -> None:
    print(f"[site] {text}", flush=True)


def link_citations(text: str, names: dict[str, str]) -> str:
    """Citations in a lesson's Markdown -> HTML links to the lesson's own reference list.

    ``[Sahashi 2011](#ref-id)`` becomes ``<a class="course-cite" href="#ref-id">Sahashi 2011</a>``
    (MyST would look for a heading called ``ref-id``); a short key ``[@a; @b]`` that was not yet
    rewritten by ``tools/citations.py`` is first given its author–date label from ``names``, so no
    raw key reaches a page. Inline code is left alone.
    """

    def one(match):
        return (
            f'<a class="course-cite" href="#ref-{html.escape(match.group(2))}">'
            f"{html.escape(match.group(1))}</a>"
        )

    parts = re.split(r"(`+[^`]*`+)", render_citations(text, names))
    return "".join(p if p.startswith("`") else CITE_LINK.sub(one, p) for p in parts)


def link_citations_to_references(text: str, depth: int) -> str:
    """Citations in a page outside the lessons (the instructors' section) -> author–date links to
    the site's references page, ``depth`` folders up (code spans left alone)."""
    ids = ck.cited_ids("\n".join(re.split(r"`+[^`]*`+", text)))
    out = link_citations(text, labels(ids)) if ids else text
    return out.replace('href="#ref-', f'href="{"../" * depth}references.html#ref-')


def cited_in(nb) -> set[str]:
    ids = set(ck.cited_ids("\n".join(c.source for c in nb.cells if c.cell_type == "markdown")))
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    args = [call.args[0] for call in code_calls(code, "references") if call.args]
    for call in code_calls(code, "Perspective"):
        args.append(
            call.args[2]
            if len(call.args) > 2
            else next((k.value for k in call.keywords if k.arg == "sources"), None)
        )
    for arg in args:
        try:
            value = ast.literal_eval(arg) if arg is not None else []
        except ValueError:
            continue
        ids.update([value] if isinstance(value, str) else value)
    return ids


def execute(nb, folder: Path, timeout: int) -> tuple[list[str], float]:
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    problems = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"{out.ename}: {out.evalue}"[:300])
    return problems, time.perf_counter() - start


def stage_lesson(path: Path, src: Path, config: dict, timeout: int) -> dict:
    nb = jupytext.read(path)
    nb.metadata.pop("jupytext", None)
    clean = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    notebooks = src / "_static" / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    nbformat.write(clean, notebooks / f"{path.stem}.ipynb")

    problems, seconds = execute(nb, path.parent, timeout)
    figures = render_notebook(nb, plotly_js_url="../_static/plotly.min.js", keep_json=False)
    ids = cited_in(nb)
    names = labels(ids)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = link_citations(cell.source, names)
    launch = (
        '<div class="course-launch" role="navigation" aria-label="Open this lesson">'
        f'<a class="launch-binder" href="{html.escape(binder_url(config, "lessons/" + path.name))}">'
        "Open on Binder</a>"
        '<a class="launch-lite" '
        f'href="{html.escape(lite_url(config, "lessons/" + path.stem + ".ipynb", 1))}">'
        "Open in JupyterLite (in your browser)</a>"
        f'<a class="launch-download" href="../_static/notebooks/{path.stem}.ipynb" download>'
        "Download the notebook (.ipynb)</a></div>"
    )
    first_md = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), 0)
    nb.cells.insert(first_md + 1, nbformat.v4.new_markdown_cell(launch))
    (src / "lessons").mkdir(exist_ok=True)
    nbformat.write(nb, src / "lessons" / f"{path.stem}.ipynb")
    title = next(
        (
            line[2:].strip()
            for c in nb.cells
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if line.startswith("# ")
        ),
        path.stem,
    )
    return {
        "lesson": path.stem,
        "title": title,
        "figures": figures,
        "errors": problems,
        "seconds": round(seconds, 1),
        "sources": sorted(ids),
    }


INSTRUCTORS = ROOT / "instructors"
GUIDES = ["syllabus", "sensitive-history", "debate", "capstone-rubric"]


def instructor_pages(src: Path, folder: Path = INSTRUCTORS) -> list[dict]:
    """Stage ``instructors/`` as the site's section for instructors, under ``instructors/``.

    The folder's README becomes the section's index page; then the guides in ``GUIDES`` order, any
    other top-level page, and the lesson notes in lesson order. Citations link to the references
    page; links to lessons point at the staged notebooks. Returns one dict per page: its docname
    (for the toctree), title and the source ids it cites.
    """
    if not folder.is_dir():
        return []
    target = src / "instructors"
    (target / "notes").mkdir(parents=True, exist_ok=True)
    top = {p.stem: p for p in folder.glob("*.md") if p.name != "README.md"}
    order = (
        ([folder / "README.md"] if (folder / "README.md").is_file() else [])
        + [top.pop(name) for name in GUIDES if name in top]
        + [top[name] for name in sorted(top)]
        + sorted((folder / "notes").glob("*.md"))
    )
    pages = []
    for path in order:
        rel = path.relative_to(folder)
        name = "index" if rel.name == "README.md" else rel.stem
        docname = (rel.parent / name).as_posix()
        depth = len(rel.parts)  # instructors/x.md -> 1 level below the site root, notes/x.md -> 2
        text = path.read_text(encoding="utf-8")
        ids = sorted(set(ck.cited_ids("\n".join(re.split(r"`+[^`]*`+", text)))))
        text = re.sub(r"\]\(((?:\.\./)+)lessons/([0-9][0-9][a-z]?-[^)#]*)\.md", r"](\1lessons/\2.ipynb", text)
        text = text.replace("](README.md", "](index.md").replace("](../README.md", "](../index.md")
        text = link_citations_to_references(text, depth)
        (target / rel.parent / f"{name}.md").write_text(text, encoding="utf-8")
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), name)
        pages.append({"docname": f"instructors/{docname}", "title": title, "sources": ids})
    return pages


def glossary_page(src: Path) -> int:
    try:
        table = ck.load("glossary")
    except (ck.DatasetError, FileNotFoundError, KeyError) as err:  # the glossary may still be missing
        table, reason = None, f"{type(err).__name__}: {err}".splitlines()[0]
    lines = [
        "# Glossary",
        "",
        "Key terms of the course in English, Korean (한국어) and Japanese (日本語), with "
        "romanisations and a short definition. Lessons list the terms they use in their "
        '*Glossary* section; search them in a notebook with `ck.glossary_search("word")`.',
        "",
    ]
    if table is None or table.empty:
        lines += [
            ":::{note}",
            "The glossary is not available yet"
            + (f" ({html.escape(reason)})." if table is None else " (it has no entries)."),
            ":::",
            "",
        ]
        (src / "glossary.md").write_text("\n".join(lines), encoding="utf-8")
        return 0
    table = table.fillna("").sort_values(
        "term_en", key=lambda s: s.str.replace(r"^\W+", "", regex=True).str.casefold()
    )
    rows = []
    for row in table.itertuples(index=False):

        def cell(value, lang=None, rom=None):
            text = html.escape(str(value))
            if rom:
                text += f'<br><small lang="{lang}-Latn">{html.escape(str(rom))}</small>'
            return f'<td lang="{lang}">{text}</td>' if lang else f"<td>{text}</td>"

        rows.append(
            f'<tr id="term-{html.escape(row.id)}"><th scope="row" lang="en">{html.escape(row.term_en)}</th>'
            + cell(row.term_ko, "ko", row.term_ko_romanized)
            + cell(row.term_ja, "ja", row.term_ja_romanized)
            + cell(row.definition)
            + "</tr>"
        )
    lines += [
        '<table class="course-glossary table">',
        '<colgroup><col class="term"><col class="term"><col class="term"><col class="definition"></colgroup>',
        "<thead><tr><th>English</th><th>Korean</th><th>Japanese</th><th>Definition</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody></table>",
        "",
    ]
    (src / "glossary.md").write_text("\n".join(lines), encoding="utf-8")
    return len(rows)


def references_page(src: Path, staged: list[dict], extra: list[dict] | None = None) -> int:
    """``staged``: the lessons; ``extra``: other pages that cite sources (the instructors' section)."""
    used: dict[str, list[dict]] = {}
    for lesson in staged:
        for sid in lesson["sources"]:
            used.setdefault(sid, []).append(lesson)
    elsewhere: dict[str, str] = {}
    for page in extra or []:
        for sid in page["sources"]:
            used.setdefault(sid, [])
            elsewhere.setdefault(
                sid, f'<a href="{html.escape(page["docname"])}.html">instructors\' notes</a>'
            )

    register = ck.load("sources").fillna("").set_index("id")
    items = []
    for sid in sorted(
        used, key=lambda s: str(register.loc[s, "citation"]).casefold() if s in register.index else s
    ):
        lessons_html = ", ".join(
            f'<a href="lessons/{html.escape(page["lesson"])}.html">'
            f"{html.escape(page['lesson'].split('-', 1)[0])}</a>"
            for page in used[sid]
        )
        if sid not in register.index:
            items.append(
                f'<li id="ref-{html.escape(sid)}"><code>{html.escape(sid)}</code> '
                f"(not in the source register) <small>cited in lesson {lessons_html}</small></li>"
            )
            continue
        row = register.loc[sid]
        if sid in elsewhere:
            lessons_html = ", ".join(part for part in (lessons_html, elsewhere[sid]) if part)
        url = str(row.get("url", ""))
        link = f' <a href="{html.escape(url)}" rel="noopener">{html.escape(url)}</a>' if url else ""
        licence = (
            f" <small>({html.escape(str(row.get('licence', '')))})</small>" if row.get("licence", "") else ""
        )
        items.append(
            f'<li id="ref-{html.escape(sid)}"><code>{html.escape(sid)}</code> '
            f"{html.escape(str(row['citation']))}{link}{licence} "
            f"<small>— cited in lesson {lessons_html}</small></li>"
        )
    text = [
        "# References",
        "",
        "Every source cited in the lessons, from the course's source register "
        '(`datasets/sources.csv`; in a notebook: `ck.source("id")`). Citations in a '
        "lesson, such as (Sahashi 2011), link to the lesson's own reference list; each entry here "
        "names the lessons that cite it.",
        "",
        '<ol class="course-references">',
        *items,
        "</ol>",
        "",
    ]
    (src / "references.md").write_text("\n".join(text), encoding="utf-8")
    return len(items)


def index_page(src: Path, staged: list[dict], config: dict, instructors: list[dict] | None = None) -> None:
    start = "lessons/00-start-here"
    instructors = instructors or []
    teaching = (
        (
            "\n\n**Teaching this course?** The [instructors' section](instructors/index.md) has a "
            "syllabus, notes and model points for every lesson, guidance on the sensitive history, "
            "and the capstone's rubric and debate run-sheet."
        )
        if instructors
        else ""
    )
    instructor_toc = (
        (
            "\n```{toctree}\n:hidden:\n:caption: For instructors\n\n"
            + "\n".join(p["docname"] for p in instructors)
            + "\n```\n"
        )
        if instructors
        else ""
    )
    rows = "\n".join(f"- [{page['title']}](lessons/{page['lesson']}.ipynb)" for page in staged)
    first = staged[0]["lesson"] if staged else "00-start-here"
    text = f"""# {config["title"]}

An open course, sourced claim by claim, on the US–Japan–South Korea alliance system and on whether
Seoul and Tokyo should work together on security against North Korean challenges. Each lesson
has objectives, a sourced narrative, interactive figures drawn from the course's datasets,
self-checks with instant feedback, perspectives from several capitals, and discussion prompts.

## Three ways to take the course

<div class="course-launch">
<a class="launch-binder" href="{html.escape(binder_url(config, start + ".md"))}">Open on Binder</a>
<a class="launch-lite" href="{html.escape(lite_url(config, "lessons/" + first + ".ipynb", 0))}">\
Open in JupyterLite (in your browser)</a>
</div>

- **Read** these pages: every lesson with its figures, run once when the site was built.
- **JupyterLite** runs the lessons in your browser (Python compiled to WebAssembly): nothing to
  install, no server, and your changes stay in your browser. The first start downloads about
  40 MB.
- **Binder** starts a full Jupyter server in the cloud with the course installed; slower to start
  and time-limited, but the same as a local install (including the nbgrader exercises).
- **On your computer**: `make lab` (Python 3.11+), see the README.

## Lessons

{rows}

See also the [glossary](glossary.md) (English, Korean, Japanese) and the
[references](references.md).{teaching}

```{{toctree}}
:hidden:
:caption: Lessons

{chr(10).join(f"lessons/{page['lesson']}" for page in staged)}
```

```{{toctree}}
:hidden:
:caption: Reference

glossary
references
```
{instructor_toc}"""
    (src / "index.md").write_text(text, encoding="utf-8")


def build(args) -> dict:
    start = time.perf_counter()
    src, out = Path(args.work).resolve(), Path(args.output).resolve()
    config = course_config()
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(ROOT / "site", src, ignore=shutil.ignore_patterns("course.json", "__pycache__"))
    write_plotly_js(src / "_static")
    staged = []
    for path in lessons():
        info = stage_lesson(path, src, config, args.timeout)
        staged.append(info)
        log(
            f"{path.stem}: executed in {info['seconds']} s, {info['figures']} figures"
            + (f", ERRORS: {info['errors']}" if info["errors"] else "")
        )
    teaching = instructor_pages(src)
    terms = glossary_page(src)
    refs = references_page(src, staged, teaching)
    index_page(src, staged, config, teaching)
    log(f"glossary: {terms} terms; references: {refs} sources; instructors: {len(teaching)} pages")

    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ, COURSE_SITE_CONFIG=json.dumps(config), PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-q",
            "-j",
            "auto",
            "-d",
            str(src.parent / "site-doctrees"),
            str(src),
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    if proc.returncode:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
        raise SystemExit(f"sphinx-build failed ({proc.returncode})")
    for line in warnings[:20]:
        log(line)

    lite = Path(args.lite_output).resolve()
    lite_target = config["lite_url"]
    if "://" not in lite_target and not lite_target.startswith("/"):
        if lite.is_dir() and not args.no_lite:
            shutil.copytree(lite, out / lite_target, dirs_exist_ok=True)
            log(f"JupyterLite site copied into {out / lite_target}")
        else:
            log(
                f"no JupyterLite site to copy ({lite} missing: run `make lite` first); "
                "the 'Open in JupyterLite' links will not work on this copy"
            )
    errors = {page["lesson"]: page["errors"] for page in staged if page["errors"]}
    report = {
        "output": str(out),
        "lessons": staged,
        "glossary_terms": terms,
        "references": refs,
        "instructors": [p["docname"] for p in teaching],
        "sphinx_warnings": warnings,
        "errors": errors,
        "seconds": round(time.perf_counter() - start, 1),
    }
    (out / "build-report.json").write_text(json.dumps(report, indent=1))
    log(f"site: {out}/index.html ({len(staged)} lessons) in {report['seconds']} s")
    if errors and args.strict:
        raise SystemExit(f"lessons with errors: {sorted(errors)}")
    return report


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(ROOT / "_build" / "site" / "html"))
    parser.add_argument("--work", default=str(ROOT / "_build" / "site-src"))
    parser.add_argument("--timeout", type=int, default=180, help="seconds per cell")
    parser.add_argument(
        "--lite-output",
        default=str(ROOT / "lite" / "_output"),
        help="the JupyterLite site to copy into the website (built by make lite)",
    )
    parser.add_argument("--no-lite", action="store_true", help="do not copy the JupyterLite site in")
    parser.add_argument("--strict", action="store_true", help="fail if a lesson raises an error")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    return build(parse_args(argv))


if __name__ == "__main__":
    main()
