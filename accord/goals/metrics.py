"""The metric catalogue: outcome metrics Accord knows, and vanity metrics it refuses.

Plain data and functions, no models: goals use it now, and the pulse's
scorecard can use the same catalogue later. A metric is named by its ``key``;
keys of metrics computed from another app's data match the keys of the values
that app registers with ``register_metric_source`` (in its AppConfig.ready()),
so goals never imports the apps above it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from accord.orgs.models import Organization

# The key a goal uses for a metric that is not in the catalogue.
CUSTOM = "custom"


@dataclass(frozen=True)
class Metric:
    """An outcome metric: what it measures, and which stage of revenue it moves."""

    key: str
    name: str
    definition: str
    unit: str
    direction: str  # "up" or "down": which way is better
    moves: str  # the goal or revenue stage it moves
    # The app whose data computes it ("feedback", "pipeline", "goals",
    # "meetings"), or "" when it is always entered by hand.
    source: str = ""


@dataclass(frozen=True)
class VanityMetric:
    """A metric that is easy to grow without moving revenue; refused as a goal."""

    key: str
    name: str
    why: str
    suggestion: str  # key of the outcome metric to use instead
    aliases: tuple[str, ...] = ()


METRICS: tuple[Metric, ...] = (
    Metric(
        "nps",
        "Net Promoter Score",
        "Percentage of promoters (9-10) minus percentage of detractors (0-6) among "
        "customers who answered the survey in the period.",
        "points",
        "up",
        "Retention and expansion",
        "feedback",
    ),
    Metric(
        "survey_response_rate",
        "Survey response rate",
        "Answers received as a percentage of survey invitations sent in the period.",
        "%",
        "up",
        "Retention (hearing customers)",
        "feedback",
    ),
    Metric(
        "mql_to_sql_conversion",
        "MQL → SQL conversion",
        "Marketing-qualified leads of the period that became sales-qualified, in percent.",
        "%",
        "up",
        "Pipeline creation",
        "pipeline",
    ),
    Metric(
        "sql_acceptance_rate",
        "SQL acceptance rate",
        "Leads handed to sales that sales accepted rather than rejected, in percent.",
        "%",
        "up",
        "Lead hand-off",
        "pipeline",
    ),
    Metric(
        "median_first_touch_hours",
        "Median lead first-touch time",
        "Median hours from a lead's hand-off to sales' first touch.",
        "hours",
        "down",
        "Lead hand-off",
        "pipeline",
    ),
    Metric(
        "lead_sla_compliance",
        "Lead-SLA compliance",
        "Share of leads handled within the agreed hand-off times, in percent.",
        "%",
        "up",
        "Lead hand-off",
        "pipeline",
    ),
    Metric(
        "marketing_sourced_pipeline",
        "Marketing-sourced pipeline",
        "Value of opportunities opened in the period whose first source is marketing.",
        "currency",
        "up",
        "Pipeline creation",
        "pipeline",
    ),
    Metric(
        "marketing_influenced_pipeline",
        "Marketing-influenced pipeline",
        "Value of opportunities opened in the period that marketing touched.",
        "currency",
        "up",
        "Pipeline creation",
        "pipeline",
    ),
    Metric(
        "win_rate",
        "Win rate",
        "Opportunities won as a percentage of those closed in the period.",
        "%",
        "up",
        "Closing revenue",
        "pipeline",
    ),
    Metric(
        "sales_cycle_days",
        "Sales cycle length",
        "Median days from opportunity creation to won, for deals won in the period.",
        "days",
        "down",
        "Closing revenue",
        "pipeline",
    ),
    Metric(
        "logo_retention",
        "Logo retention",
        "Customers at the start of the period still customers at its end, in percent.",
        "%",
        "up",
        "Retention",
    ),
    Metric(
        "revenue_retention",
        "Net revenue retention",
        "Recurring revenue at the end of the period from customers of its start, as a "
        "percentage of their revenue at the start.",
        "%",
        "up",
        "Retention and expansion",
    ),
    Metric(
        "detractor_loops_closed_on_time",
        "Detractor loops closed on time",
        "Recovery follow-ups of detractors closed by their due time, in percent.",
        "%",
        "up",
        "Retention",
        "feedback",
    ),
    Metric(
        "content_utilisation",
        "Content utilisation",
        "Content library assets used by at least one sales member in the period, as a "
        "percentage of all assets.",
        "%",
        "up",
        "Closing revenue (sales enablement)",
        "goals",
    ),
    Metric(
        "collaborative_meetings",
        "Collaborative meetings held",
        "Joint meetings in the period that both teams attended and both teams raised "
        "or decided something in (report-outs do not count).",
        "meetings",
        "up",
        "Alignment",
        "meetings",
    ),
    Metric(
        "pulse_balance",
        "Pulse balance",
        "Better minus Worse votes of the period's pulses, in points of all votes "
        "(-100 to 100): whether people feel the teams work together better.",
        "points",
        "up",
        "Alignment",
        "pulse",
    ),
)

VANITY: tuple[VanityMetric, ...] = (
    VanityMetric(
        "impressions",
        "Impressions",
        "Impressions count eyeballs, not buyers: they grow with spend and say nothing "
        "about pipeline.",
        "marketing_influenced_pipeline",
        ("ad impressions", "reach"),
    ),
    VanityMetric(
        "followers",
        "Followers",
        "Followers can be bought or won by off-topic posts; they do not buy.",
        "marketing_sourced_pipeline",
        ("social followers", "subscribers"),
    ),
    VanityMetric(
        "likes",
        "Likes",
        "Likes measure reactions to a post, not interest in buying.",
        "marketing_influenced_pipeline",
        ("reactions",),
    ),
    VanityMetric(
        "page_views",
        "Page views",
        "Page views rise with any traffic, qualified or not.",
        "mql_to_sql_conversion",
        ("pageviews", "web traffic", "website traffic", "visits"),
    ),
    VanityMetric(
        "sessions",
        "Sessions",
        "Sessions count visits, not visitors who become customers.",
        "mql_to_sql_conversion",
        ("website sessions", "visitors"),
    ),
    VanityMetric(
        "email_opens",
        "Email opens",
        "Opens are inflated by mail scanners and privacy proxies and say nothing about intent.",
        "mql_to_sql_conversion",
        ("open rate", "email open rate", "opens"),
    ),
    VanityMetric(
        "raw_lead_count",
        "Raw lead count",
        "More leads of any quality mean more work for sales, not more revenue.",
        "sql_acceptance_rate",
        ("leads", "lead count", "number of leads", "leads generated"),
    ),
    VanityMetric(
        "mql_count",
        "MQL count on its own",
        "A count of MQLs without what sales did with them rewards volume over quality.",
        "mql_to_sql_conversion",
        ("mqls", "mql volume", "number of mqls"),
    ),
    VanityMetric(
        "content_pieces_published",
        "Content pieces published",
        "Publishing more is output, not outcome: what matters is whether sales uses it.",
        "content_utilisation",
        ("content published", "blog posts published", "posts published"),
    ),
    VanityMetric(
        "booth_visitors",
        "Booth visitors",
        "Badge scans at a booth include everyone who wanted a free pen.",
        "marketing_sourced_pipeline",
        ("badge scans", "event attendees"),
    ),
    VanityMetric(
        "social_shares",
        "Social shares",
        "Shares spread a post; they do not show that a buyer moved closer to a deal.",
        "marketing_influenced_pipeline",
        ("shares", "retweets"),
    ),
)

_METRICS_BY_KEY = {m.key: m for m in METRICS}
_VANITY_BY_KEY = {v.key: v for v in VANITY}


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


_VANITY_BY_NAME = {_normal(name): v for v in VANITY for name in (v.key, v.name, *v.aliases)}


def metric(key: str) -> Metric | None:
    """The outcome metric ``key``, or None if the catalogue has no such metric."""
    return _METRICS_BY_KEY.get(key)


def vanity(key_or_name: str) -> VanityMetric | None:
    """The vanity metric called ``key_or_name`` (by key, name or alias), or None."""
    return _VANITY_BY_KEY.get(key_or_name) or _VANITY_BY_NAME.get(_normal(key_or_name))


def vanity_message(entry: VanityMetric) -> str:
    """Why a vanity metric is refused, and what to measure instead."""
    instead = _METRICS_BY_KEY[entry.suggestion]
    return (
        f"{entry.name} is a vanity metric: {entry.why} "
        f"Measure an outcome instead, for example {instead.name} ({instead.key})."
    )


def metric_choices() -> list[tuple[str, str]]:
    """Choices for a form: every outcome metric, then a custom one."""
    return [(m.key, m.name) for m in METRICS] + [(CUSTOM, "Custom metric…")]


def validate_metric(
    key: str, *, custom_name: str = "", moves: str = "", field: str = "metric"
) -> None:
    """Raise a ValidationError naming ``field`` unless ``key`` may be a goal's metric.

    Vanity metrics are refused with the reason and a suggested outcome
    metric; a custom metric needs a name that is not a vanity metric and must
    say which goal or revenue stage it moves (``moves``).
    """
    entry = vanity(key)
    if entry is not None:
        raise ValidationError({field: vanity_message(entry)})
    if key == CUSTOM:
        errors: dict[str, str] = {}
        if not custom_name.strip():
            errors["metric_name"] = "Name the custom metric."
        else:
            named = vanity(custom_name)
            if named is not None:
                errors["metric_name"] = vanity_message(named)
        if not moves.strip():
            errors["metric_moves"] = (
                "Say which goal or revenue stage this metric moves, e.g. 'pipeline creation'."
            )
        if errors:
            raise ValidationError(errors)
        return
    if key not in _METRICS_BY_KEY:
        raise ValidationError(
            {field: f"Unknown metric '{key}'. Choose one from the catalogue or 'custom'."}
        )


# -- values computed by other apps -------------------------------------------------

# ``fn(organization, start, end)``: the values of the source's metrics over
# ``start``..``end`` (inclusive), by metric key; a metric without data is left out.
MetricSource = Callable[["Organization", dt.date, dt.date], Mapping[str, Decimal]]


class MetricValues(Mapping[str, Decimal]):
    """A source's metric values, each computed when first read (then kept).

    A goal reads one metric; computing every metric of its source would scan
    the same history several times over for values nobody shows. ``compute``
    gives one metric's value (None without data: the metric is then absent).
    """

    def __init__(self, keys: Iterable[str], compute: Callable[[str], float | None]) -> None:
        self._keys = tuple(keys)
        self._compute = compute
        self._known: dict[str, Decimal | None] = {}

    def __getitem__(self, key: str) -> Decimal:
        if key not in self._keys:
            raise KeyError(key)
        if key not in self._known:
            value = self._compute(key)
            self._known[key] = None if value is None else Decimal(str(value))
        found = self._known[key]
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return (key for key in self._keys if key in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


_SOURCES: dict[str, MetricSource] = {}


def register_metric_source(source: str, fn: MetricSource) -> None:
    """Let goals compute the metrics whose ``source`` is ``source`` with ``fn``.

    Called from the source app's AppConfig.ready(); registering again replaces.
    """
    _SOURCES[source] = fn


def metric_source(source: str) -> MetricSource | None:
    """The function registered for ``source``, or None while no app computes it."""
    return _SOURCES.get(source)
