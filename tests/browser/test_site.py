"""(c) The course website (`make site`): pages render, figures draw from one local plotly.js,
the glossary and references are there, every link on every page works, citations read as
citations (no raw ``[@id]`` key), and every page passes axe-core's WCAG 2 A/AA audit (no serious
or critical violation)."""

from __future__ import annotations

import html.parser
import json
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tests.support import browser as B
from tests.support.lessonkit import LESSONS

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"script", "img"} and attrs.get("src"):
            self.links.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_local_link_resolves(website):
    pages = [p for p in website.rglob("*.html") if p.relative_to(website).parts[0] not in {"lite", "_static"}]
    assert (website / "index.html") in pages
    parsed = {p: parse(p) for p in pages}
    broken, external = [], set()
    for page, links in parsed.items():
        for href in links.links:
            url = urlparse(href)
            if url.scheme in {"http", "https"}:
                external.add(url.netloc)
                continue
            if url.scheme:  # mailto:, javascript:, data:
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(website)} -> {href}")
                continue
            if url.fragment and target.suffix == ".html" and target in parsed:
                if url.fragment not in parsed[target].ids:
                    broken.append(f"{page.relative_to(website)} -> {href} (no such anchor)")
            if "lite" in url.path and "path" in parse_qs(url.query):
                notebook = website / "lite" / "files" / parse_qs(url.query)["path"][0]
                if not notebook.is_file():
                    broken.append(f"{page.relative_to(website)} -> {href} (no such lite notebook)")
    assert not broken, broken[:20]
    # Only the launch links (Binder) and the sources' own addresses point elsewhere.
    assert "mybinder.org" in external


def test_lesson_pages_have_launch_links_and_one_plotly_js(website):
    report = json.loads((website / "build-report.json").read_text())
    lessons = [p.stem for p in LESSONS]
    assert [row["lesson"] for row in report["lessons"]] == lessons
    assert not report["errors"], report["errors"]
    copies = [p for p in website.rglob("plotly.min.js") if p.relative_to(website).parts[0] != "lite"]
    assert copies == [website / "_static" / "plotly.min.js"]
    for stem in lessons:
        page = (website / "lessons" / f"{stem}.html").read_text(encoding="utf-8")
        assert 'class="launch-binder"' in page and "urlpath=lab%2Ftree%2Flessons%2F" + stem in page
        assert f"lite/lab/index.html?path=lessons/{stem}.ipynb" in page
        assert f"../_static/notebooks/{stem}.ipynb" in page
        assert (website / "_static" / "notebooks" / f"{stem}.ipynb").is_file()
        assert "cdn.plot.ly" not in page and "cdn.jsdelivr" not in page
        assert len(page.encode()) < 2_000_000, f"{stem}: page too large"


def test_pages_render_in_the_browser(website, page, artifacts):
    lessons = LESSONS
    audit, raw = {}, {}
    with B.static_server(website) as base:
        loaded = []
        page.on("request", lambda r: loaded.append(r.url) if r.url.endswith("plotly.min.js") else None)
        for lesson in lessons:
            page.goto(f"{base}lessons/{lesson.stem}.html")
            assert page.locator("h1").first.inner_text().startswith("Lesson")
            raw[lesson.stem] = B.raw_citation_keys(page)
            figures = page.locator(".coursekit-plotly")
            if figures.count():
                figures.first.scroll_into_view_if_needed()
                page.wait_for_selector(".coursekit-plotly.js-plotly-plot .main-svg", timeout=30_000)
                drawn = page.locator(".coursekit-plotly.js-plotly-plot").count()
                assert drawn == figures.count(), f"{lesson.stem}: {drawn} of {figures.count()} figures drawn"
            if lesson.name.startswith("01-"):
                page.screenshot(path=str(artifacts / "site-lesson.png"))
            audit[f"lessons/{lesson.stem}.html"] = B.axe_audit(page)  # after the figures are drawn
        assert len(set(loaded)) == 1, set(loaded)  # one plotly.js for the whole site
        page.goto(f"{base}glossary.html")
        page.screenshot(path=str(artifacts / "site-glossary.png"))
        table = page.locator("table.course-glossary")
        if table.count():
            assert table.locator("td[lang=ko]").count() >= 1 and table.locator("td[lang=ja]").count() >= 1
        audit["glossary.html"] = B.axe_audit(page)
        page.goto(f"{base}references.html")
        assert page.locator("ol.course-references li").count() >= 1
        audit["references.html"] = B.axe_audit(page)
        page.goto(f"{base}index.html")
        audit["index.html"] = B.axe_audit(page)
        # The instructors' section: every page, the same audit and no raw citation key.
        for found in sorted(website.glob("instructors/**/*.html")):
            rel = found.relative_to(website).as_posix()
            page.goto(f"{base}{rel}")
            raw[rel] = B.raw_citation_keys(page)
            audit[rel] = B.axe_audit(page)
        assert any(name.startswith("instructors/") for name in audit), "the site has no instructors' section"
        # A citation in a lesson reads as author and year and leads to the lesson's reference list.
        page.goto(f"{base}lessons/{lessons[1].stem}.html")
        cite = page.locator("a.course-cite").first
        href = cite.get_attribute("href")
        assert href.startswith("#ref-") and not cite.inner_text().startswith("@"), (href, cite.inner_text())
        cite.click()
        page.wait_for_url("**#ref-*")
        entry = page.locator(f"li#{href[1:]}")
        assert entry.count() == 1 and entry.is_visible()
        assert cite.inner_text() in entry.inner_text()  # the list shows the same author and year
        (artifacts / "axe-site.json").write_text(json.dumps(audit, indent=1))
        assert not {k: v for k, v in raw.items() if v}, f"raw citation keys on the site: {raw}"
        failing = {
            name: [(v["id"], v["impact"], len(v["nodes"])) for v in B.serious(found)]
            for name, found in audit.items()
            if B.serious(found)
        }
        assert not failing, f"axe-core: serious or critical WCAG 2 A/AA violations: {failing}"
        # The JupyterLite link opens the lesson in the in-browser course.
        page.goto(f"{base}lessons/{lessons[0].stem}.html")
        page.locator("a.launch-lite").first.click()
        B.wait_for_notebook(page)
    assert not page.console_errors, page.console_errors[:5]
    assert not page.outside, f"requests left the machine: {page.outside[:5]}"
