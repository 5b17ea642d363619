"""The figure builders' layout as a reader sees it: drawn by plotly.js in Chromium, the data credit
under each chart overlaps neither the axis title nor the tick labels, short figures included."""

from __future__ import annotations

import pytest

import coursekit as ck
from coursekit.static import figure_html, write_plotly_js
from tests.support import browser as B

pytestmark = pytest.mark.browser


def figures():
    spending = ck.load("military_expenditure")
    spending = spending[spending["year"] >= 2015]
    return {
        # one actor, one year: the shortest timeline the builders make (300 px)
        "short-timeline": ck.timeline_figure(
            ck.filter_events(start=2010, end=2010, actors="KOR"), title="2010"
        ),
        "timeline": ck.timeline_figure(ck.filter_events(start=1990, end=2020), title="1990-2020"),
        "bar": ck.bar_chart(
            spending,
            x="year",
            y="share_of_gdp_pct",
            color="country_code",
            title="Share of GDP",
            source="military_expenditure",
            stacked=False,
        ),
        "line": ck.line_chart(
            spending,
            x="year",
            y="expenditure_usd",
            color="country_code",
            title="Spending",
            source="military_expenditure",
        ),
    }


def boxes(page, selector):
    return page.eval_on_selector_all(
        selector,
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom]; })",
    )


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("width", [1000, 480])
def test_credit_line_clears_axis_title_and_ticks(page, tmp_path, artifacts, width):
    write_plotly_js(tmp_path)
    built = figures()
    for name, fig in built.items():
        (tmp_path / f"{name}.html").write_text(
            "<!doctype html><meta charset=utf-8><body>" + figure_html(fig, plotly_js_url="plotly.min.js"),
            encoding="utf-8",
        )
    page.set_viewport_size({"width": width, "height": 900})
    with B.static_server(tmp_path) as url:
        for name, fig in built.items():
            page.goto(url + name + ".html")
            page.wait_for_selector(".main-svg .annotation-text")
            credit = boxes(page, ".annotation-text")
            title = boxes(page, ".g-xtitle text")
            ticks = boxes(page, ".xtick text")
            assert credit and title and ticks, name
            assert (
                page.text_content(".annotation-text").split()[:3] == fig.layout.meta["source"].split()[:3]
            ), name
            clashes = [b for b in title + ticks if overlap(credit[0], b)]
            if clashes:
                page.screenshot(path=str(artifacts / f"FAILED-credit-{name}-{width}.png"))
            assert not clashes, f"{name} at {width}px: the credit line overlaps the axis labels"
            # and it stays inside the figure, not cut off at the bottom
            svg = boxes(page, ".main-svg")[0]
            assert credit[0][3] <= svg[3] + 0.5, f"{name} at {width}px: the credit line is cut off"
    assert not page.outside, page.outside
