"""Parts the figure builders share (figures, opinion): checks, layout, attribution, numbers."""

from __future__ import annotations

import warnings

import pandas as pd
import plotly.graph_objects as go

from . import _messages as msg
from .data import cite

__all__ = ["LAYOUT", "check_table", "finish", "fmt"]

LAYOUT = dict(
    font=dict(family="Arial, sans-serif", size=13, color="#222"),
    paper_bgcolor="white",
    plot_bgcolor="white",
    margin=dict(l=60, r=20, t=60, b=84),
    hoverlabel=dict(namelength=-1),
    xaxis=dict(showline=True, linecolor="#444", gridcolor="#eee"),
    yaxis=dict(showline=True, linecolor="#444", gridcolor="#eee"),
)


def check_table(table, columns: list[str | None], what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(msg.NOT_A_TABLE.format(kind=type(table).__name__))
    for column in columns:
        if column is not None and column not in table.columns:
            raise KeyError(
                msg.MISSING_COLUMN.format(column=column, what=what, valid=", ".join(map(str, table.columns)))
            )
    if table.empty:
        warnings.warn(msg.EMPTY_TABLE_WARNING, stacklevel=3)


def finish(
    fig: go.Figure, *, title: str, source: str | None, xlabel: str, ylabel: str, description: str
) -> go.Figure:
    credit = cite(source) if source and " " not in source else source
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left"), xaxis_title=xlabel, yaxis_title=ylabel, **LAYOUT
    )
    if credit:
        # A fixed distance in pixels below the plot area (not a fraction of its height), so that
        # the line clears the axis title on short figures such as one-actor timelines too.
        fig.add_annotation(
            text=credit,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-58,
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font=dict(size=10, color="#555"),
        )
        description = f"{description} {credit}"
    fig.update_layout(meta={"description": description, "source": credit or ""})
    return fig


def fmt(value) -> str:
    """A value as a reader would write it: 1960 not 1960.0, 4.73e+10 as 47,300,000,000."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)
