"""Charts of Insights: Altair specs rendered to SVG on the server, one
definition each (pages, email and PDF draw the same picture)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import TYPE_CHECKING

from accord.feedback import charts as feedback_charts
from accord.insights.health import TrendPoint
from accord.insights.report import Report
from accord.lib.charts import cached_svg, period_label, png_of, svg_of
from accord.lib.nps import SMALL_SAMPLE, Nps
from accord.pipeline import charts as pipeline_charts
from accord.pulse import charts as pulse_charts

if TYPE_CHECKING:
    import altair as alt


def health_trend_spec(points: list[TrendPoint]) -> alt.TopLevelMixin:
    """The health score per month on 0-100; months without data are gaps, not
    zeros; the current month is marked partial."""
    import altair as alt

    rows = [
        {"month": period_label(p.month.strftime("%Y-%m")), "score": p.score}
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
    # Keyed on the current month too: its label changes when the month does.
    return cached_svg(
        "health_trend",
        (points, [period_label(p.month.strftime("%Y-%m")) for p in points[-1:]]),
        lambda: health_trend_spec(points),
    )


# -- the quarterly report ------------------------------------------------------
# One spec per chart, built from the Report itself (so a chart never shows a
# number the report's JSON does not): SVG on the page and in the PDF, PNG in
# the quarter-end email.

OUTCOME_COLOURS = (
    ["achieved", "on track", "no data", "not agreed", "off track", "missed", "dropped"],
    ["#0b7a75", "#37b24d", "#9aa3b5", "#f08c00", "#e8590c", "#c92a2a", "#5a6573"],
)


def _values(rows: list[dict[str, object]]) -> alt.Data:
    import altair as alt

    return alt.Data(values=rows)  # type: ignore[no-untyped-call]


def goals_outcome_spec(report: Report) -> alt.TopLevelMixin:
    """Each goal's way from baseline to target, in percent, coloured by outcome."""
    import altair as alt

    rows: list[dict[str, object]] = [
        {"goal": g.title[:60], "progress": g.progress_pct or 0, "outcome": g.outcome}
        for g in report.goals
    ]
    spec: alt.TopLevelMixin = (
        alt.Chart(_values(rows))
        .mark_bar()
        .encode(
            y=alt.Y("goal:N", title=None, sort=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X("progress:Q", title="% of the way from baseline to target"),
            color=alt.Color(
                "outcome:N",
                title=None,
                scale=alt.Scale(domain=OUTCOME_COLOURS[0], range=OUTCOME_COLOURS[1]),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=520, height=max(60, 26 * len(rows)), title="Goals and their outcomes")
    )
    return spec


def report_health_spec(report: Report) -> alt.TopLevelMixin:
    points = [
        TrendPoint(dt.date.fromisoformat(f"{m.month}-01"), m.score, 0) for m in report.health_trend
    ]
    return health_trend_spec(points)


def report_pulse_spec(report: Report) -> alt.TopLevelMixin:
    return pulse_charts.trend_values_spec(
        [(c.period, c.balance_pct, c.internal_nps) for c in report.pulse_cycles]
    )


def report_nps_spec(report: Report) -> alt.TopLevelMixin:
    groups = [
        Nps(
            f.n,
            f.promoters,
            f.passives,
            f.detractors,
            f.nps,
            (f.ci95_low, f.ci95_high)
            if f.ci95_low is not None and f.ci95_high is not None
            else None,
            f.n < SMALL_SAMPLE,
            f.key,
        )
        for f in report.nps_months
    ]
    total = Nps(0, 0, 0, 0, None, None, True, groups=groups)
    return feedback_charts.nps_trend_spec(total, "Customer NPS by month, 95% interval")


def report_funnel_spec(report: Report) -> alt.TopLevelMixin:
    return pipeline_charts.funnel_spec([asdict(s) for s in report.funnel])


def report_sla_spec(report: Report) -> alt.TopLevelMixin:
    rows: list[dict[str, object]] = []
    for m in report.sla:
        for series, value in (
            ("Sales: first touch in time", m.touch_compliance),
            ("Sales: decided in time", m.decision_compliance),
            ("Marketing: MQLs of commitment", m.commitment_pct),
        ):
            if value is not None:
                rows.append({"month": m.month, "series": series, "value": value})
    return pipeline_charts.monthly_spec(rows, title="Lead-SLA compliance, both sides", y_title="%")


def report_meetings_spec(report: Report) -> alt.TopLevelMixin:
    import altair as alt

    rows: list[dict[str, object]] = [
        {"month": period_label(m.month), "kind": kind, "count": count}
        for m in report.meetings
        for kind, count in (("Collaborative", m.collaborative), ("Report-out", m.report_outs))
    ]
    spec: alt.TopLevelMixin = (
        alt.Chart(_values(rows))
        .mark_bar()
        .encode(
            x=alt.X("month:O", title=None),
            y=alt.Y("count:Q", title="Joint meetings", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(
                    domain=["Collaborative", "Report-out"], range=["#0b7a75", "#9aa3b5"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
        )
        .properties(width=520, height=180, title="Joint meetings: collaborative and report-outs")
    )
    return spec


def report_specs(report: Report) -> dict[str, alt.TopLevelMixin]:
    """The report's charts by name, only those with data to draw."""

    specs: dict[str, alt.TopLevelMixin] = {}
    if report.goals:
        specs["goals"] = goals_outcome_spec(report)
    if any(m.score is not None for m in report.health_trend):
        specs["health"] = report_health_spec(report)
    if report.pulse_cycles:
        specs["pulse"] = report_pulse_spec(report)
    if any(f.nps is not None for f in report.nps_months):
        specs["nps"] = report_nps_spec(report)
    if any(s.count for s in report.funnel):
        specs["funnel"] = report_funnel_spec(report)
    if report.sla:
        specs["sla"] = report_sla_spec(report)
    if report.collaborative or report.report_outs:
        specs["meetings"] = report_meetings_spec(report)
    return specs


def report_svgs(report: Report) -> dict[str, str]:
    """Every chart of the report as SVG, for the page and the PDF."""
    return {name: svg_of(spec) for name, spec in report_specs(report).items()}


def report_pngs(report: Report, names: tuple[str, ...] = ("health",)) -> dict[str, bytes]:
    """Some of the report's charts as PNG, for the email's body."""
    return {name: png_of(spec) for name, spec in report_specs(report).items() if name in names}
