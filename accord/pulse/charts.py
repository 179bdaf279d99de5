"""Charts of the Pulse section: Altair specs rendered to SVG on the server,
one definition each (pages, email and PDF draw the same picture)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lib.charts import period_label, svg_of
from accord.pulse.counting import GoalResult
from accord.pulse.selectors import CyclePoint

if TYPE_CHECKING:
    import altair as alt


VOTE_COLOURS = (["Worse", "Same", "Better"], ["#c92a2a", "#9aa3b5", "#0b7a75"])


def trend_spec(points: list[CyclePoint]) -> alt.TopLevelMixin:
    """Balance (better minus worse, in points of the votes) and each team's
    internal NPS per cycle, on one -100..100 scale."""
    return trend_values_spec(
        [
            (p.period, p.balance_pct, {rated: r.nps for rated, r in p.internal.items()})
            for p in points
        ]
    )


def trend_values_spec(
    cycles: list[tuple[str, float | None, dict[str, float | None]]],
) -> alt.TopLevelMixin:
    """The same chart from plain values: (period, balance, {rated team: NPS}) per cycle."""
    import altair as alt

    rows: list[dict[str, object]] = []
    for key, balance, internal in cycles:
        # The current month's pulse is still open: marked partial.
        period = period_label(key)
        if balance is not None:
            rows.append({"period": period, "series": "Balance", "value": balance})
        for rated, value in internal.items():
            if value is not None:
                rows.append(
                    {"period": period, "series": f"Internal NPS of {rated}", "value": value}
                )
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    x = alt.X("period:O", title=None, sort=None)
    y = alt.Y("value:Q", title="Points", scale=alt.Scale(domain=[-100, 100]))
    color = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"))
    base = alt.Chart(data).encode(x=x, y=y, color=color)
    return alt.layer(base.mark_line(), base.mark_point(filled=True)).properties(
        width=560, height=220, title="Balance and internal NPS per pulse"
    )


def trend_svg(points: list[CyclePoint]) -> str:
    return svg_of(trend_spec(points))


def goals_svg(goals: list[GoalResult]) -> str:
    """Worse / Same / Better per goal of one cycle, stacked counts."""
    import altair as alt

    rows = [
        {"goal": g.title, "vote": label, "count": getattr(g.total, label.lower())}
        for g in goals
        for label in VOTE_COLOURS[0]
    ]
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("goal:N", title=None, sort=None),
            x=alt.X("count:Q", title="Votes"),
            color=alt.Color(
                "vote:N",
                title=None,
                scale=alt.Scale(domain=VOTE_COLOURS[0], range=VOTE_COLOURS[1]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("vote:N", sort="descending"),
        )
        .properties(width=520, height=max(60, 28 * len(goals)), title="Votes per goal")
    )
    return svg_of(chart)
