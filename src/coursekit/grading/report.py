"""``coursekit report``: an HTML page of an assignment's grades, with plotly charts.

The page is self-contained and works offline: plotly.js is embedded once, not per chart.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from ..figures import PALETTE

__all__ = ["write_report"]


def _grades_table(course: Path, assignment: str) -> pd.DataFrame:
    """One row per (student, grade cell): automatic and manual scores from the gradebook."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    rows.append(
                        {
                            "student": sub.student_id,
                            "notebook": nb.name,
                            "grade_id": grade.name,
                            "max_score": grade.max_score,
                            "auto_score": grade.auto_score,
                            "manual_score": grade.manual_score,
                            "score": grade.score,
                            "needs_manual_grade": grade.needs_manual_grade,
                            "autograded": grade.cell.type == "code"
                            and not getattr(grade.cell, "solution", False),
                        }
                    )
    return pd.DataFrame(rows)


def _figures(table: pd.DataFrame, assignment: str) -> list[go.Figure]:
    totals = table.groupby("student")[["score", "max_score"]].sum()
    hist = go.Figure(
        go.Histogram(x=totals["score"], marker_color=PALETTE[0], nbinsx=min(20, max(5, len(totals))))
    )
    hist.update_layout(
        title=f"Total scores, {assignment} (out of {totals['max_score'].max():g})",
        xaxis_title="score",
        yaxis_title="students",
        template="simple_white",
    )
    auto = table[table["autograded"]]
    rates = (
        auto.assign(passed=auto["auto_score"].fillna(0) >= auto["max_score"])
        .groupby("grade_id")["passed"]
        .mean()
    )
    bars = go.Figure(
        go.Bar(x=rates.index.tolist(), y=(rates * 100).round(1).tolist(), marker_color=PALETTE[2])
    )
    bars.update_layout(
        title="Share of students passing each autograded question",
        yaxis_title="% passing",
        yaxis_range=[0, 100],
        template="simple_white",
    )
    return [hist, bars]


def write_report(
    assignment: str, course: str | Path = "autograding", output: str | Path | None = None
) -> Path:
    """Write the report and return its path."""
    course = Path(course)
    table = _grades_table(course, assignment)
    out = Path(output) if output else course / "reports" / f"{assignment}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    if table.empty:
        body = f"<p>No graded submissions of {html.escape(assignment)} yet.</p>"
    else:
        figures = _figures(table, assignment)
        parts = [
            pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)
        ]
        totals = table.groupby("student")[["score", "max_score"]].sum().sort_values("score", ascending=False)
        pending = table[table["needs_manual_grade"]].groupby("student").size()
        summary = (
            f"<p>{len(totals)} students graded; mean {totals['score'].mean():.1f} of "
            f"{totals['max_score'].max():g}; {int(pending.sum())} answers wait for manual grading.</p>"
        )
        body = summary + "".join(parts) + "<h2>Students</h2>" + totals.to_html(classes="scores")
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(assignment)} report</title>"
        "<style>body{font-family:Arial,sans-serif;max-width:960px;margin:2em auto}"
        "table.scores{border-collapse:collapse}table.scores td,table.scores "
        "th{border:1px solid #ccc;padding:4px}"
        f"</style></head><body><h1>{html.escape(assignment)}: grades</h1>{body}</body></html>"
    )
    out.write_text(page, encoding="utf-8")
    return out
