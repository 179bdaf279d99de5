"""Pipeline charts, defined with Altair and rendered to inline SVG (no script)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe

from accord.lib.charts import cached_svg, period_label

if TYPE_CHECKING:
    import altair as alt


def _data(values: list[dict[str, Any]]) -> alt.Data:
    import altair as alt

    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _svg(kind: str, data: object, draw: Callable[[], alt.TopLevelMixin]) -> SafeString:
    """The chart ``draw`` gives, drawn once per change of ``data`` (what it
    shows, labels included) and then read from the cache."""
    # The drawing refuses a script element, which would break the CSP.
    svg = cached_svg(kind, data, draw)
    return mark_safe(svg)  # noqa: S308 (generated from our own numbers and labels)


def funnel_chart(stages: list[dict[str, Any]]) -> SafeString:
    return _svg("funnel", stages, lambda: funnel_spec(stages))


def funnel_spec(stages: list[dict[str, Any]]) -> alt.TopLevelMixin:
    """Horizontal bars, one per stage, labelled with count and conversion."""
    import altair as alt

    values = [
        {
            "stage": s["stage"].upper() if s["stage"] in ("mql", "sql") else s["stage"].title(),
            "count": s["count"],
            "order": i,
            "label": f"{s['count']:,}"
            + (
                f" ({s['conversion_from_previous']}%)"
                if s["conversion_from_previous"] is not None
                else ""
            ),
        }
        for i, s in enumerate(stages)
    ]
    base = alt.Chart(_data(values)).encode(
        y=alt.Y("stage:N", sort=alt.EncodingSortField("order"), title=None),
        x=alt.X("count:Q", title="Leads"),
    )
    chart = base.mark_bar(color="#3b4cca") + base.mark_text(align="left", dx=4).encode(
        text="label:N"
    )
    spec: alt.TopLevelMixin = chart.properties(width=520, height=180, title="Funnel")
    return spec


def monthly_chart(rows: list[dict[str, Any]], *, title: str, y_title: str) -> SafeString:
    # Keyed on the rows as labelled: the current month's "(partial)" goes when it ends.
    return _svg(
        "pipeline_monthly",
        (_partial(rows), title, y_title),
        lambda: monthly_spec(rows, title=title, y_title=y_title),
    )


def _partial(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "month": period_label(str(row["month"]))} for row in rows]


def monthly_spec(rows: list[dict[str, Any]], *, title: str, y_title: str) -> alt.TopLevelMixin:
    """Lines by month: ``rows`` are ``{"month", "series", "value"}``; the current
    month is marked partial."""
    import altair as alt

    rows = _partial(rows)
    spec: alt.TopLevelMixin = (
        alt.Chart(_data(rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", title=None),
        )
        .properties(width=560, height=200, title=title)
    )
    return spec


def stacked_chart(rows: list[dict[str, Any]], *, title: str) -> SafeString:
    """Stacked bars by month: ``rows`` are ``{"month", "series", "value"}``; the
    current month is marked partial."""
    rows = _partial(rows)
    return _svg("pipeline_stacked", (rows, title), lambda: stacked_spec(rows, title=title))


def stacked_spec(rows: list[dict[str, Any]], *, title: str) -> alt.TopLevelMixin:
    import altair as alt

    spec: alt.TopLevelMixin = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("value:Q", title="Rejections"),
            color=alt.Color("series:N", title=None),
        )
        .properties(width=560, height=200, title=title)
    )
    return spec
