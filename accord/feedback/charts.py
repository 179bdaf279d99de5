"""Charts of the Customers section: Altair specs rendered to SVG on the server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lib.charts import cached_svg, period_label
from accord.lib.nps import Nps

if TYPE_CHECKING:
    import altair as alt


def nps_trend_svg(result: Nps, title: str) -> str:
    # The label of the current period changes when the month does: key on it.
    return cached_svg(
        "nps_trend",
        (result, title, period_label(result.groups[-1].key) if result.groups else ""),
        lambda: nps_trend_spec(result, title),
    )


def nps_trend_spec(result: Nps, title: str) -> alt.TopLevelMixin:
    """NPS per period as a line, its 95% interval as a band, n in the tooltip-free
    labels; the current period is marked partial."""
    import altair as alt

    points = [
        {
            "period": period_label(group.key),
            "nps": group.nps,
            "low": group.ci95[0] if group.ci95 else None,
            "high": group.ci95[1] if group.ci95 else None,
            "n": group.n,
        }
        for group in result.groups
        if group.nps is not None
    ]
    data = alt.Data(values=points)  # type: ignore[no-untyped-call]
    x = alt.X("period:O", title=None, sort=None)
    y_scale = alt.Scale(domain=[-100, 100])
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.2, color="#3b5bdb")
        .encode(x=x, y=alt.Y("low:Q", title="NPS", scale=y_scale), y2="high:Q")
    )
    line = alt.Chart(data).encode(x=x, y=alt.Y("nps:Q", scale=y_scale))
    labels = (
        alt.Chart(data)
        .mark_text(dy=-10, fontSize=10, color="#5a6573")
        .encode(x=x, y=alt.Y("nps:Q", scale=y_scale), text=alt.Text("n:Q", format="d"))
    )
    return alt.layer(
        band, line.mark_line(color="#3b5bdb"), line.mark_point(filled=True, color="#3b5bdb"), labels
    ).properties(width=560, height=220, title=title)


def category_bars_svg(result: Nps, title: str) -> str:
    """Promoters, passives and detractors per group, stacked, as shares; drawn
    once per change of those counts."""
    rows = []
    for group in result.groups[:15]:
        for name, count in (
            ("Promoters", group.promoters),
            ("Passives", group.passives),
            ("Detractors", group.detractors),
        ):
            rows.append({"group": group.key, "category": name, "count": count})
    return cached_svg("nps_categories", (rows, title), lambda: category_bars_spec(rows, title))


def category_bars_spec(rows: list[dict[str, object]], title: str) -> alt.TopLevelMixin:
    import altair as alt

    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    groups = len({row["group"] for row in rows})
    chart: alt.TopLevelMixin = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("group:N", title=None, sort=None),
            x=alt.X("count:Q", stack="normalize", title="Share of responses"),
            color=alt.Color(
                "category:N",
                title=None,
                scale=alt.Scale(
                    domain=["Promoters", "Passives", "Detractors"],
                    range=["#0b7a75", "#9aa3b5", "#c92a2a"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=520, height=max(60, 22 * groups), title=title)
    )
    return chart
