"""Check the *kind* of an exercise answer first, and say in plain words what is wrong.

The visible tests of the exercises call :func:`expect_kind` before they look at a value, so a
learner who stores a one-row table where a number was asked for reads "a one-row table, not a
number: take the value out with .iloc[0]" instead of a pandas traceback. The checks use only the
value's type and shape, so they work the same on a live value and on one the grader has carried
out of its sandbox as plain data (``coursekit.grading._snapshot``).

Examples
--------
>>> import pandas as pd
>>> describe_value(pd.DataFrame({"x": [1]}))
'a one-row table'
>>> expect_kind(pd.Timedelta(days=412), "number", "days_to_force")
Traceback (most recent call last):
...
AssertionError: days_to_force should be a number, but it is a time span (a Timedelta). A time span: ...
"""

from __future__ import annotations

import datetime as dt

from . import _messages as msg

__all__ = ["KINDS", "describe_value", "expect_kind"]

KINDS = {
    "number": "a number",
    "whole number": "a whole number",
    "text": "a text",
    "date": "a date",
    "table": "a table (a DataFrame)",
    "column": "a column of values (a pandas Series)",
    "set": "a set",
    "dict": "a dictionary",
    "list": "a list",
    "figure": "a figure",
}


def _kind(value) -> str:
    """A short key for what ``value`` is."""
    import numpy as np
    import pandas as pd

    if value is None:
        return "none"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        return "timedelta"
    if isinstance(value, (pd.Timestamp, dt.date, np.datetime64)):
        return "date"
    if isinstance(value, pd.DataFrame):
        return {0: "table0", 1: "table1"}.get(len(value), "table")
    if isinstance(value, pd.Series):
        if str(value.dtype).startswith("timedelta"):
            return "timedelta-column"
        return {0: "column0", 1: "column1"}.get(len(value), "column")
    if isinstance(value, (set, frozenset)):
        return "set"
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    if hasattr(value, "to_plotly_json"):
        return "figure"
    return "other"


_DESCRIBE = {
    "none": "nothing (None)",
    "bool": "True or False (the result of a comparison)",
    "int": "a whole number",
    "float": "a number",
    "text": "a text",
    "timedelta": "a time span (a Timedelta)",
    "date": "a date",
    "table0": "an empty table (no row matched)",
    "table1": "a one-row table",
    "column0": "an empty column (no row matched)",
    "column1": "a column with one value (a one-row Series)",
    "timedelta-column": "a column of time spans",
    "set": "a set",
    "dict": "a dictionary",
    "list": "a list",
    "figure": "a figure",
}

_ADVICE = {
    ("number", "table1"): "Take the single value out of its column: table['column'].iloc[0].",
    ("number", "table"): "Pick one row and one column, then take the value out with .iloc[0].",
    ("number", "table0"): "Your filter matched no row: check the conditions.",
    ("number", "column1"): "Take the value out with .iloc[0].",
    ("number", "column"): "Reduce the column to one number (for example .max() or .sum()), or pick one "
    "value with .iloc[0].",
    ("number", "column0"): "Your filter matched no row: check the conditions.",
    ("number", "timedelta"): "A time span: use .days to get its number of days.",
    ("number", "timedelta-column"): "A column of time spans: use .dt.days for days, then take one value "
    "(.iloc[0]) or reduce the column.",
    ("number", "text"): "Numbers are stored without quotes: use int(...) or float(...).",
    ("number", "bool"): "A comparison gives True or False; store the number itself.",
    ("number", "date"): "A date is not a number: subtract two dates and take .days.",
    ("text", "column1"): "Take the value out with .iloc[0] and wrap it in str(...).",
    ("text", "table1"): "Take the value out of its column with .iloc[0] and wrap it in str(...).",
    ("text", "other"): "Wrap it in str(...).",
    ("date", "text"): "Take the date from a 'date' column instead of typing it as text.",
    ("date", "column1"): "Take the value out with .iloc[0].",
    ("date", "table1"): "Take the value out of the 'date' column with .iloc[0].",
    ("table", "column"): "Keep it a table: filter the rows of the table, or select columns with double "
    "brackets, table[['a', 'b']].",
    ("table", "column1"): "Keep it a table: filter the rows of the table instead of picking one column.",
    ("set", "list"): "Make it a set with set(...).",
    ("column", "table"): "Pick one column with single brackets, table['column'].",
    ("column", "dict"): "Make it a Series with pd.Series(...).",
}


def describe_value(value) -> str:
    """Say in plain words what kind of value ``value`` is.

    Parameters
    ----------
    value : object
        Any answer value.

    Returns
    -------
    str
        For example ``"a one-row table"``, ``"a time span (a Timedelta)"``, ``"a number"``.
    """
    kind = _kind(value)
    if kind == "table":
        return f"a table with {len(value)} rows"
    if kind == "column":
        return f"a column of {len(value)} values (a pandas Series)"
    return _DESCRIBE.get(kind, f"a {type(value).__name__} value")


def _fits(want: str, kind: str, value) -> bool:
    if want == "number":
        return kind in {"int", "float"}
    if want == "whole number":
        return kind == "int" or (kind == "float" and float(value).is_integer())
    if want == "table":
        return kind.startswith("table")
    if want == "column":
        return kind.startswith("column") or kind == "timedelta-column"
    return kind == want


def expect_kind(value, want: str, name: str) -> None:
    """Fail with a plain-words message unless ``value`` is of the kind ``want``.

    Parameters
    ----------
    value : object
        The learner's answer.
    want : str
        One of the keys of :data:`KINDS`: ``"number"``, ``"whole number"``, ``"text"``,
        ``"date"``, ``"table"``, ``"column"``, ``"set"``, ``"dict"``, ``"list"``, ``"figure"``.
    name : str
        The variable's name, used in the message.

    Returns
    -------
    None
        Nothing, when `value` is of the kind wanted.

    Raises
    ------
    AssertionError
        With a message such as "hub_ratio should be a number, but it is a one-row table. Take
        the single value out of its column: table['column'].iloc[0]."
    ValueError
        If `want` is not one of the kinds (a mistake in the test, not the learner's).

    Examples
    --------
    >>> import coursekit as ck
    >>> tests = ck.load("nuclear_tests")
    >>> ck.expect_kind(tests, "table", "tests")
    >>> ck.expect_kind(len(tests), "whole number", "test_count")
    >>> ck.expect_kind("1951", "number", "treaty_year")
    Traceback (most recent call last):
    ...
    AssertionError: treaty_year should be a number, but it is a text. ...
    """
    if want not in KINDS:
        raise ValueError(f"unknown kind {want!r}; use one of {sorted(KINDS)}")
    kind = _kind(value)
    if _fits(want, kind, value):
        return
    base = "number" if want == "whole number" else want
    advice = _ADVICE.get((base, kind)) or _ADVICE.get((base, "other"), "")
    if want == "whole number" and kind == "float":
        advice = "Make it whole with int(...) or round(...)."
    raise AssertionError(
        msg.ANSWER_WRONG_KIND.format(
            name=name, want=KINDS[want], got=describe_value(value), advice=" " + advice if advice else ""
        )
    )
