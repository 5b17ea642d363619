"""The trilateral table says, period by period, how complete it is, and describe() shows it."""

from __future__ import annotations

import coursekit as ck

STATUSES = {"complete", "partial", "gap"}


def _periods():
    return ck.describe("trilateral_engagements").completeness


def test_the_completeness_note_exists_and_is_well_formed():
    periods = _periods()
    assert len(periods) >= 3
    assert set(periods["status"]) <= STATUSES, set(periods["status"]) - STATUSES
    assert (periods["end"] >= periods["start"]).all()
    assert periods["note"].str.len().gt(40).all(), "each period explains its status in a sentence or more"
    register = set(ck.load("sources")["id"])
    for ids in periods["source_ids"]:
        assert set(ids) <= register, set(ids) - register


def test_the_periods_cover_every_year_of_the_table_once():
    periods = _periods().sort_values("start")
    table = ck.load("trilateral_engagements")
    first, last = table["date"].dt.year.min(), table["date"].dt.year.max()
    covered = [year for row in periods.itertuples() for year in range(row.start, row.end + 1)]
    assert len(covered) == len(set(covered)), "periods overlap"
    missing = set(range(first, last + 1)) - set(covered)
    assert not missing, f"years of the table with no completeness note: {sorted(missing)}"
    assert periods["period"].tolist() == [
        f"{r.start}" if r.start == r.end else f"{r.start}-{r.end}" for r in periods.itertuples()
    ]


def test_a_gap_period_has_no_rows_and_describe_tells_the_reader():
    periods = _periods()
    years = ck.load("trilateral_engagements")["date"].dt.year
    for row in periods[periods["status"] == "gap"].itertuples():
        rows = int(years.between(row.start, row.end).sum())
        assert rows < row.end - row.start + 1, f"{row.period} is called a gap but has {rows} rows"
    text = str(ck.describe("trilateral_engagements"))
    assert "Completeness by period" in text and "GAP" in text
    assert "Completeness by period" in ck.describe("trilateral_engagements")._repr_markdown_()
    assert ck.describe("nuclear_tests").completeness.empty
    assert "Completeness" not in str(ck.describe("nuclear_tests"))
