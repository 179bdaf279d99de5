"""Reads for customer feedback: NPS with its interval, trends, breakdowns,
campaign progress, follow-ups and themes. Aggregates run in SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from accord.feedback.models import (
    Campaign,
    FollowUp,
    FollowUpEntry,
    Recipient,
    RecipientImport,
    Response,
    Survey,
    Theme,
    ThemeMention,
)
from accord.goals.metrics import MetricValues
from accord.lib.local_time import day_start, local_date
from accord.lib.nps import Change, Nps, change, nps
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import get_scoped, scoped

if TYPE_CHECKING:
    from accord.pipeline.models import ColumnMapping

# An imported column's name, with at least one letter: a name that reads as a
# number ("0", "-1", "1_000") would address a JSON array element instead, and a
# long one overflows PostgreSQL's integer (a 500); dots would be a path.
# (No look-ahead: the API's schema validates with this pattern too.)
SEGMENT_NAME = re.compile(r"^[0-9_\- ]*[A-Za-z][A-Za-z0-9_\- ]*$")
SEGMENT_MAX_LENGTH = 60


def _counts(rows: Any, key: str) -> dict[Any, dict[str, int]]:
    grouped: dict[Any, dict[str, int]] = {}
    for row in rows:
        grouped.setdefault(row[key], {"promoter": 0, "passive": 0, "detractor": 0})[
            row["category"]
        ] += row["n"]
    return grouped


def _nps_of(counts: dict[str, int], key: str = "") -> Nps:
    return nps(counts["promoter"], counts["passive"], counts["detractor"], key=key)


def responses_in(
    organization: Organization, *, since: date | None = None, until: date | None = None
) -> QuerySet[Response]:
    """The organisation's responses from day ``since`` (inclusive) to day ``until``
    (exclusive), days of the organisation's time zone (as ``Response.month``)."""
    queryset = Response.objects.filter(organization=organization)
    if since is not None:
        queryset = queryset.filter(created_at__gte=day_start(since, organization.time_zone))
    if until is not None:
        queryset = queryset.filter(created_at__lt=day_start(until, organization.time_zone))
    return queryset


def nps_total(
    organization: Organization, *, since: date | None = None, until: date | None = None
) -> Nps:
    rows = (
        responses_in(organization, since=since, until=until)
        .values("category")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts = {"promoter": 0, "passive": 0, "detractor": 0}
    for row in rows:
        counts[row["category"]] += row["n"]
    return _nps_of(counts)


def _month_counts(queryset: QuerySet[Response]) -> dict[Any, dict[str, int]]:
    # The stored month column: one indexed GROUP BY, no per-row date function.
    return _counts(queryset.values("month", "category").annotate(n=Count("*")).order_by(), "month")


def valid_segment(by: str) -> bool:
    return by in {"month", "quarter", "owner", "campaign", "language"} or (
        len(by) <= SEGMENT_MAX_LENGTH and bool(SEGMENT_NAME.match(by))
    )


def _segment_groups(
    organization: Organization, by: str, since: date | None, until: date | None
) -> dict[Any, dict[str, int]]:
    """Counts by account owner (email), campaign (name), language or segment
    value, "(none)" for none: the whole months from the rollups
    (``accord.feedback.rollups.segment_counts``), the partial months at the
    edges of the period counted live. A fixed number of queries."""
    from accord.feedback import rollups
    from accord.lib.months import next_month

    first = since if since is None or since.day == 1 else next_month(since)
    last = until if until is None or until.day == 1 else until.replace(day=1)
    found: list[dict[str, dict[str, int]]] = []
    if first is not None and last is not None and first >= last:
        found.append(
            rollups.live_segment_counts(responses_in(organization, since=since, until=until), by)
        )
    else:
        found.append(rollups.segment_counts(organization, by, since=first, until=last))
        for start, end in ((since, first), (last, until)):
            if start is not None and end is not None and start < end:
                found.append(
                    rollups.live_segment_counts(
                        responses_in(organization, since=start, until=end), by
                    )
                )
    counts: dict[str, dict[str, int]] = {}
    for part in found:
        for key, values in part.items():
            target = counts.setdefault(key, {"promoter": 0, "passive": 0, "detractor": 0})
            for name, n in values.items():
                target[name] += n
    names: dict[str, Any] = {key: key for key in counts}
    ids = sorted({int(key) for key in counts if key} if by in ("owner", "campaign") else set())
    if by == "owner":
        emails = dict(
            Membership.objects.filter(organization=organization, pk__in=ids).values_list(
                "pk", "user__email"
            )
        )
        names = {key: emails.get(int(key)) if key else None for key in counts}
    elif by == "campaign":
        titles = dict(
            Campaign.objects.filter(organization=organization, pk__in=ids).values_list("pk", "name")
        )
        names = {key: titles.get(int(key)) if key else None for key in counts}
    groups: dict[Any, dict[str, int]] = {}
    # Keys in text order, so groups of equal size keep one order on both databases.
    for key in sorted(counts, key=lambda k: (names[k] in (None, ""), str(names[k]))):
        name = str(names[key]) if names[key] not in (None, "") else "(none)"
        target = groups.setdefault(name, {"promoter": 0, "passive": 0, "detractor": 0})
        for category_name, n in counts[key].items():
            target[category_name] += n
    return groups


def nps_by(
    organization: Organization,
    *,
    by: str = "month",
    since: date | None = None,
    until: date | None = None,
) -> Nps:
    """The NPS of the period and one group per month, quarter, account owner,
    campaign, language or segment attribute (any imported column), read from
    the rollups (``accord.feedback.rollups``) for whole months."""
    if not valid_segment(by):
        raise ValueError(f"Cannot group by {by!r}.")
    queryset = responses_in(organization, since=since, until=until)
    groups: dict[Any, dict[str, int]]
    if by in {"month", "quarter"}:
        if all(day is None or day.day == 1 for day in (since, until)):
            # Whole months: the monthly rollups, the day rollups of the last
            # two months and a live count of the answers of the last minutes
            # (accord.feedback.rollups), not all history.
            from accord.feedback import rollups

            months = rollups.month_counts(organization, since=since, until=until)
        else:
            months = _month_counts(queryset)
        groups = {}
        for month, counts in months.items():
            if by == "month":
                key = month.strftime("%Y-%m")
            else:
                key = f"{month.year}-Q{(month.month - 1) // 3 + 1}"
            target = groups.setdefault(key, {"promoter": 0, "passive": 0, "detractor": 0})
            for name, value in counts.items():
                target[name] += value
    else:
        groups = _segment_groups(organization, by, since, until)
    total = {"promoter": 0, "passive": 0, "detractor": 0}
    for counts in groups.values():
        for name, value in counts.items():
            total[name] += value
    result = _nps_of(total)
    ordered = (
        sorted(groups)
        if by in {"month", "quarter"}
        else sorted(groups, key=lambda k: -sum(groups[k].values()))
    )
    result.groups.extend(_nps_of(groups[key], key=str(key)) for key in ordered)
    return result


@dataclass(frozen=True)
class PeriodComparison:
    """A period's NPS against the period of the same length just before it.
    ``since`` is inclusive and ``until`` exclusive, as everywhere."""

    current: Nps
    previous: Nps
    change: Change
    since: date
    until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days

    @property
    def previous_since(self) -> date:
        return self.since - timedelta(days=self.days)

    def as_dict(self) -> dict[str, Any]:
        """The ``change`` of the API and ``accord nps --json``: the figures the page shows."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "previous_since": self.previous_since.isoformat(),
            "previous_until": self.since.isoformat(),
            "nps": self.current.nps,
            "n": self.current.n,
            "previous_nps": self.previous.nps,
            "previous_n": self.previous.n,
            **self.change.as_dict(),
        }


def nps_compare(
    organization: Organization,
    *,
    days: int = 90,
    today: date | None = None,
    since: date | None = None,
    until: date | None = None,
) -> PeriodComparison:
    """A period against the one of the same length just before it: from ``since``
    to ``until`` (exclusive) when given; without ``until`` up to today (in the
    organisation's time zone) included; without ``since`` the ``days`` before
    ``until``. The page, the API and ``accord nps`` all show this."""
    end = until or (today or local_date(timezone.now(), organization.time_zone)) + timedelta(days=1)
    start = since or end - timedelta(days=days)
    if start >= end:
        raise ValueError("must not be after today" if until is None else "must be before until")
    length = end - start
    if start - date.min < length:
        raise ValueError("is too far back to compare with the period before it")
    from accord.feedback import rollups

    # The days' rollups and a live count of the last days, not every answer
    # of the 180 days (``rollups.day_counts``).
    current, previous = (
        _nps_of(counts)
        for counts in rollups.day_counts(organization, [(start, end), (start - length, start)])
    )
    return PeriodComparison(current, previous, change(previous, current), start, end)


def segment_names(organization: Organization, limit: int = 500) -> list[str]:
    """Attribute names seen on recent responses (the keys one can break down by)."""
    names: set[str] = set()
    for attributes in (
        Response.objects.filter(organization=organization)
        .exclude(attributes={})
        .order_by("-created_at")
        .values_list("attributes", flat=True)[:limit]
    ):
        if isinstance(attributes, dict):
            names.update(k for k in attributes if valid_segment(k))
    return sorted(names)


# -- campaigns -----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignProgress:
    recipients: int
    queued: int
    sent: int
    skipped: int
    bounced: int
    unconfirmed: int
    opened: int
    responded: int

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responded / self.sent, 1) if self.sent else None


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    by_status = dict(campaign.recipients.values_list("status").annotate(n=Count("id")).order_by())
    flags = campaign.recipients.aggregate(
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        responded=Count("id", filter=Q(responded_at__isnull=False)),
    )
    return CampaignProgress(
        recipients=sum(by_status.values()),
        queued=by_status.get(Recipient.Status.QUEUED, 0),
        sent=by_status.get(Recipient.Status.SENT, 0),
        skipped=by_status.get(Recipient.Status.SKIPPED, 0),
        bounced=by_status.get(Recipient.Status.BOUNCED, 0),
        unconfirmed=by_status.get(Recipient.Status.SENDING, 0),
        opened=flags["opened"],
        responded=flags["responded"],
    )


def campaigns(membership: Membership) -> QuerySet[Campaign]:
    """The campaigns, newest first, with their recipient, sent and responded
    counts as kept on each campaign (``accord.feedback.counts``)."""
    return scoped(membership, Campaign.objects.select_related("survey")).order_by(
        "-created_at", "-id"
    )


def surveys(membership: Membership) -> QuerySet[Survey]:
    return scoped(membership, Survey.objects.all())


# The orders the responses and follow-ups lists page in (``accord.lib.keyset``),
# each backed by an (organisation, key, id) index.
RESPONSE_ORDER = ("-created_at", "-id")
FOLLOWUP_ORDER = ("due_at", "id")


def responses(membership: Membership) -> QuerySet[Response]:
    return scoped(membership, Response.objects.select_related("campaign", "account_owner__user"))


def followups(membership: Membership) -> QuerySet[FollowUp]:
    return scoped(
        membership,
        FollowUp.objects.select_related("response", "sales_owner__user", "marketing_owner__user"),
    )


def followups_open_counts(membership: Membership, *, now: datetime) -> tuple[int, int]:
    """How many follow-ups are open, and how many of them are overdue at
    ``now``: one aggregate over the open ones alone, on the ``followup_due``
    index (organisation, status, due time), never over closed history."""
    found = (
        scoped(membership, FollowUp.objects.all())
        .filter(status__in=OPEN_STATUSES)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    return found["open"], found["overdue"]


# Named, not "not closed": an IN list is what the status index can serve.
OPEN_STATUSES = [status for status in FollowUp.Status if status not in FollowUp.CLOSED]


def followups_owned(membership: Membership) -> QuerySet[FollowUp]:
    """Open follow-ups the member owns (as sales owner or marketing partner), soonest due first."""
    return (
        followups(membership)
        .filter(Q(sales_owner=membership) | Q(marketing_owner=membership))
        .exclude(status__in=FollowUp.CLOSED)
        .order_by("due_at", "pk")
    )


def survey(membership: Membership, pk: int) -> Survey:
    return get_scoped(membership, Survey.objects.all(), pk=pk)


def campaign(membership: Membership, pk: int) -> Campaign:
    return get_scoped(membership, Campaign.objects.select_related("survey"), pk=pk)


def recipient_imports(campaign: Campaign) -> QuerySet[RecipientImport]:
    """The lists added to a campaign the caller has already looked up, newest
    first (without the stored files)."""
    return RecipientImport.objects.filter(campaign=campaign).defer("data").order_by("-id")


def recipient_import(membership: Membership, campaign: Campaign, pk: int) -> RecipientImport:
    """One list added to ``campaign`` (looked up in scope); a 404 for any other."""
    return get_scoped(
        membership,
        RecipientImport.objects.filter(campaign=campaign).defer("data").select_related("campaign"),
        pk=pk,
    )


def campaign_recipients(campaign: Campaign) -> QuerySet[Recipient]:
    """The recipients of a campaign the caller has already looked up in scope."""
    return Recipient.objects.filter(campaign=campaign).order_by("id")


def response(membership: Membership, pk: int) -> Response:
    return get_scoped(membership, Response.objects.all(), pk=pk)


def followup(membership: Membership, pk: int) -> FollowUp:
    return get_scoped(
        membership,
        FollowUp.objects.select_related("response", "sales_owner__user", "marketing_owner__user"),
        pk=pk,
    )


def followup_timeline(followup: FollowUp) -> QuerySet[FollowUpEntry]:
    """The timeline of a follow-up the caller has already looked up in scope, newest first."""
    return FollowUpEntry.objects.filter(followup=followup).select_related("actor__user")


def theme(membership: Membership, pk: int) -> Theme:
    return get_scoped(membership, Theme.objects.all(), pk=pk)


def themes_to_merge_into(membership: Membership, theme: Theme) -> QuerySet[Theme]:
    """The organisation's other themes that are not merged away themselves."""
    return scoped(membership, Theme.objects.filter(merged_into__isnull=True)).exclude(pk=theme.pk)


# -- loops closed on time ---------------------------------------------------------------


def loops_closed_on_time(
    organization: Organization, *, start: date, end: date, kind: str | None = FollowUp.Kind.RECOVERY
) -> tuple[int, int]:
    """(closed on time, due) for follow-ups due from ``start`` to ``end`` inclusive.

    A loop is closed on time when it was resolved or lost by its due time; one
    still open after its due time counts against."""
    return loops_closed_on_time_many(organization, [(start, end)], kind=kind)[0]


def loops_closed_on_time_many(
    organization: Organization, periods: list[tuple[date, date]], *, kind: str | None = None
) -> list[tuple[int, int]]:
    """``loops_closed_on_time`` for each period, in order (every kind unless
    ``kind``), from one aggregate query over all of them."""
    if not periods:
        return []
    # The periods' edges cut time into consecutive spans; each follow-up is
    # counted once, in the span its due instant falls in (one CASE, grouped),
    # and each period adds up the spans it covers. One FILTER per period and
    # count instead made the database test every row against every period
    # (26 of them for the health trend), twice as slow on SQLite.
    zone = organization.time_zone
    bounds = [
        (day_start(start, zone), day_start(end + timedelta(days=1), zone)) for start, end in periods
    ]
    edges = sorted({instant for bound in bounds for instant in bound})
    span = Case(
        *(When(due_at__lt=edge, then=Value(i)) for i, edge in enumerate(edges[1:])),
        default=Value(len(edges) - 1),
        output_field=IntegerField(),
    )
    on_time = Q(status__in=FollowUp.CLOSED, closed_at__isnull=False) & Q(
        closed_at__lte=_due_field()
    )
    due = FollowUp.objects.filter(
        organization=organization,
        due_at__gte=edges[0],
        due_at__lt=edges[-1],
        due_at__lte=timezone.now(),
    )
    if kind:
        due = due.filter(kind=kind)
    counts = {"due": Count("id"), "on_time": Count("id", filter=on_time)}
    if len(edges) == 2:
        # One span (one period, the current health score): a plain aggregate.
        # Grouped by the one-valued CASE, PostgreSQL built a hash table sized
        # for every row (16 ms against 9 ms for 41,000 follow-ups).
        total = due.aggregate(**counts)
        by_span = {0: (total["on_time"], total["due"])}
    else:
        by_span = {
            row["span"]: (row["on_time"], row["due"])
            for row in due.order_by().annotate(span=span).values("span").annotate(**counts)
        }
    out = []
    for start_at, end_at in bounds:
        first, last = edges.index(start_at), edges.index(end_at)
        counted = [by_span.get(i, (0, 0)) for i in range(first, last)]
        out.append((sum(c[0] for c in counted), sum(c[1] for c in counted)))
    return out


def _due_field() -> Any:
    from django.db.models import F

    return F("due_at")


FEEDBACK_METRICS = ("nps", "survey_response_rate", "detractor_loops_closed_on_time")


def metric_values(
    organization: Organization,
    start: date,
    end: date,
    keys: Collection[str] = FEEDBACK_METRICS,
) -> dict[str, float | None]:
    """Values for the goals app's metric catalogue over ``start``..``end`` (inclusive):
    NPS (-100..100), survey response rate and detractor loops closed on time (0..100);
    None when there is no data. ``keys`` narrows it to those metrics, each
    running only its own query."""

    def response_rate() -> float | None:
        sent = Recipient.objects.filter(
            organization=organization,
            sent_at__gte=day_start(start, organization.time_zone),
            sent_at__lt=day_start(end + timedelta(days=1), organization.time_zone),
        ).aggregate(sent=Count("id"), responded=Count("id", filter=Q(responded_at__isnull=False)))
        return round(100 * sent["responded"] / sent["sent"], 1) if sent["sent"] else None

    def loops() -> float | None:
        on_time, due = loops_closed_on_time(organization, start=start, end=end)
        return round(100 * on_time / due, 1) if due else None

    computers: dict[str, Callable[[], float | None]] = {
        "nps": lambda: nps_total(organization, since=start, until=end + timedelta(days=1)).nps,
        "survey_response_rate": response_rate,
        "detractor_loops_closed_on_time": loops,
    }
    return {key: computers[key]() for key in FEEDBACK_METRICS if key in keys}


def metric_series(
    organization: Organization, requests: Sequence[tuple[str, date, date]]
) -> list[float | None]:
    """``metric_values`` for many (metric key, start, end) at once, in order.

    NPS of every request comes from the day rollups plus a live count of
    the answers of the last minutes (``rollups.period_counts``); the response rate from the
    sends kept per day (``counts.response_rates``); the loops closed on time
    are counted live, one conditional aggregate for all periods. A fixed
    number of queries however many requests and months."""
    from accord.feedback import counts, rollups

    out: list[float | None] = [None] * len(requests)
    nps_at = [i for i, (key, _, _) in enumerate(requests) if key == "nps"]
    if nps_at:
        by_period = rollups.period_counts(
            organization, [(requests[i][1], requests[i][2]) for i in nps_at]
        )
        for i, found in zip(nps_at, by_period, strict=True):
            out[i] = _nps_of(found).nps
    rate_at = [i for i, r in enumerate(requests) if r[0] == "survey_response_rate"]
    if rate_at:
        periods = sorted({(requests[i][1], requests[i][2]) for i in rate_at})
        rates = dict(zip(periods, counts.response_rates(organization, periods), strict=True))
        for i in rate_at:
            out[i] = rates[(requests[i][1], requests[i][2])]
    loops_at = [i for i, r in enumerate(requests) if r[0] == "detractor_loops_closed_on_time"]
    if loops_at:
        periods = sorted({(requests[i][1], requests[i][2]) for i in loops_at})
        closed = dict(
            zip(
                periods,
                loops_closed_on_time_many(organization, periods, kind=FollowUp.Kind.RECOVERY),
                strict=True,
            )
        )
        for i in loops_at:
            on_time, due = closed[(requests[i][1], requests[i][2])]
            out[i] = round(100 * on_time / due, 1) if due else None
    return out


def goal_metric_values(organization: Organization, start: date, end: date) -> MetricValues:
    """``metric_values`` as the goals app reads it: Decimals, metrics without data
    left out, each computed only when a goal reads it."""
    return MetricValues(
        FEEDBACK_METRICS, lambda key: metric_series(organization, [(key, start, end)])[0]
    )


# -- themes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeSummary:
    theme: Theme
    total: int
    promoters: int
    passives: int
    detractors: int
    better: int
    well: int
    last_month: date | None


def theme_summaries(membership: Membership) -> list[ThemeSummary]:
    rows = (
        scoped(membership, Theme.objects.filter(merged_into__isnull=True))
        .annotate(
            total=Count("mentions"),
            promoters=Count("mentions", filter=Q(mentions__response__category="promoter")),
            passives=Count("mentions", filter=Q(mentions__response__category="passive")),
            detractors=Count("mentions", filter=Q(mentions__response__category="detractor")),
            better=Count("mentions", filter=Q(mentions__field="better")),
            well=Count("mentions", filter=Q(mentions__field="well")),
            last_month=Max("mentions__response__month"),
        )
        .order_by("-total", "name")
    )
    return [
        ThemeSummary(
            t,
            t.total,
            t.promoters,
            t.passives,
            t.detractors,
            t.better,
            t.well,
            t.last_month,
        )
        for t in rows
    ]


@dataclass(frozen=True)
class ThemeCount:
    name: str
    mentions: int
    detractors: int


def themes_between(
    organization: Organization, *, since: date, until: date, limit: int = 8
) -> list[ThemeCount]:
    """The themes most mentioned by responses from ``since`` (inclusive) to
    ``until`` (exclusive), with how many of those came from detractors."""
    rows = (
        ThemeMention.objects.filter(
            organization=organization,
            theme__merged_into__isnull=True,
            response__created_at__gte=day_start(since, organization.time_zone),
            response__created_at__lt=day_start(until, organization.time_zone),
        )
        .values("theme__name")
        .annotate(n=Count("pk"), detractors=Count("pk", filter=Q(response__category="detractor")))
        .order_by("-n", "theme__name")[:limit]
    )
    return [ThemeCount(r["theme__name"], r["n"], r["detractors"]) for r in rows]


def theme_quotes(theme: Theme, limit: int = 5) -> list[ThemeMention]:
    """The comments that best represent the theme (highest weight first), each
    text once: customers who wrote the same words are one quote, not several."""
    found: list[ThemeMention] = []
    seen: set[str] = set()
    mentions = (
        ThemeMention.objects.filter(theme=theme)
        .select_related("response")
        .order_by("-weight", "-response__created_at", "pk")
    )
    # Read in small batches: duplicates are few, so this rarely goes past one.
    for mention in mentions.iterator(chunk_size=4 * limit):
        text = mention.response.better if mention.field == "better" else mention.response.well
        key = " ".join(text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        found.append(mention)
        if len(found) >= limit:
            break
    return found


def theme_trend(theme: Theme) -> list[tuple[str, int]]:
    rows = (
        ThemeMention.objects.filter(theme=theme)
        .values("response__month")
        .annotate(n=Count("id"))
        .order_by("response__month")
    )
    return [(row["response__month"].strftime("%Y-%m"), row["n"]) for row in rows]


# -- for the meetings' agenda -------------------------------------------------------------


def detractors_between(organization: Organization, since: datetime, until: datetime) -> int:
    """How many detractors answered in [since, until)."""
    return Response.objects.filter(
        organization=organization,
        category=Response.Category.DETRACTOR,
        created_at__gte=since,
        created_at__lt=until,
    ).count()


def followups_overdue(organization: Organization, at: datetime) -> QuerySet[FollowUp]:
    """Follow-ups still open after their due time at ``at``, most overdue first."""
    return (
        FollowUp.objects.filter(organization=organization, due_at__lt=at)
        .exclude(status__in=FollowUp.CLOSED)
        .select_related("response")
        .order_by("due_at", "pk")
    )


# -- saved column mappings of survey responses (kept with the pipeline's) --------------

# The kind of a saved mapping of survey responses (``accord.pipeline.mappings``).
RESPONSES_MAPPING = "responses"


def response_mappings(membership: Membership) -> QuerySet[ColumnMapping]:
    """The organisation's saved column mappings of survey responses, by name."""
    from accord.pipeline.selectors import column_mappings

    return column_mappings(membership, kinds=[RESPONSES_MAPPING])


def response_mapping(membership: Membership, pk: int) -> ColumnMapping:
    """One of them, or 404 (another organisation's, or a pipeline mapping, too)."""
    return get_scoped(membership, response_mappings(membership), pk=pk)


def response_mapping_named(membership: Membership, name: str) -> ColumnMapping:
    """The one called ``name``; ValidationError naming it when there is none."""
    from accord.pipeline.selectors import column_mapping_named

    return column_mapping_named(membership, name, RESPONSES_MAPPING)
