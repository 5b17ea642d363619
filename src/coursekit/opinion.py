"""Public opinion over time, with governments as shaded bands and cooperation events as markers.

The figure sets three kinds of evidence on one time axis so that a reader can ask whether
opinion, changes of government and cooperation move together, and then ask why that is not
enough to say that one caused another. Like every builder in :mod:`coursekit.figures`, it
returns a Plotly figure with a text description (read it with :func:`coursekit.figure_description`).

Examples
--------
>>> import coursekit as ck
>>> fig = ck.opinion_figure(ck.load("public_opinion"), ck.load("governments"), band_country="KOR",
...                         title="Opinion and Seoul's governments")
>>> "Shaded bands" in ck.figure_description(fig)
True
>>> ck.in_office(ck.load("governments"), ["2015-12-28"], country="JPN")["leader"].tolist()
['Abe Shinzo']
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import _messages as msg
from ._chart import check_table, finish, fmt

__all__ = ["opinion_figure", "in_office", "SURVEY_NAMES", "CAMP_COLOURS"]

SURVEY_NAMES = {
    "cabinet_office": "Cabinet Office (Japan)",
    "genron_eai": "Genron NPO-EAI",
    "eai_api_kei": "EAI-API-KEI (2025)",
}
_COUNTRY_NAMES = {"JPN": "Japan", "KOR": "South Korea", "USA": "United States"}
_POSITIVE = ("affinity", "good impression")
# Light band fills; the camp is also written on each band, so colour is never the only cue.
CAMP_COLOURS = {
    "conservative": "#D55E00",
    "progressive": "#0072B2",
    "LDP-led": "#009E73",
    "DPJ-led": "#CC79A7",
    "Democratic": "#0072B2",
    "Republican": "#D55E00",
    "other": "#777777",
}
# Colours with good contrast on white (no yellow); marker symbol and dash are second cues.
_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#555555"]
_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star"]
_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
_MAX_NAMED_EVENTS = 8


def _short(text: str, limit: int = 70) -> str:
    """The first words of a summary, cut at a word boundary."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "..."


def _dates(values) -> pd.Series:
    try:
        return pd.to_datetime(pd.Series(values))
    except (ValueError, TypeError) as err:
        raise ValueError(msg.BAD_DATES.format(detail=err)) from None


def in_office(governments: pd.DataFrame, dates, *, country: str) -> pd.DataFrame:
    """Who led ``country`` on each date: one row per date with leader, office, party and camp.

    Parameters
    ----------
    governments : pandas.DataFrame
        The ``governments`` dataset (``ck.load("governments")``) or a filtered copy of it.
    dates : list-like of dates or a pandas Series
        Dates to look up, for example the ``date`` column of the events you care about.
    country : str
        ``"USA"``, ``"JPN"`` or ``"KOR"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``leader``, ``office``, ``party``, ``camp``. A date on which no listed leader
        was in office (an acting president, for example) gets missing values (``NaN``).

    Examples
    --------
    >>> import coursekit as ck
    >>> govs = ck.load("governments")
    >>> in_office(govs, ["2017-04-01", "2019-07-01"], country="KOR")["leader"].tolist()
    [nan, 'Moon Jae-in']
    """
    check_table(governments, ["leader", "office", "country", "party", "camp", "start", "end"], "in_office")
    countries = sorted(governments["country"].astype(str).unique())
    if country not in countries:
        raise ValueError(msg.UNKNOWN_GOVERNMENT_COUNTRY.format(country=country, valid=", ".join(countries)))
    mine = governments[governments["country"].astype(str) == country]
    rows = []
    for day in _dates(dates):
        ended = mine["end"].isna() | (mine["end"] > day)
        match = mine[(mine["start"] <= day) & ended]
        row = {"date": day, "leader": None, "office": None, "party": None, "camp": None}
        if not match.empty:
            first = match.sort_values("start").iloc[-1]
            row.update({k: str(first[k]) for k in ("leader", "office", "party", "camp")})
        rows.append(row)
    return pd.DataFrame(rows, columns=["date", "leader", "office", "party", "camp"]).astype(
        {"leader": object, "office": object, "party": object, "camp": object}
    )


def _series(opinion: pd.DataFrame, answers) -> list[tuple[str, pd.DataFrame]]:
    wanted = [answers] if isinstance(answers, str) else list(answers)
    known = set(opinion["answer"].astype(str))
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise ValueError(msg.UNKNOWN_ANSWER.format(answer=unknown[0], valid=", ".join(sorted(known))))
    data = opinion[opinion["answer"].astype(str).isin(wanted)]
    groups = []
    for (survey, country, answer), part in data.groupby(
        [data["survey"].astype(str), data["country_surveyed"].astype(str), data["answer"].astype(str)],
        sort=False,
    ):
        name = f"{SURVEY_NAMES.get(survey, survey)}: {_COUNTRY_NAMES.get(country, country)}, {answer}"
        groups.append((name, part.sort_values("year")))
    return groups


def opinion_figure(
    opinion: pd.DataFrame,
    governments: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    band_country: str = "KOR",
    answers=_POSITIVE,
    start: int | None = None,
    end: int | None = None,
    title: str = "Public opinion, governments and cooperation",
    events_label: str = "cooperation event",
    source: str | None = "public_opinion",
    description: str | None = None,
) -> go.Figure:
    """Opinion shares by year as lines, one government per shaded band, cooperation events as markers.

    Parameters
    ----------
    opinion : pandas.DataFrame
        The ``public_opinion`` dataset or a filtered copy (columns survey, country_surveyed, year,
        answer, share).
    governments : pandas.DataFrame, optional
        The ``governments`` dataset. Each tenure in ``band_country`` becomes a shaded band labelled
        with the leader's name and camp.
    events : pandas.DataFrame, optional
        Events to mark, with a ``date`` column and, if present, ``title`` (for example
        ``ck.load("trilateral_engagements")`` or ``ck.filter_events(...)``). Each becomes a star near
        the top of the chart.
    band_country : str
        Whose governments to shade: ``"KOR"`` (default), ``"JPN"`` or ``"USA"``.
    answers : str or list of str
        Which answers to draw; by default the favourable ones (``"affinity"``, ``"good impression"``).
    start, end : int, optional
        First and last year to show; by default the years of the opinion data.
    events_label : str
        What the stars are called in the legend and the description.
    title, source, description
        As for the other figure builders: ``source`` is a dataset name or a citation text, and
        ``description`` replaces the automatic text description.

    Returns
    -------
    plotly.graph_objects.Figure
        The figure; its text description names each series (first and last value), each government
        band and the events (the first eight by date, with a count for the rest).

    Examples
    --------
    >>> import coursekit as ck
    >>> tri = ck.load("trilateral_engagements")
    >>> fig = ck.opinion_figure(ck.load("public_opinion"), ck.load("governments"),
    ...                         tri[tri["event_type"] == "summit"], band_country="JPN", start=2012)
    >>> "Abe Shinzo" in ck.figure_description(fig)
    True
    """
    check_table(opinion, ["survey", "country_surveyed", "year", "answer", "share"], "opinion_figure")
    if governments is not None:
        check_table(governments, ["leader", "country", "camp", "start", "end"], "opinion_figure")
        countries = sorted(governments["country"].astype(str).unique())
        if band_country not in countries:
            raise ValueError(
                msg.UNKNOWN_GOVERNMENT_COUNTRY.format(country=band_country, valid=", ".join(countries))
            )
    if events is not None:
        check_table(events, ["date"], "opinion_figure")
    first_year = int(start if start is not None else opinion["year"].min())
    last_year = int(end if end is not None else opinion["year"].max())
    if first_year > last_year:
        raise ValueError(msg.BAD_PERIOD.format(start=start, end=end, reason="the start is after the end"))
    opinion = opinion[opinion["year"].between(first_year, last_year)]
    if opinion.empty:
        raise ValueError(msg.NO_OPINION_ROWS.format(start=first_year, end=last_year))
    x0, x1 = pd.Timestamp(f"{first_year}-01-01"), pd.Timestamp(f"{last_year}-12-31")

    fig = go.Figure()
    parts = []
    for i, (name, part) in enumerate(_series(opinion, answers)):
        # A survey's figure is placed mid-year: one number stands for the whole year.
        when = pd.to_datetime(part["year"].astype(str) + "-07-01")
        fig.add_scatter(
            x=when,
            y=part["share"],
            mode="lines+markers",
            name=name,
            line=dict(color=_COLOURS[i % len(_COLOURS)], dash=_DASHES[i % len(_DASHES)], width=2),
            marker=dict(symbol=_SYMBOLS[i % len(_SYMBOLS)], size=8),
            hovertemplate="%{y:.1f}% (%{x|%Y})<extra>" + name + "</extra>",
        )
        lo, hi = part.loc[part["share"].idxmin()], part.loc[part["share"].idxmax()]
        if len(part) == 1:
            parts.append(f"{name}: {fmt(part['share'].iloc[0])}% in {part['year'].iloc[0]} (one year)")
            continue
        first, last = part.iloc[0], part.iloc[-1]
        parts.append(
            f"{name}: {len(part)} years, {fmt(first['share'])}% in {first['year']} "
            f"to {fmt(last['share'])}% in {last['year']} (low {fmt(lo['share'])}% "
            f"in {lo['year']}, high {fmt(hi['share'])}% in {hi['year']})"
        )
    if not parts:
        raise ValueError(msg.NO_OPINION_ROWS.format(start=first_year, end=last_year))

    bands = []
    if governments is not None:
        mine = governments[governments["country"].astype(str) == band_country].sort_values("start")
        for row in mine.itertuples(index=False):
            b0 = max(row.start, x0)
            b1 = min(row.end if pd.notna(row.end) else x1, x1)
            if b0 >= b1:
                continue
            camp = str(row.camp)
            fig.add_vrect(
                x0=b0,
                x1=b1,
                fillcolor=CAMP_COLOURS.get(camp, "#777777"),
                opacity=0.10,
                line_width=0.5,
                line_color="#999",
                layer="below",
                annotation_text=f"{row.leader}<br>({camp})",
                annotation_position="top left",
                annotation=dict(font=dict(size=9, color="#333"), textangle=-90),
            )
            until = f"{row.end:%Y}" if pd.notna(row.end) else "in office"
            bands.append(f"{row.leader} ({camp}, {row.start:%Y}-{until})")

    named = []
    if events is not None:
        marks = events.dropna(subset=["date"]).copy()
        marks["date"] = pd.to_datetime(marks["date"])
        marks = marks[marks["date"].between(x0, x1)].sort_values("date")
        if not marks.empty:
            titles = marks["title"].astype(str) if "title" in marks else marks["date"].dt.strftime("%Y-%m-%d")
            if "title" not in marks and "summary" in marks:
                titles = marks["summary"].astype(str).map(_short)
            fig.add_scatter(
                x=marks["date"],
                y=[90] * len(marks),
                mode="markers",
                name=events_label,
                marker=dict(symbol="star", size=13, color="#000000", line=dict(width=1, color="white")),
                hovertext=marks["date"].dt.strftime("%Y-%m-%d") + ": " + titles,
                hoverinfo="text",
            )
            named = [f"{d:%Y-%m-%d} {t}" for d, t in zip(marks["date"], titles, strict=True)]

    fig.update_yaxes(range=[0, 102], ticksuffix="%")
    fig.update_xaxes(range=[x0, x1])
    auto = (
        f"Line chart: {title}. It shows the share of respondents giving each answer, one point per "
        f"survey year, {first_year}-{last_year}: " + "; ".join(parts) + "."
    )
    if bands:
        auto += (
            f" Shaded bands: {len(bands)} {_COUNTRY_NAMES.get(band_country, band_country)} "
            f"government(s), each labelled with its leader and camp: " + "; ".join(bands) + "."
        )
    if named:
        shown = named[:_MAX_NAMED_EVENTS]
        auto += f" Stars: {len(named)} {events_label}(s): " + "; ".join(shown)
        auto += f"; and {len(named) - len(shown)} more." if len(named) > len(shown) else "."
    auto += (
        " The surveys ask different questions of different samples, and one figure a year cannot "
        "show what came first."
    )
    fig = finish(
        fig,
        title=title,
        source=source,
        xlabel="year",
        ylabel="share of respondents",
        description=description or auto,
    )
    # The legend goes above the plot, clear of the source line below it.
    fig.update_layout(
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=11)),
        height=560,
        margin=dict(t=150),
    )
    return fig
