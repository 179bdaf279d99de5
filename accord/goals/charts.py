"""Charts of the Goals section: Altair specs rendered to SVG on the server."""

from __future__ import annotations

from accord.goals.models import Goal
from accord.goals.selectors import Progress
from accord.lib.charts import svg_of


def goal_chart_svg(goal: Goal, progress: Progress) -> str:
    """Actual values (check-ins, computed) against the straight line from
    baseline (on the goal's ``line_start``) to target (at the period's end)."""
    import altair as alt

    expected = [
        {
            "date": goal.line_start.isoformat(),
            "value": float(goal.baseline),
            "series": "Expected",
        },
        {"date": goal.period_end.isoformat(), "value": float(goal.target), "series": "Expected"},
    ]
    x = alt.X(
        "date:T",
        title=None,
        scale=alt.Scale(domain=[goal.period_start.isoformat(), goal.period_end.isoformat()]),
    )
    y = alt.Y("value:Q", title=goal.unit or goal.metric_label, scale=alt.Scale(zero=False))
    color = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(
            domain=["Expected", "Checked in", "Computed"], range=["#9aa3b5", "#3b5bdb", "#0b7a75"]
        ),
        legend=alt.Legend(orient="bottom"),
    )
    line = (
        alt.Chart(alt.Data(values=expected))  # type: ignore[no-untyped-call]
        .mark_line(strokeDash=[6, 4])
        .encode(x=x, y=y, color=color)
    )
    layers = [line]
    if progress.points:
        data = alt.Data(values=progress.points)  # type: ignore[no-untyped-call]
        actual = alt.Chart(data).encode(x=x, y=y, color=color)
        layers += [actual.mark_line(), actual.mark_point(filled=True, size=60)]
    chart = alt.layer(*layers).properties(
        width=560, height=240, title=f"{goal.metric_label}: actual vs expected"
    )
    return svg_of(chart)
