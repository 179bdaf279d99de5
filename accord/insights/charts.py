"""Charts of Insights: Altair specs rendered to SVG on the server, one
definition each (pages, email and PDF draw the same picture)."""

from __future__ import annotations

import altair as alt
import vl_convert as vlc

from accord.insights.health import TrendPoint


def _svg(chart: alt.TopLevelMixin) -> str:
    svg: str = vlc.vegalite_to_svg(chart.to_json())
    # The SVG is embedded in the page: it is markup and must stay script-free.
    assert "<script" not in svg.lower()
    return svg


def health_trend_spec(points: list[TrendPoint]) -> alt.TopLevelMixin:
    """The health score per month on 0-100; months without data are gaps, not zeros."""
    rows = [
        {"month": p.month.strftime("%Y-%m"), "score": p.score}
        for p in points
        if p.score is not None
    ]
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    x = alt.X("month:O", title=None, sort=None)
    y = alt.Y("score:Q", title="Health", scale=alt.Scale(domain=[0, 100]))
    base = alt.Chart(data).encode(x=x, y=y)
    return alt.layer(
        base.mark_line(color="#0b7a75"), base.mark_point(filled=True, color="#0b7a75")
    ).properties(width=560, height=200, title="Alignment health per month")


def health_trend_svg(points: list[TrendPoint]) -> str:
    """Empty when no month has a score: the page says so instead."""
    if all(p.score is None for p in points):
        return ""
    return _svg(health_trend_spec(points))
