"""coursekit: the helpers of the Seoul-Tokyo security cooperation course.

Lessons and exercises import only the names listed here::

    import coursekit as ck
    events = ck.load("events")
    ck.show(ck.timeline_figure(ck.filter_events(start=2010, end=2010), title="2010"))
"""

from .answers import describe_value, expect_kind
from .cards import Perspective, perspectives
from .checks import check_references
from .data import DatasetError, cite, data_dir, describe, list_datasets, load
from .figures import (
    ACTOR_COLOURS,
    PALETTE,
    bar_chart,
    figure_description,
    line_chart,
    scatter_chart,
    show,
    timeline_figure,
)
from .glossary import glossary, glossary_search
from .opinion import in_office, opinion_figure
from .references import cited_ids, references, source
from .selfcheck import SelfCheck
from .timeline import actors_long, filter_events, find_event, gaps_between, yearly_counts

__version__ = "0.1.0"

__all__ = [
    "ACTOR_COLOURS",
    "PALETTE",
    "DatasetError",
    "Perspective",
    "SelfCheck",
    "actors_long",
    "bar_chart",
    "check_references",
    "cite",
    "cited_ids",
    "data_dir",
    "describe",
    "describe_value",
    "expect_kind",
    "figure_description",
    "filter_events",
    "find_event",
    "gaps_between",
    "glossary",
    "glossary_search",
    "in_office",
    "line_chart",
    "list_datasets",
    "load",
    "opinion_figure",
    "perspectives",
    "references",
    "scatter_chart",
    "show",
    "source",
    "timeline_figure",
    "yearly_counts",
]
