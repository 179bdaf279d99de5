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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    """A metric that is easy to grow without moving revenue; refused as a goal.

    ``signals`` say what the metric means rather than how it is spelled: each
    signal is a space-separated list of slots, each slot a ``|``-separated set
    of word stems, and a phrase carries the signal when every slot has one of
    its stems among the phrase's words, in any order ("visit|visitor|traffic"
    catches "Website visits", "site traffic" and "unique visitors"). ``unless``
    stems mark a phrase about something else ("lead response time" is not a
    lead count).
    """

    key: str
    name: str
    why: str
    suggestion: str  # key of the outcome metric to use instead
    aliases: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


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

# Words that make a phrase about how leads are handled, not how many there are
# ("lead response time", "MQLs rejected by reason", "lead-SLA compliance").
_PROCESS = (
    "time",
    "hour",
    "minute",
    "day",
    "touch",
    "response",
    "respond",
    "sla",
    "compliance",
    "velocity",
    "speed",
    "reject",
    "rejected",
    "rejection",
    "handled",
    "follow",
    "followed",
    "routing",
    "routed",
    "age",
    "aging",
    "quality",
    "customer",
)

# Most specific first: the first entry whose signal a phrase carries names it
# ("share of voice" is reach, not social shares; "newsletter opens" are opens).
VANITY: tuple[VanityMetric, ...] = (
    VanityMetric(
        "email_opens",
        "Email opens",
        "Opens are inflated by mail scanners and privacy proxies and say nothing about intent.",
        "mql_to_sql_conversion",
        ("open rate", "email open rate", "opens"),
        signals=("open email|mail|newsletter|rate|campaign|message|inbox",),
    ),
    VanityMetric(
        "clicks",
        "Clicks",
        "Clicks and click-through rates reward curiosity and catchy subject lines, not "
        "buyers moving towards a deal.",
        "mql_to_sql_conversion",
        ("click-through rate", "ctr", "link clicks"),
        signals=("click", "ctr"),
    ),
    VanityMetric(
        "emails_sent",
        "Emails sent",
        "Sending more email is output, not outcome: it grows by pressing send.",
        "mql_to_sql_conversion",
        ("emails sent", "newsletter sends"),
        signals=("email|newsletter|mailing|mail|message send|sent|delivered|volume",),
    ),
    VanityMetric(
        "downloads",
        "Downloads",
        "Downloads count who wanted a file, not who wants to buy: gated content is "
        "downloaded by students, competitors and job seekers.",
        "mql_to_sql_conversion",
        ("content downloads", "whitepaper downloads", "app downloads"),
        signals=("download", "install"),
    ),
    VanityMetric(
        "booth_visitors",
        "Booth visitors",
        "Badge scans at a booth include everyone who wanted a free pen.",
        "marketing_sourced_pipeline",
        ("badge scans", "booth scans", "event attendees", "webinar registrations"),
        signals=(
            "booth",
            "badge",
            "scan",
            "event|webinar|tradeshow|trade|conference|expo|summit|show|fair "
            "attendee|attendance|registrant|registration|visitor|signup|sign|rsvp|turnout",
        ),
    ),
    VanityMetric(
        "reach",
        "Reach",
        "Reach and awareness count people who might have seen a message; they grow with "
        "spend and say nothing about whether anyone is closer to buying.",
        "marketing_influenced_pipeline",
        ("audience reach", "share of voice", "brand awareness", "brand mentions"),
        signals=(
            "reach",
            "awareness",
            "audience",
            "share voice",
            "sov",
            "mention",
            "coverage",
            "brand lift",
        ),
    ),
    VanityMetric(
        "impressions",
        "Impressions",
        "Impressions count eyeballs, not buyers: they grow with spend and say nothing "
        "about pipeline.",
        "marketing_influenced_pipeline",
        ("ad impressions",),
        signals=("impression", "eyeball", "cpm", "view through"),
    ),
    VanityMetric(
        "followers",
        "Followers",
        "Followers can be bought or won by off-topic posts; they do not buy.",
        "marketing_sourced_pipeline",
        ("social followers", "subscribers"),
        signals=(
            "follower",
            "subscriber",
            "fan",
            "subscription newsletter|channel|blog|list|email",
            "list|database|community size|growth|member",
        ),
    ),
    VanityMetric(
        "social_engagement",
        "Social engagement",
        "Engagement counts reactions to posts; people who comment are rarely the ones "
        "who sign, and the number grows with giveaways.",
        "marketing_influenced_pipeline",
        ("engagement", "engagement rate", "social interactions"),
        signals=("engagement", "interaction", "comment social|post|linkedin|blog|video"),
    ),
    VanityMetric(
        "likes",
        "Likes",
        "Likes measure reactions to a post, not interest in buying.",
        "marketing_influenced_pipeline",
        ("reactions",),
        signals=("like", "reaction", "heart", "upvote"),
    ),
    VanityMetric(
        "social_shares",
        "Social shares",
        "Shares spread a post; they do not show that a buyer moved closer to a deal.",
        "marketing_influenced_pipeline",
        ("shares", "retweets"),
        signals=("share", "retweet", "repost"),
        unless=("market", "wallet"),
    ),
    VanityMetric(
        "search_rankings",
        "Search rankings",
        "Rankings and domain authority bring visitors of every kind; they are a means, "
        "and say nothing about who buys.",
        "marketing_sourced_pipeline",
        ("keyword rankings", "seo rankings", "domain authority"),
        signals=("ranking", "rank", "serp", "backlink", "authority domain|page|seo"),
    ),
    VanityMetric(
        "page_views",
        "Page views",
        "Page views rise with any traffic, qualified or not.",
        "mql_to_sql_conversion",
        ("pageviews", "web traffic", "website traffic", "visits", "video views"),
        signals=("view", "hit", "watch time"),
        unless=("review", "interview"),
    ),
    VanityMetric(
        "sessions",
        "Sessions",
        "Sessions, time on site and bounce rate describe browsing, not visitors who "
        "become customers.",
        "mql_to_sql_conversion",
        ("website sessions", "time on site", "bounce rate"),
        signals=(
            "session",
            "time site|page|website",
            "dwell",
            "bounce",
            "scroll",
        ),
    ),
    VanityMetric(
        "website_visits",
        "Website visits",
        "Visits and visitors rise with any traffic, qualified or not: bots, job seekers "
        "and competitors count as much as buyers.",
        "mql_to_sql_conversion",
        ("site traffic", "unique visitors", "website visitors"),
        signals=("visit", "visitor", "traffic", "unique user"),
        unless=("customer", "account", "client", "field"),
    ),
    VanityMetric(
        "mql_count",
        "MQL count on its own",
        "A count of MQLs without what sales did with them rewards volume over quality.",
        "mql_to_sql_conversion",
        ("mqls", "mql volume", "number of mqls"),
        signals=("mql", "marketing qualified"),
        unless=_PROCESS,
    ),
    VanityMetric(
        "raw_lead_count",
        "Raw lead count",
        "More leads of any quality mean more work for sales, not more revenue.",
        "sql_acceptance_rate",
        ("leads", "lead count", "number of leads", "leads generated"),
        signals=(
            "lead",
            "contact new|created|added|generated|count|captured|acquired",
            "form fill|submission|submit|completion",
            "signup",
            "sign up|ups",
            "inquiry|enquiry",
        ),
        unless=_PROCESS,
    ),
    VanityMetric(
        "content_pieces_published",
        "Content pieces published",
        "Publishing more is output, not outcome: what matters is whether sales uses it.",
        "content_utilisation",
        ("content published", "blog posts published", "posts published"),
        signals=(
            "content|blog|post|article|video|asset|piece|ebook|whitepaper|webinar|episode"
            "|podcast|newsletter|infographic|case publish|published|produced|created|"
            "written|shipped|launched|output|volume|frequency|cadence|count|number",
            "post blog|social|linkedin|twitter|instagram|facebook",
        ),
        unless=("use", "used", "usage", "using"),
    ),
)

_METRICS_BY_KEY = {m.key: m for m in METRICS}
_VANITY_BY_KEY = {v.key: v for v in VANITY}


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Words a phrase about an outcome carries: whatever else it counts, it counts
# it by what happened in revenue ("visitors who became SQLs", "pipeline from
# webinar attendees", "download-to-opportunity conversion").
_OUTCOME = frozenset(
    [
        "pipeline",
        "revenue",
        "arr",
        "mrr",
        "booking",
        "booked",
        "won",
        "win",
        "closed",
        "deal",
        "opportunity",
        "opp",
        "sql",
        "sqo",
        "accept",
        "accepted",
        "acceptance",
        "conversion",
        "converted",
        "convert",
        "became",
        "become",
        "retention",
        "retained",
        "churn",
        "nps",
        "quota",
        "sourced",
        "influenced",
        "attributed",
        "roi",
        "ltv",
        "cac",
        "payback",
        "signed",
        "purchase",
        "purchased",
        "paying",
        "contract",
        "renewal",
        "renewed",
        "expansion",
        "upsell",
        "utilisation",
        "utilization",
        "promoter",
        "detractor",
        "margin",
        "profit",
    ]
)

# Words written in one piece that mean two ("pageviews" are page views).
_COMPOUNDS = {
    "pageview": ("page", "view"),
    "webpage": ("web", "page"),
    "signup": ("sign", "up"),
    "opens": ("email", "open"),
    "tradeshow": ("trade", "show"),
    "ebook": ("ebook",),
}


def _stem(word: str) -> str:
    """A word without its plural ending: "visitors" and "visitor" mean one thing."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> frozenset[str]:
    """The stems of ``text``'s words, compounds split ("Page-views" → page, view)."""
    text = re.sub(r"\be-(mail|book)", r"e\1", text.lower())
    stems: set[str] = set()
    for word in _normal(text).split():
        if word in _COMPOUNDS:
            stems.update(_COMPOUNDS[word])
        else:
            stems.add(_stem(word))
    return frozenset(stems)


def _carries(words: frozenset[str], signal: str) -> bool:
    return all(words & set(slot.split("|")) for slot in signal.split())


def _vanity_by_meaning(text: str) -> VanityMetric | None:
    words = _words(text)
    if not words or words & _OUTCOME:
        return None
    for entry in VANITY:
        if words & set(entry.unless):
            continue
        if any(_carries(words, signal) for signal in entry.signals):
            return entry
    return None


_VANITY_BY_NAME = {_normal(name): v for v in VANITY for name in (v.key, v.name, *v.aliases)}


def metric(key: str) -> Metric | None:
    """The outcome metric ``key``, or None if the catalogue has no such metric."""
    return _METRICS_BY_KEY.get(key)


def vanity(key_or_name: str) -> VanityMetric | None:
    """The vanity metric ``key_or_name`` means, or None.

    Judged by meaning, not one spelling: a key, a name or an alias of the
    catalogue, or any phrase carrying one of an entry's signals ("site
    traffic", "unique visitors", "booth scans") unless it also names an
    outcome ("visitors who became SQLs" is a conversion, not a count).
    """
    return (
        _VANITY_BY_KEY.get(key_or_name)
        or _VANITY_BY_NAME.get(_normal(key_or_name))
        or _vanity_by_meaning(key_or_name)
    )


def vanity_message(entry: VanityMetric, phrase: str = "") -> str:
    """Why a vanity metric is refused, and what to measure instead.

    ``phrase`` is what the member wrote; when it is not the entry's own name,
    the message says which vanity metric it was read as.
    """
    instead = _METRICS_BY_KEY[entry.suggestion]
    phrase = " ".join(phrase.split())
    if phrase and _normal(phrase) not in (_normal(entry.name), _normal(entry.key)):
        named = f"“{phrase}” measures {entry.name.lower()}, which is a vanity metric"
    else:
        named = f"{entry.name} is a vanity metric"
    return (
        f"{named}: {entry.why} "
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
        raise ValidationError({field: vanity_message(entry, key)})
    if key == CUSTOM:
        errors: dict[str, str] = {}
        if not custom_name.strip():
            errors["metric_name"] = "Name the custom metric."
        else:
            named = vanity(custom_name)
            if named is not None:
                errors["metric_name"] = vanity_message(named, custom_name)
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


# ``fn(organization, requests)``: the values of many (metric key, start, end)
# requests (inclusive days) of the source's metrics at once, in order, None
# without data; in a number of queries that does not grow with the requests
# (read from monthly rollups). Optional: a source without one is asked one
# period at a time through its ``MetricSource``.
MetricSeries = Callable[
    ["Organization", Sequence[tuple[str, dt.date, dt.date]]], Sequence[float | None]
]

_SERIES: dict[str, MetricSeries] = {}


def register_metric_series(source: str, fn: MetricSeries) -> None:
    """Let goals compute many periods of ``source``'s metrics at once with
    ``fn``. Called from the source app's AppConfig.ready()."""
    _SERIES[source] = fn


def metric_series(source: str) -> MetricSeries | None:
    """The series function registered for ``source``, or None."""
    return _SERIES.get(source)
