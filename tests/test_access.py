"""Reading and accessibility: citations readable wherever students read, figures that do not
depend on sight, colour or a mouse.

- No lesson's Markdown (what JupyterLab and JupyterLite show) and no website lesson page holds a
  raw ``[@id]`` key; every citation is an author–date link to the lesson's reference list, with
  the label the register gives (``tools/citations.py --check``). The browser tests check the
  rendered pages and JupyterLab too.
- Figure descriptions name the events or labelled points, not only counts per category.
- Every colour of the palette has a contrast of at least 3:1 on white (WCAG 2.1, 1.4.11), and
  groups differ by a second cue (marker symbol, line dash, bar pattern) besides colour.
- No lesson or exercise tells readers to hover without an alternative that works by keyboard or
  screen reader.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import coursekit as ck
from coursekit.references import CITE_LINK, label, labels
from tests.support.lessonkit import LESSONS, code_calls, literal_list, read_lesson

ROOT = Path(__file__).resolve().parents[1]
IDS = [p.name[:2] for p in LESSONS]
EXERCISES = sorted((ROOT / "autograding" / "authoring").glob("a[0-9][0-9]-*.md"))
RAW_KEY = re.compile(r"\[@[A-Za-z0-9]")


def prose(markdown: str) -> str:
    """Markdown without inline code and fenced blocks (where a lesson may teach the key form)."""
    markdown = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    return re.sub(r"`+[^`]*`+", "", markdown)


def markdown_of(nb) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_markdown_shows_no_raw_citation_key(path):
    text = prose(markdown_of(read_lesson(path)))
    raw = [m.group(0) + text[m.end() : m.end() + 30] for m in RAW_KEY.finditer(text)]
    assert not raw, f"raw citation keys (run python tools/citations.py): {raw[:5]}"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_citation_labels_follow_the_register(path):
    nb = read_lesson(path)
    links = CITE_LINK.findall(prose(markdown_of(nb)))
    listed = literal_list(code_calls(nb, "references")[0].args[0])  # the lesson's reference list
    names = labels(listed + ck.cited_ids(markdown_of(nb)))
    wrong = sorted({(label, sid) for label, sid in links if names.get(sid, label) != label})
    assert not wrong, f"labels out of step with the register (run python tools/citations.py): {wrong[:5]}"


def test_the_rewriting_script_is_idempotent_and_checks():
    from tools import citations

    text = "A claim [@sahashi-2011-eaf].\n\n```{code-cell} ipython3\nx = '[@usgs-comcat]'\n```\n"
    once = citations.rewrite(text)
    assert "([Sahashi 2011](#ref-sahashi-2011-eaf))" in once and "x = '[@usgs-comcat]'" in once
    assert citations.rewrite(once) == once
    assert citations.main(["--check"]) == 0, "a lesson holds raw keys: run python tools/citations.py"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_site_markdown_links_citations_in_page(path):
    from tools.build_site import cited_in, link_citations

    nb = read_lesson(path)
    names = labels(cited_in(nb))
    pages = [link_citations(c.source, names) for c in nb.cells if c.cell_type == "markdown"]
    text = prose("\n\n".join(pages))
    assert not RAW_KEY.search(text), RAW_KEY.search(text)
    hrefs = re.findall(r'<a class="course-cite" href="#ref-([a-z0-9-]+)">', text)
    assert set(hrefs) == set(ck.cited_ids(prose(markdown_of(nb)))), "every citation links to the list"
    assert not CITE_LINK.search(text), "a Markdown citation link was left for MyST"


def test_site_turns_a_leftover_key_into_a_citation():
    from tools.build_site import link_citations

    out = link_citations("As argued [@sahashi-2011-eaf], see `[@x]`.", labels(["sahashi-2011-eaf"]))
    assert out == (
        'As argued (<a class="course-cite" href="#ref-sahashi-2011-eaf">Sahashi 2011</a>), see `[@x]`.'
    )


def test_reference_list_has_an_anchor_and_the_label_for_every_citation():
    refs = ck.references(["sahashi-2011-eaf", "usgs-comcat"])
    page = refs._repr_html_()
    assert 'id="ref-sahashi-2011-eaf"' in page and "<strong>Sahashi 2011.</strong>" in page
    assert "Sahashi 2011. " in str(refs)


def test_same_author_and_year_get_letters():
    register = ck.load("sources")
    dup = register.assign(label=register["id"].map(label))
    twins = dup[dup.duplicated("label", keep=False)].sort_values("label")
    if twins.empty:
        pytest.skip("no two sources share a label")
    pair = twins.iloc[:2]["id"].tolist()
    names = labels(pair)
    assert names[pair[0]] != names[pair[1]] and all(n[-1] in "ab" for n in names.values()), names


def test_feedback_renders_students_citations():
    from coursekit.grading.feedback import RenderCitations

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("Six tests [@usgs-comcat; @no-such-source]; write keys as `[@id]`.")
        ]
    )
    nb, _ = RenderCitations().preprocess(nb, {})
    first, last = nb.cells[0].source, nb.cells[-1].source
    assert "[@" not in prose(first) and "(#ref-usgs-comcat)" in first and "`[@id]`" in first
    assert 'id="ref-usgs-comcat"' in last and "not in the course's source register" in last


def test_feedback_preprocessor_is_configured():
    config = (ROOT / "autograding" / "nbgrader_config.py").read_text()
    assert "coursekit.grading.feedback.RenderCitations" in config


# --- figures -------------------------------------------------------------------------------


def test_palette_contrast_on_white_is_at_least_three_to_one():
    low = {
        c: round(ck.figures.contrast_ratio(c), 2)
        for c in [*ck.PALETTE, *ck.ACTOR_COLOURS.values()]
        if ck.figures.contrast_ratio(c) < 3
    }
    assert not low, f"colours below 3:1 on white: {low}"
    assert round(ck.figures.contrast_ratio("#F0E442"), 1) == 1.3  # the old yellow fails, as it should
    assert len(set(ck.PALETTE)) == len(ck.PALETTE)


def _events(n):
    return pd.DataFrame(
        {
            "date": pd.date_range("2010-01-01", periods=n, freq="7D"),
            "title": [f"Event number {i}" for i in range(n)],
            "category": (["exercise", "ministerial", "incident"] * n)[:n],
        }
    )


def test_timeline_description_names_every_event_when_few():
    events = _events(9)
    text = ck.figure_description(ck.timeline_figure(events, title="Few"))
    for row in events.itertuples():
        assert f"{row.date:%Y-%m-%d} {row.title}" in text


def test_timeline_description_names_a_dozen_and_counts_the_rest():
    events = _events(40)
    text = ck.figure_description(ck.timeline_figure(events, title="Many"))
    named = [t for t in events["title"] if t + " (" in text]
    assert len(named) == 12 and "Event number 0 (" in text and "Event number 39 (" in text
    assert "The other 28 by row:" in text


def test_real_timeline_description_names_the_events_of_2010():
    events = ck.filter_events(start=2010, end=2010)
    text = ck.figure_description(ck.timeline_figure(events, title="2010"))
    assert all(title in text for title in events["title"])


def test_scatter_description_names_labelled_points_grouped_by_position():
    table = pd.DataFrame({"a": [1, 1, 2], "b": [2, 2, 5], "label": ["x", "y", "z"]})
    text = ck.figure_description(ck.scatter_chart(table, x="a", y="b", hover="label", title="T"))
    assert "a 2, b 5: z" in text and "a 1, b 2: x, y" in text


def test_groups_differ_by_more_than_colour():
    spend = ck.load("military_expenditure")
    lines = ck.line_chart(spend, x="year", y="share_of_gdp_pct", color="country_code", title="S")
    assert len({t.line.dash for t in lines.data}) == min(len(lines.data), len(set(ck.figures.DASHES)))
    assert len({t.marker.symbol for t in lines.data}) == min(len(lines.data), len(ck.figures.SYMBOLS))
    events = ck.filter_events(start=2010, end=2011)
    timeline = ck.timeline_figure(events, title="T")
    assert len({t.marker.symbol for t in timeline.data}) == min(len(timeline.data), len(ck.figures.SYMBOLS))
    table = pd.DataFrame({"x": [1, 1, 2], "y": [1, 2, 3], "g": ["a", "b", "a"]})
    bars = ck.bar_chart(table, x="x", y="y", color="g", title="B")
    assert len({t.marker.pattern.shape for t in bars.data}) == 2


# --- no mouse-only instructions ---------------------------------------------------------------

ALTERNATIVE = re.compile(r"description|point at|pointing|tap|keyboard|screen reader", re.I)


@pytest.mark.parametrize("path", [*LESSONS, *EXERCISES], ids=[p.stem[:3] for p in [*LESSONS, *EXERCISES]])
def test_no_hover_only_instruction(path):
    nb = read_lesson(path)
    bad = []
    for paragraph in re.split(r"\n\s*\n", prose(markdown_of(nb))):
        for sentence in re.split(r"(?<=[.?!])\s+", paragraph):
            if re.search(r"\bhover", sentence, re.I) and not ALTERNATIVE.search(paragraph):
                bad.append(sentence.strip()[:120])
    assert not bad, f"'hover' without an alternative for keyboard or screen-reader users: {bad}"
