"""Learner inputs to the timeline helpers: every reasonable way of writing a year or a date works,
and anything else gets the course's message (never a pandas traceback)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import coursekit as ck
from coursekit.timeline import actor_codes

FROM_1995 = len(ck.filter_events(start=1995))


@pytest.mark.parametrize(
    "value",
    [
        1995,
        np.int32(1995),
        np.int64(1995),
        1995.0,
        np.float64(1995.0),
        "1995",
        " 1995 ",
        "1995-01",
        "1995-01-01",
        dt.date(1995, 1, 1),
        dt.datetime(1995, 1, 1),
        pd.Timestamp("1995-01-01"),
        np.datetime64("1995-01-01"),
    ],
    ids=lambda v: f"{type(v).__name__}:{v}",
)
def test_every_way_of_writing_the_start_of_1995_gives_the_same_rows(value):
    assert len(ck.filter_events(start=value)) == FROM_1995


def test_a_year_from_a_pandas_column_is_a_year_not_nanoseconds():
    year = ck.load("events")["date"].dt.year.astype("int32").iloc[-1]
    assert isinstance(year, np.integer)
    got = ck.filter_events(start=year, end=year)
    assert len(got) > 0 and set(got["date"].dt.year) == {int(year)}


@pytest.mark.parametrize(
    "end, last_day",
    [
        (2010, "2010-12-31"),
        ("2010", "2010-12-31"),
        ("2010-11", "2010-11-30"),
        ("2012-02", "2012-02-29"),
        ("2010-11-23", "2010-11-23"),
        (dt.date(2010, 11, 23), "2010-11-23"),
    ],
)
def test_the_end_of_a_period_is_inclusive(end, last_day):
    got = ck.filter_events(start=2010, end=end)
    assert got["date"].max() <= pd.Timestamp(last_day)


def test_a_month_end_includes_events_on_its_last_day():
    events = ck.load("events")
    day = events["date"].iloc[0]
    month = f"{day.year}-{day.month:02d}"
    assert (ck.filter_events(start=month, end=month)["id"] == events["id"].iloc[0]).any()


@pytest.mark.parametrize(
    "value, words",
    [
        ("2010-13", "has no month 13"),
        ("2010-02-30", "not a real calendar date"),
        ("soon", "is not a year"),
        ("1995/06", "is not a year"),
        (1995.5, "not a whole year"),
        (True, "True or False"),
        ([1995], "is a list"),
        (-5, "between 1 and 9999"),
        (pd.NaT, "empty date"),
    ],
)
def test_anything_else_gets_the_course_message(value, words):
    with pytest.raises(ValueError) as err:
        ck.filter_events(start=value)
    text = str(err.value)
    assert words in text and "Give years (1994)" in text


def test_a_start_after_the_end_is_explained():
    with pytest.raises(ValueError, match="the start comes after the end"):
        ck.filter_events(start="2011", end=np.int64(2010))


def test_actor_codes_come_from_the_schema_and_cover_the_data():
    codes = set(actor_codes())
    used = set(ck.load("events")["actors"].astype(str).str.split(";").explode())
    assert used <= codes and {"USA", "JPN", "KOR", "PRK"} <= codes


def test_an_unknown_actor_lists_the_codes_from_the_schema():
    with pytest.raises(ValueError) as err:
        ck.filter_events(actors="ROK")
    assert "'ROK' is not an actor code" in str(err.value)
    assert all(code in str(err.value) for code in actor_codes())


@pytest.mark.parametrize("start", [2000, np.int64(2000), 2000.0, "2000", dt.date(2000, 6, 1)])
def test_yearly_counts_takes_the_same_kinds_of_year(start):
    counts = ck.yearly_counts(ck.load("nuclear_tests"), "date_utc", start=start, end="2020")
    assert counts["year"].tolist() == list(range(2000, 2021))


def test_yearly_counts_rejects_a_non_year_kindly():
    with pytest.raises(ValueError, match="is not a year"):
        ck.yearly_counts(ck.load("nuclear_tests"), "date_utc", start="twenty")
