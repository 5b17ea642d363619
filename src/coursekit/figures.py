"""Plotly figure builders: one colour-blind-safe palette, a source line and a text description.

Colour is never the only cue: each group also gets its own marker symbol, line dash or bar
pattern, and every colour has a contrast of at least 3:1 on white (WCAG 2.1, 1.4.11). The text
description names what a reader would otherwise have to point at: a timeline's events (all of
them when there are few, else a dozen spread over the period and counts for the rest), a scatter
chart's labelled points.

Builders return a :class:`plotly.graph_objects.Figure` and never show it. Each figure carries a
plain-language description (for alt text and screen readers) in ``fig.layout.meta``; read it
with :func:`figure_description`, or show figure and description together with :func:`show`.

Examples
--------
>>> import coursekit as ck
>>> fig = ck.bar_chart(ck.load("nuclear_tests"), x="test_no", y="magnitude",
...                    title="Magnitude of each test", source="nuclear_tests")
>>> ck.figure_description(fig).startswith("Bar chart: Magnitude of each test.")
True
"""

from __future__ import annotations

import warnings

import pandas as pd
import plotly.graph_objects as go

from . import _messages as msg
from ._chart import check_table, finish, fmt

__all__ = [
    "PALETTE",
    "ACTOR_COLOURS",
    "SYMBOLS",
    "DASHES",
    "PATTERNS",
    "contrast_ratio",
    "timeline_figure",
    "bar_chart",
    "line_chart",
    "scatter_chart",
    "figure_description",
    "show",
]

# Okabe & Ito (2008) palette, distinguishable with the common forms of colour blindness, with its
# light colours darkened so that each has a contrast of at least 3:1 on white (orange #E69F00 and
# sky blue #56B4E9 had about 2.3:1; yellow #F0E442, 1.3:1, is replaced by grey).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#C26CA0", "#B07800", "#3D8FBF", "#7F7F7F", "#000000"]
ACTOR_COLOURS = {
    "USA": "#0072B2",
    "JPN": "#D55E00",
    "KOR": "#009E73",
    "PRK": "#C26CA0",
    "CHN": "#B07800",
    "RUS": "#3D8FBF",
    "SUN": "#3D8FBF",
    "UNO": "#000000",
}
# The second cue beside colour, one per group in the same order as the colours.
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
PATTERNS = ["", "/", ".", "x", "\\", "-", "+", "|"]
_ACTOR_ORDER = ["USA", "JPN", "KOR", "PRK", "CHN", "RUS", "SUN", "UNO"]
_ACTOR_NAMES = {
    "USA": "United States",
    "JPN": "Japan",
    "KOR": "Republic of Korea",
    "PRK": "DPRK (North Korea)",
    "CHN": "China",
    "RUS": "Russia",
    "SUN": "Soviet Union",
    "UNO": "United Nations",
}
_MAX_GROUPS = len(PALETTE)


def contrast_ratio(colour: str, background: str = "#FFFFFF") -> float:
    """The WCAG 2 contrast ratio of two colours given as ``#RRGGBB`` (1 to 21).

    Examples
    --------
    >>> round(contrast_ratio("#000000"), 1)
    21.0
    """

    def luminance(value: str) -> float:
        value = value.lstrip("#")
        r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted([luminance(colour), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colours(values: list[str]) -> dict[str, str]:
    if all(v in ACTOR_COLOURS for v in values):
        return {v: ACTOR_COLOURS[v] for v in values}
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(values)}


def _cues(values: list[str], cues: list[str]) -> dict[str, str]:
    """A second cue (symbol, dash or pattern) per group, fixed per actor like its colour."""
    if all(v in ACTOR_COLOURS for v in values):
        return {v: cues[_ACTOR_ORDER.index(v) % len(cues)] for v in values}
    return {v: cues[i % len(cues)] for i, v in enumerate(values)}


def _join(items: list[str]) -> str:
    return "; ".join(items)


def _groups(
    table: pd.DataFrame, color: str | None, warn: bool = True
) -> list[tuple[str | None, pd.DataFrame]]:
    if color is None:
        return [(None, table)]
    values = table[color].astype(str)
    order = list(
        dict.fromkeys(
            table[color].cat.categories.astype(str)
            if hasattr(table[color], "cat")
            else sorted(values.unique())
        )
    )
    order = [v for v in order if (values == v).any()]
    if warn and len(order) > _MAX_GROUPS:
        warnings.warn(msg.MANY_GROUPS_WARNING.format(column=color, count=len(order)), stacklevel=3)
    return [(v, table[values == v]) for v in order]


def _label(name: str | None) -> str:
    return "" if name is None else str(name).replace("_", " ")


def _name(value) -> str:
    return _ACTOR_NAMES.get(str(value), str(value))


def _extremes(table: pd.DataFrame, x: str, y: str) -> str:
    data = table[[x, y]].dropna()
    if data.empty:
        return "There are no values to show."
    top, low = data.loc[data[y].idxmax()], data.loc[data[y].idxmin()]
    return (
        f"The highest {_label(y)} is {fmt(top[y])} ({fmt(top[x])}); "
        f"the lowest is {fmt(low[y])} ({fmt(low[x])})."
    )


def bar_chart(
    table: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str,
    source: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    stacked: bool = True,
    description: str | None = None,
) -> go.Figure:
    """A bar chart of ``y`` against ``x``, one colour per value of ``color``.

    Parameters
    ----------
    table : DataFrame
        The data, one row per bar (or bar segment).
    x : str
        The column along the horizontal axis.
    y : str
        The column giving each bar's height.
    color : str, optional
        A column whose values get their own colour and bar pattern (stacked or side by side).
    title : str
        The chart's title, also the start of its text description.
    source : str, optional
        A dataset name (its attribution is added under the chart) or a citation text.
    xlabel, ylabel : str, optional
        Axis titles; by default the column names with spaces for underscores.
    stacked : bool, default True
        Stack the bars of the ``color`` groups; False puts them side by side.
    description : str, optional
        Replaces the automatic text description if you have a better one.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, not shown; its description is read with :func:`figure_description`.

    Raises
    ------
    TypeError
        If ``table`` is not a table (a pandas DataFrame).
    KeyError
        If a column named in the call is not in ``table``; the message lists its columns.

    Examples
    --------
    >>> import coursekit as ck
    >>> tests = ck.load("nuclear_tests")
    >>> fig = ck.bar_chart(tests, x="test_no", y="magnitude", title="Magnitude of each test",
    ...                    source="nuclear_tests")
    >>> type(fig).__name__
    'Figure'
    >>> ck.figure_description(fig).split(".")[0]
    'Bar chart: Magnitude of each test'
    """
    check_table(table, [x, y, color], "bar_chart")
    groups = _groups(table, color)
    colours = _colours([g for g, _ in groups if g is not None])
    patterns = _cues([g for g, _ in groups if g is not None], PATTERNS)
    fig = go.Figure()
    for group, part in groups:
        fig.add_bar(
            x=part[x],
            y=part[y],
            name=_name(group) if group else _label(y),
            marker_color=colours.get(group, PALETTE[0]),
            marker_pattern_shape=patterns.get(group, ""),
            marker_pattern_fgcolor="white",
        )
    fig.update_layout(barmode="stack" if stacked else "group", showlegend=color is not None)
    auto = f"Bar chart: {title}. It shows {_label(y)} for each {_label(x)}"
    if color:
        totals = ", ".join(f"{_name(g)} {fmt(part[y].sum())}" for g, part in groups)
        auto += f", split by {_label(color)}; totals: {totals}."
        sums = table.groupby(x, observed=True)[y].sum()
        if not sums.empty:
            auto += f" The highest total is {fmt(sums.max())} ({fmt(sums.idxmax())})."
    else:
        auto += "."
    if color is None:
        auto += " " + _extremes(table, x, y)
    return finish(
        fig,
        title=title,
        source=source,
        xlabel=xlabel or _label(x),
        ylabel=ylabel or _label(y),
        description=description or auto,
    )


def line_chart(
    table: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str,
    source: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    log_y: bool = False,
    description: str | None = None,
) -> go.Figure:
    """A line chart of ``y`` against ``x`` (usually years), one line per value of ``color``.

    Parameters
    ----------
    table : DataFrame
        The data, one row per point.
    x : str
        The column along the horizontal axis, usually ``"year"``.
    y : str
        The column of values.
    color : str, optional
        A column whose values get their own line (colour, dash and marker symbol).
    title : str
        The chart's title, also the start of its text description.
    source : str, optional
        A dataset name (its attribution is added under the chart) or a citation text.
    xlabel, ylabel : str, optional
        Axis titles; by default the column names with spaces for underscores.
    log_y : bool, default False
        Use a logarithmic vertical axis.
    description : str, optional
        Replaces the automatic text description if you have a better one.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, not shown; its description is read with :func:`figure_description`.

    Raises
    ------
    TypeError
        If ``table`` is not a table (a pandas DataFrame).
    KeyError
        If a column named in the call is not in ``table``; the message lists its columns.

    Examples
    --------
    >>> import coursekit as ck
    >>> spend = ck.load("military_expenditure")
    >>> fig = ck.line_chart(spend, x="year", y="share_of_gdp_pct", color="country_code",
    ...                     title="Military spending, % of GDP", source="military_expenditure")
    >>> len(fig.data) >= 4
    True
    """
    check_table(table, [x, y, color], "line_chart")
    groups = _groups(table, color)
    colours = _colours([g for g, _ in groups if g is not None])
    dashes = _cues([g for g, _ in groups if g is not None], DASHES)
    symbols = _cues([g for g, _ in groups if g is not None], SYMBOLS)
    fig = go.Figure()
    parts = []
    for group, part in groups:
        part = part.sort_values(x)
        fig.add_scatter(
            x=part[x],
            y=part[y],
            mode="lines+markers",
            name=_name(group) if group else _label(y),
            line=dict(color=colours.get(group, PALETTE[0]), dash=dashes.get(group, "solid")),
            marker=dict(size=6, symbol=symbols.get(group, "circle")),
        )
        valid = part[[x, y]].dropna()
        if not valid.empty and group is not None:
            first, last = valid.iloc[0], valid.iloc[-1]
            parts.append(
                f"{_name(group)} from {fmt(first[y])} in {fmt(first[x])} to {fmt(last[y])} in {fmt(last[x])}"
            )
    if log_y:
        fig.update_yaxes(type="log")
    auto = f"Line chart: {title}. It shows {_label(y)} by {_label(x)}"
    auto += (": " + "; ".join(parts) + ".") if parts else ". " + _extremes(table, x, y)
    return finish(
        fig,
        title=title,
        source=source,
        xlabel=xlabel or _label(x),
        ylabel=ylabel or _label(y),
        description=description or auto,
    )


def scatter_chart(
    table: pd.DataFrame,
    x: str,
    y: str,
    *,
    color: str | None = None,
    title: str,
    hover: str | None = None,
    source: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    description: str | None = None,
) -> go.Figure:
    """Points of ``y`` against ``x``, coloured by ``color``, with ``hover`` text on each point.

    Parameters
    ----------
    table : DataFrame
        The data, one row per point.
    x, y : str
        The columns along the horizontal and vertical axes.
    color : str, optional
        A column whose values get their own colour and marker symbol.
    title : str
        The chart's title, also the start of its text description.
    hover : str, optional
        A column whose text is shown when pointing at a point, and named in the description.
    source : str, optional
        A dataset name (its attribution is added under the chart) or a citation text.
    xlabel, ylabel : str, optional
        Axis titles; by default the column names with spaces for underscores.
    description : str, optional
        Replaces the automatic text description if you have a better one.

    Returns
    -------
    plotly.graph_objects.Figure
        The chart, not shown; its description is read with :func:`figure_description`.

    Raises
    ------
    TypeError
        If ``table`` is not a table (a pandas DataFrame).
    KeyError
        If a column named in the call is not in ``table``; the message lists its columns.

    Examples
    --------
    >>> import coursekit as ck
    >>> tests = ck.load("nuclear_tests")
    >>> fig = ck.scatter_chart(tests, x="depth_km", y="magnitude", hover="date_utc",
    ...                        title="Depth and magnitude", source="nuclear_tests")
    >>> len(fig.data) > 0
    True
    >>> ck.figure_description(fig).split(".")[0]
    'Scatter chart: Depth and magnitude'
    """
    check_table(table, [x, y, color, hover], "scatter_chart")
    groups = _groups(table, color)
    colours = _colours([g for g, _ in groups if g is not None])
    symbols = _cues([g for g, _ in groups if g is not None], SYMBOLS)
    fig = go.Figure()
    for group, part in groups:
        fig.add_scatter(
            x=part[x],
            y=part[y],
            mode="markers",
            name=_name(group) if group else _label(y),
            text=part[hover].astype(str) if hover else None,
            marker=dict(
                color=colours.get(group, PALETTE[0]),
                size=9,
                opacity=0.85,
                symbol=symbols.get(group, "circle"),
                line=dict(width=0.5, color="white"),
            ),
        )
    counts = ", ".join(f"{_name(g)}: {len(p)}" for g, p in groups if g is not None)
    auto = f"Scatter chart: {title}. {len(table)} points of {_label(y)} against {_label(x)}"
    auto += f" ({counts})." if counts else ". " + _extremes(table, x, y)
    if hover:
        auto += " " + _points(table, x, y, hover)
    return finish(
        fig,
        title=title,
        source=source,
        xlabel=xlabel or _label(x),
        ylabel=ylabel or _label(y),
        description=description or auto,
    )


def _points(table: pd.DataFrame, x: str, y: str, hover: str, most: int = 12) -> str:
    """Name the labelled points, grouped by position: all when there are few, else the highest."""
    data = table[[x, y, hover]].dropna(subset=[x, y])
    if data.empty:
        return ""
    spots = [(key, grp[hover].astype(str).tolist()) for key, grp in data.groupby([x, y], sort=False)]
    spots.sort(key=lambda s: (s[0][1], s[0][0]), reverse=True)
    named = [
        f"{_label(x)} {fmt(px)}, {_label(y)} {fmt(py)}: {', '.join(labels)}"
        for (px, py), labels in spots[:most]
    ]
    if len(spots) <= most:
        return f"The points: {_join(named)}."
    rest = sum(len(labels) for _, labels in spots[most:])
    return (
        f"The {most} highest positions: {_join(named)}; {rest} more points at "
        f"{len(spots) - most} other positions."
    )


def _events(events: pd.DataFrame, column: str, most: int = 12) -> str:
    """Name the events, in date order: all when few, else ``most`` spread over the period."""
    ordered = events.sort_values("date")
    if len(ordered) > most:
        step = (len(ordered) - 1) / (most - 1)
        picked = ordered.iloc[sorted({round(i * step) for i in range(most)})]
    else:
        picked = ordered
    named = [
        f"{row.date:%Y-%m-%d} {row.title} ({_label(getattr(row, column))})"
        for row in picked.assign(**{column: picked[column].astype(str)}).itertuples()
    ]
    text = (
        (
            "Events: "
            if len(picked) == len(ordered)
            else f"{len(picked)} of the events, spread over the period: "
        )
        + _join(named)
        + "."
    )
    if len(picked) < len(ordered):
        rest = ordered.drop(picked.index)
        counts = rest[column].astype(str).value_counts()
        text += (
            " The other "
            + str(len(rest))
            + " by row: "
            + ", ".join(f"{_label(k)} {v}" for k, v in counts.items())
            + "."
        )
    return text


def timeline_figure(
    events: pd.DataFrame,
    *,
    title: str = "Timeline",
    color_by: str = "category",
    source: str | None = "events",
    description: str | None = None,
) -> go.Figure:
    """A timeline of events: one row per category, one marker per event, titles on hover.

    Titles show on hover (pointing or tapping) and are named in the text description for
    keyboard and screen-reader users.

    Parameters
    ----------
    events : DataFrame
        Events with ``date`` and ``title`` columns and the ``color_by`` column, such as
        ``ck.load("events")`` or a part of it from :func:`filter_events`; a ``summary`` column,
        if present, is shown on hover.
    title : str, default "Timeline"
        The figure's title, also the start of its text description.
    color_by : str, default "category"
        The column that gives each row of the timeline (and its colour and marker symbol).
    source : str or None, default "events"
        A dataset name (its attribution is added under the figure), a citation text, or None.
    description : str, optional
        Replaces the automatic text description if you have a better one.

    Returns
    -------
    plotly.graph_objects.Figure
        The timeline, not shown; its description is read with :func:`figure_description`.

    Raises
    ------
    TypeError
        If ``events`` is not a table (a pandas DataFrame).
    KeyError
        If ``events`` lacks ``date``, ``title`` or the ``color_by`` column.

    Examples
    --------
    >>> import coursekit as ck
    >>> fig = ck.timeline_figure(ck.filter_events(start=2010, end=2010), title="2010")
    >>> len(fig.data) > 0
    True
    >>> ck.figure_description(fig).split(".")[0]
    'Timeline: 2010'

    Another table works once it has ``date``, ``title`` and ``category`` columns:

    >>> fig = ck.timeline_figure(ck.load("nuclear_tests").assign(
    ...     date=lambda t: t["date_utc"], title="Nuclear test", category="nuclear_test", summary=""),
    ...     title="Six tests", source="nuclear_tests")
    >>> "6 events" in ck.figure_description(fig)
    True
    """
    check_table(events, ["date", "title", color_by], "timeline_figure")
    groups = _groups(events, color_by, warn=False)  # each row is labelled, so colours may repeat
    colours = _colours([g for g, _ in groups])
    symbols = _cues([g for g, _ in groups], SYMBOLS)
    fig = go.Figure()
    for group, part in groups:
        summary = part["summary"].astype(str) if "summary" in part else ""
        hover = "<b>" + part["title"].astype(str) + "</b><br>" + part["date"].dt.strftime("%Y-%m-%d")
        if "summary" in part:
            hover = hover + "<br>" + summary.str.slice(0, 160)
        fig.add_scatter(
            x=part["date"],
            y=[_label(group)] * len(part),
            mode="markers",
            name=_label(group),
            hovertext=hover,
            hoverinfo="text",
            marker=dict(
                color=colours[group], size=11, symbol=symbols[group], line=dict(width=0.5, color="white")
            ),
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[_label(g) for g, _ in groups][::-1])
    fig.update_layout(showlegend=False, height=max(300, 60 + 40 * len(groups)))
    if events.empty:
        auto = f"Timeline: {title}. No events are shown."
    else:
        first, last = events["date"].min(), events["date"].max()
        counts = ", ".join(f"{_label(g)} {len(p)}" for g, p in groups)
        auto = (
            f"Timeline: {title}. {len(events)} events from {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
            f"one row per {_label(color_by)} ({counts}). " + _events(events, color_by)
        )
    return finish(fig, title=title, source=source, xlabel="date", ylabel="", description=description or auto)


def figure_description(fig: go.Figure) -> str:
    """The text description attached to a figure by a builder (empty if it has none)."""
    meta = fig.layout.meta
    return meta.get("description", "") if isinstance(meta, dict) else ""


def show(fig: go.Figure):
    """Display a figure with its text description beneath it (for readers who cannot see it).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure from one of the builders (:func:`timeline_figure`, :func:`bar_chart`, ...).

    Returns
    -------
    None
        The figure and an italic "Figure description:" line are displayed in the notebook.

    Examples
    --------
    >>> import coursekit as ck
    >>> fig = ck.bar_chart(ck.load("nuclear_tests"), x="test_no", y="magnitude",
    ...                    title="Magnitude of each test", source="nuclear_tests")
    >>> ck.show(fig)  # doctest: +SKIP
    >>> ck.figure_description(fig).startswith("Bar chart:")
    True
    """
    from IPython.display import Markdown, display

    display(fig)
    display(Markdown(f"*Figure description:* {figure_description(fig)}"))
