"""Answer values survive the trip out of the sandbox as data: one round trip per supported type."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from coursekit._testing import Unsupported, decode, encode


def _trip(value):
    return decode(encode({"v": value}))["v"]


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**70,
        3.25,
        "독도 / 竹島 / Dokdo",
        "",
        [1, "a", None],
        (1, 2),
        {1, 2},
        {"a": 1, 2: [3]},
        b"\x00\xff",
        dt.date(1965, 6, 22),
        dt.time(9, 30),
        pd.Timestamp("2018-10-30"),
        pd.Timedelta(days=959),
        pd.Period("2010-11", "M"),
    ],
    ids=lambda v: type(v).__name__,
)
def test_plain_values_round_trip_exactly(value):
    back = _trip(value)
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize(
    "value, kind", [(dt.datetime(2010, 11, 23, 14, 34), pd.Timestamp), (dt.timedelta(hours=3), pd.Timedelta)]
)
def test_datetime_values_come_back_as_their_pandas_equivalents(value, kind):
    back = _trip(value)
    assert back == value and type(back) is kind


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.int64(1995), 1995),
        (np.float32(0.5), 0.5),
        (np.bool_(True), True),
        (np.datetime64("1995-01-01"), pd.Timestamp("1995-01-01")),
        (np.timedelta64(2, "D"), pd.Timedelta(days=2)),
    ],
)
def test_numpy_scalars_become_plain_python_values(value, expected):
    assert _trip(value) == expected


def test_special_floats_and_missing_values():
    assert math.isnan(_trip(float("nan")))
    assert _trip(float("inf")) == math.inf and _trip(-math.inf) == -math.inf
    assert _trip(pd.NaT) is pd.NaT and _trip(pd.NA) is pd.NA


def test_a_table_with_every_kind_of_column_round_trips():
    table = pd.DataFrame(
        {
            "year": [1951, 1953, 1965],
            "share": [0.5, np.nan, 1.25],
            "name": ["San Francisco", "Mutual Defense", None],
            "kind": pd.Categorical(
                ["treaty", "treaty", "normalisation"], categories=["treaty", "normalisation"]
            ),
            "date": pd.to_datetime(["1951-09-08", "1953-10-01", None]),
            "gap": pd.to_timedelta([np.nan, 754, 4284], unit="D"),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "ok": [True, False, True],
        },
        index=["a", "b", "c"],
    )
    back = _trip(table)
    pd.testing.assert_frame_equal(back, table)


def test_a_series_keeps_name_index_and_dtype():
    series = pd.Series([3, 1], index=pd.Index(["KOR", "JPN"], name="actor"), name="events")
    back = _trip(series)
    pd.testing.assert_series_equal(back, series, check_index_type=False, check_names=False)
    assert back.name == "events" and list(back.index) == ["KOR", "JPN"]


def test_an_array_and_an_index():
    assert np.array_equal(_trip(np.array([[1, 2], [3, 4]])), np.array([[1, 2], [3, 4]]))
    assert list(_trip(pd.Index([2006, 2009]))) == [2006, 2009]


def test_a_figure_comes_back_as_a_plain_plotly_figure():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="launches"), layout={"title": {"text": "t"}})
    back = _trip(fig)
    assert isinstance(back, go.Figure) and type(back) is go.Figure
    assert list(back.data[0].y) == [3, 4] and back.layout.title.text == "t"


def test_a_rigged_subclass_comes_back_as_its_base_class():
    class Always(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    back = _trip(Always(5))
    assert type(back) is int and back != 6


@pytest.mark.parametrize("value", [lambda: 1, open, object()], ids=["function", "builtin", "object"])
def test_what_cannot_be_carried_is_marked_unsupported(value):
    back = _trip(value)
    assert isinstance(back, Unsupported) and back != back
    assert "cannot read" in repr(back)


def test_oversized_values_are_refused_not_carried():
    assert isinstance(_trip(list(range(300_000))), Unsupported)
