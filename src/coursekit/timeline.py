"""Pick events out of the master timeline by period, actor and category.

Every function returns a new table and leaves its input unchanged.

Examples
--------
>>> import coursekit as ck
>>> crisis = ck.filter_events(start=1993, end=1994, actors="PRK")
>>> bool((crisis["date"].dt.year.between(1993, 1994)).all())
True
"""

from __future__ import annotations

import datetime as _dt
import difflib
import numbers
import re
import unicodedata

import numpy as np
import pandas as pd

from . import _messages as msg
from .data import load, resource

__all__ = ["filter_events", "find_event", "actors_long", "yearly_counts", "gaps_between", "actor_codes"]

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def actor_codes() -> list[str]:
    """The actor codes the events table may use, read from its schema (not a list kept in code).

    Examples
    --------
    >>> "KOR" in actor_codes() and "SUN" in actor_codes()
    True
    """
    field = next(f for f in resource("events")["schema"]["fields"] if f["name"] == "actors")
    pattern = field.get("constraints", {}).get("pattern", "")
    first = re.match(r"\(([A-Z|]+)\)", pattern)
    return first.group(1).split("|") if first else []


def _bad(value, start, end, why: str) -> ValueError:
    return ValueError(msg.BAD_PERIOD.format(start=start, end=end, reason=f"{value!r} {why}"))


def _timestamp(value, *, end: bool, period=(None, None)) -> pd.Timestamp | None:
    """A period's start (or end, inclusive) from a year, a month, a date or a date-like object.

    Accepted: Python and numpy integers and whole floats (years), ``"1995"``, ``"1995-06"``,
    ``"1995-06-25"``, ``datetime.date``, ``datetime.datetime``, ``pandas.Timestamp`` and
    ``numpy.datetime64``. Anything else raises the course's message, never a pandas error.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        raise _bad(value, *period, "is True or False, not a year or a date")
    if isinstance(value, (numbers.Integral, np.integer)):
        return _year_bound(int(value), end, value, period)
    if isinstance(value, (numbers.Real, np.floating)):
        if float(value).is_integer():
            return _year_bound(int(value), end, value, period)
        raise _bad(value, *period, "is not a whole year")
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, OverflowError):
            raise _bad(value, *period, "is not a date pandas can hold") from None
        if pd.isna(stamp):
            raise _bad(value, *period, "is an empty date (NaT)")
        return stamp.tz_localize(None) if stamp.tzinfo else stamp
    if isinstance(value, str):
        text = value.strip()
        if _YEAR.match(text):
            return _year_bound(int(text), end, value, period)
        month = _MONTH.match(text)
        if month:
            if not 1 <= int(month.group(2)) <= 12:
                raise _bad(value, *period, "has no month " + month.group(2))
            stamp = pd.Timestamp(year=int(month.group(1)), month=int(month.group(2)), day=1)
            return stamp + pd.offsets.MonthEnd(0) if end else stamp
        if _DAY.match(text):
            try:
                return pd.Timestamp(text)
            except ValueError:
                raise _bad(value, *period, "is not a real calendar date") from None
        raise _bad(value, *period, "is not a year ('1995'), a month ('1995-06') or a date ('1995-06-25')")
    raise _bad(value, *period, f"is a {type(value).__name__}, not a year or a date")


def _year_bound(year: int, end: bool, value, period) -> pd.Timestamp:
    if not 1 <= year <= 9999:
        raise _bad(value, *period, "is not a year between 1 and 9999")
    return pd.Timestamp(year=year, month=12, day=31) if end else pd.Timestamp(year=year, month=1, day=1)


def _year(value) -> int | None:
    """A whole year from the same inputs :func:`filter_events` accepts (the year of a date)."""
    if value is None:
        return None
    return int(_timestamp(value, end=False, period=(value, None)).year)


def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value)


def _require_table(table, what: str, columns: list[str]) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(msg.NOT_A_TABLE.format(kind=type(table).__name__))
    for column in columns:
        if column not in table.columns:
            raise KeyError(
                msg.MISSING_COLUMN.format(column=column, what=what, valid=", ".join(map(str, table.columns)))
            )


def filter_events(
    events: pd.DataFrame | None = None,
    *,
    start=None,
    end=None,
    actors=None,
    categories=None,
    all_actors: bool = False,
) -> pd.DataFrame:
    """Events within a period, involving some actors, of some categories.

    Parameters
    ----------
    events : DataFrame, optional
        A table shaped like ``load("events")``; the whole timeline when left out.
    start, end : int, float, str, date or Timestamp, optional
        Years (``1994``, ``np.int64(1994)``, ``1994.0``, ``"1994"``), months (``"2010-11"``: the
        whole month) or dates (``"1994-10-21"``, ``datetime.date(1994, 10, 21)``,
        ``pd.Timestamp("1994-10-21")``); both ends are included.
    actors : str or list of str, optional
        ISO codes such as ``"KOR"`` or ``["JPN", "KOR"]``. An event matches when it involves any
        of them, or all of them with ``all_actors=True``.
    categories : str or list of str, optional
        Event categories such as ``"missile_test"``.

    Examples
    --------
    >>> both = filter_events(actors=["JPN", "KOR"], all_actors=True)
    >>> bool(both["actors"].str.contains("JPN").all() and both["actors"].str.contains("KOR").all())
    True
    >>> filter_events(categories="missle_test")
    Traceback (most recent call last):
    ...
    ValueError: 'missle_test' is not an event category. Did you mean 'missile_test'?
    The categories are: ...
    """
    table = load("events") if events is None else events
    _require_table(table, "filter_events", ["date", "actors", "category"])
    lo = _timestamp(start, end=False, period=(start, end))
    hi = _timestamp(end, end=True, period=(start, end))
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(msg.BAD_PERIOD.format(start=start, end=end, reason="the start comes after the end"))
    keep = pd.Series(True, index=table.index)
    if lo is not None:
        keep &= table["date"] >= lo
    if hi is not None:
        keep &= table["date"] <= hi

    wanted_actors = _as_list(actors)
    if wanted_actors:
        codes = table["actors"].astype(str).str.split(";")
        valid = actor_codes()
        for actor in wanted_actors:
            if actor not in valid:
                raise ValueError(msg.UNKNOWN_ACTOR.format(actor=actor, valid=", ".join(valid)))
        test = all if all_actors else any
        keep &= codes.map(lambda row: test(a in row for a in wanted_actors))

    wanted_categories = _as_list(categories)
    if wanted_categories:
        valid = [f for f in resource("events")["schema"]["fields"] if f["name"] == "category"][0]
        valid = valid["constraints"]["enum"]
        for category in wanted_categories:
            if category not in valid:
                close = difflib.get_close_matches(str(category), valid, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                text = msg.UNKNOWN_CATEGORY.format(category=category, valid=", ".join(valid))
                raise ValueError(text.replace("\n", hint + "\n", 1))
        keep &= table["category"].astype(str).isin(wanted_categories)
    return table[keep].sort_values("date").reset_index(drop=True)


def actors_long(events: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (event, actor): handy for counting events by country.

    Examples
    --------
    >>> long = actors_long()
    >>> set(long.columns) >= {"id", "date", "actor"}
    True
    """
    table = load("events") if events is None else events
    _require_table(table, "actors_long", ["actors"])
    long = table.assign(actor=table["actors"].astype(str).str.split(";")).explode("actor")
    return long.reset_index(drop=True)


def yearly_counts(
    table: pd.DataFrame,
    date_column: str = "date",
    by: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> pd.DataFrame:
    """Count rows per calendar year (and per group), filling years with none as 0.

    The years run from ``start`` (default: the first year in the table) to ``end`` (default:
    the last), so that quiet years at either end show as 0 rather than disappear.

    Parameters
    ----------
    table : DataFrame
        A table with a date column, such as ``load("events")``.
    date_column : str, default "date"
        The column of dates to count by year.
    by : str, optional
        A column to count within, e.g. ``"category"``: one count per year and value.
    start, end : int or date, optional
        The first and last year to show (a date counts as its year).

    Returns
    -------
    DataFrame
        Columns ``year`` and ``count``, or ``year``, `by` and ``count`` (long form, ready for
        :func:`line_chart` or :func:`bar_chart` with ``color=by``).

    Raises
    ------
    TypeError
        If `table` is not a table (a pandas DataFrame).
    KeyError
        If `date_column` or `by` is not a column of `table`.

    Examples
    --------
    >>> counts = yearly_counts(load("nuclear_tests"), "date_utc")
    >>> int(counts.set_index("year").loc[2016, "count"])
    2
    >>> int(counts.set_index("year").loc[2010, "count"])
    0
    >>> years = yearly_counts(load("nuclear_tests"), "date_utc", start=2000, end=2020)["year"]
    >>> years.agg(["min", "max"]).tolist()
    [2000, 2020]
    """
    _require_table(table, "yearly_counts", [date_column] + ([by] if by else []))
    years = table[date_column].dt.year
    if table.empty and (start is None or end is None):
        return pd.DataFrame({"year": [], "count": []})
    first = int(years.min()) if start is None else _year(start)
    last = int(years.max()) if end is None else _year(end)
    years = years[(years >= first) & (years <= last)]
    table = table.loc[years.index]
    span = range(first, last + 1)
    if by is None:
        counts = (
            years.value_counts().reindex(span, fill_value=0).rename_axis("year").reset_index(name="count")
        )
        return counts
    groups = table[by].astype(str)
    counts = pd.crosstab(years, groups).reindex(span, fill_value=0)
    counts = counts.rename_axis(index="year", columns=None).reset_index()
    return counts.melt(id_vars="year", var_name=by, value_name="count")


def gaps_between(table: pd.DataFrame, date_column: str = "date") -> pd.DataFrame:
    """Add ``days_since_previous``: days between each row and the one before, in date order.

    Parameters
    ----------
    table : DataFrame
        A table with a date column, such as ``load("nuclear_tests")``.
    date_column : str, default "date"
        The column of dates.

    Returns
    -------
    DataFrame
        A copy of `table` sorted by date (new index 0, 1, ...) with a ``days_since_previous``
        column (a float; NaN for the first row).

    Raises
    ------
    TypeError
        If `table` is not a table (a pandas DataFrame).
    KeyError
        If `date_column` is not a column of `table`.

    Examples
    --------
    >>> gaps = gaps_between(load("nuclear_tests"), "date_utc")
    >>> gaps["days_since_previous"].tolist()[:2]
    [nan, 959.0]
    """
    _require_table(table, "gaps_between", [date_column])
    ordered = table.sort_values(date_column).reset_index(drop=True)
    days = ordered[date_column].diff().dt.days.astype("float64")
    return ordered.assign(days_since_previous=days)


def _plain(text: str) -> str:
    """Lower case, without accents: 'Kōno' -> 'kono'."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def find_event(words: str, events: pd.DataFrame | None = None):
    """The one event whose title contains every word of ``words``, or None with a message.

    Each word must appear as a whole word ("Kan" does not match "Kansas"); capitals and accents
    are ignored ("Kōno" matches "Kono"). When no title or several titles match, a message says so
    (listing the matches) and the result is None, so a lesson cell can go on without a traceback.

    Parameters
    ----------
    words : str
        One or more words, separated by spaces, e.g. ``"Murayama Statement"``.
    events : DataFrame, optional
        The table to search; the course timeline (``load("events")``) by default.

    Returns
    -------
    Series or None
        The matching row (``row["date"]``, ``row["title"]``...) or None.

    Examples
    --------
    >>> find_event("Kōno statement")["id"]
    'ev-1993-08-04-kono-statement'
    >>> find_event("Murayama") is None
    3 event titles contain all of the words 'Murayama'. Add a word to pick one:
      1994-06-29  Diet elects Socialist Tomiichi Murayama prime minister
      1995-08-15  Murayama Statement on the 50th anniversary of the war's end
      1999-12-03  Murayama-led party delegation and North Korea's WPK urge renewed talks
    True
    """
    table = load("events") if events is None else events
    _require_table(table, "find_event", ["date", "title"])
    wanted = [re.escape(w) for w in _plain(words).split()]
    if not wanted:
        print(msg.FIND_EVENT_NONE.format(words=words))
        return None
    patterns = [re.compile(rf"(?<!\w){w}(?!\w)") for w in wanted]
    titles = table["title"].astype(str).map(_plain)
    found = table[titles.map(lambda t: all(p.search(t) for p in patterns))].sort_values("date")
    if len(found) == 1:
        return found.iloc[0]
    if found.empty:
        print(msg.FIND_EVENT_NONE.format(words=words))
    else:
        listing = "\n".join(
            msg.FIND_EVENT_ROW.format(date=r["date"], title=r["title"]) for _, r in found.iterrows()
        )
        print(msg.FIND_EVENT_MANY.format(count=len(found), words=words, listing=listing))
    return None
