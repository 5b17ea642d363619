"""The website's instructors' section: tools/build_site.py stages instructors/ as its own section.

The full site is built only by the browser tests (tests/browser/test_site.py, `make test-browser`);
these tests exercise the functions that collect and stage the pages, without executing lessons or
running Sphinx.
"""

from __future__ import annotations

from pathlib import Path

from tools import build_site

ROOT = Path(__file__).resolve().parents[1]


def test_instructor_pages_stage_every_file_of_the_folder(tmp_path):
    pages = build_site.instructor_pages(tmp_path)
    docnames = [p["docname"] for p in pages]
    assert docnames[0] == "instructors/index"  # the README is the section's index page
    assert docnames[1:5] == [f"instructors/{name}" for name in build_site.GUIDES]
    sources = sorted((ROOT / "instructors").rglob("*.md"))
    assert len(pages) == len(sources) and len(set(docnames)) == len(docnames)
    notes = sorted(p.stem for p in (ROOT / "instructors" / "notes").glob("*.md"))
    assert [d.split("/")[-1] for d in docnames if d.startswith("instructors/notes/")] == notes
    for page in pages:
        staged = tmp_path / f"{page['docname']}.md"
        assert staged.is_file(), staged
        assert page["title"] and not page["title"].startswith("instructors/")
    syllabus = next(p for p in pages if p["docname"] == "instructors/syllabus")
    assert "sahashi-2011-eaf" in syllabus["sources"]


def test_staged_pages_link_citations_and_lessons_for_the_site(tmp_path):
    build_site.instructor_pages(tmp_path)
    syllabus = (tmp_path / "instructors" / "syllabus.md").read_text(encoding="utf-8")
    assert 'href="../references.html#ref-sahashi-2011-eaf"' in syllabus
    notes = (tmp_path / "instructors" / "notes" / "01-hub-and-spokes.md").read_text(encoding="utf-8")
    assert 'href="../../references.html#ref-' in notes
    debate = (tmp_path / "instructors" / "debate.md").read_text(encoding="utf-8")
    assert "](../lessons/10-capstone.ipynb)" in debate and "10-capstone.md)" not in debate
    index = (tmp_path / "instructors" / "index.md").read_text(encoding="utf-8")
    assert "](README.md" not in index


def test_index_has_a_for_instructors_section_and_references_list_their_sources(tmp_path):
    pages = build_site.instructor_pages(tmp_path)
    lessons = [{"lesson": "00-start-here", "title": "Lesson 00", "sources": ["sahashi-2011-eaf"]}]
    config = {
        "title": "Course",
        "repository": "o/r",
        "branch": "main",
        "site_url": "",
        "binderhub": "https://mybinder.org",
        "lite_url": "lite/",
    }
    build_site.index_page(tmp_path, lessons, config, pages)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert ":caption: For instructors" in index
    assert "instructors/index\ninstructors/syllabus" in index
    assert "(instructors/index.md)" in index
    build_site.references_page(tmp_path, lessons, pages)
    refs = (tmp_path / "references.md").read_text(encoding="utf-8")
    cited = {sid for p in pages for sid in p["sources"]}
    for sid in cited:
        assert f'id="ref-{sid}"' in refs, sid
    assert 'href="instructors/' in refs


def test_a_missing_folder_gives_no_section(tmp_path):
    assert build_site.instructor_pages(tmp_path, folder=tmp_path / "nope") == []
