"""NPS counts by month, kept in ``ResponseMonthRollup``, and by month and
account owner, campaign, language or segment attribute, kept in
``ResponseSegmentRollup``, for the months before the previous one. Both
tables are kept by month under the same marks and state.

Why the split: every survey answer lands in the current month, and the
public answer page must not pay for a rollup write. An answer of the current
or previous month is therefore never marked as a month: readers take those
two months from the day rows below (by segment: counted live, an indexed
GROUP BY over at most two months). When a month leaves that window
(``live_from`` moves on), the next ``refresh`` rolls it up
(``ResponseRollupState.complete_before`` says how far the rollups reach).

Changes to older months mark them (``ResponseRollupMark``), in the
transaction of the change: imports (they create responses through the ORM,
so the signal below covers them), edits that move a response, deletions.
Bulk writes that bypass signals (the demo, ``accord bench-data``) rebuild.

NPS by day of the organisation's calendar (``ResponseDayRollup``: any period
of whole days, such as the 90 days against the 90 before, a goal's quarter or
the live months above, adds up at most a row per day) is kept up to an
instant rather than a day: the worker's refresh counts every answer created
before ``NEW_FOR`` ago into its day's row and records that instant
(``ResponseDayState.counted_until``); readers add the answers created since,
a few minutes of them, counted live over the ``(organization, created_at)``
index. A new answer (the public POST) is never marked: no refresh has
counted it, and one whose transaction commits within ``NEW_FOR`` of its
``created_at`` is never passed over. Any other change to a response created
more than ``MARK_AFTER`` ago marks its days (``ResponseDayMark``, the UTC day
of the change and the days either side), and readers count those days live
until the refresh counts them again. A change of time zone forgets the state
(readers count live) until the refresh rebuilds it.

Readers never write: what is not rolled up yet (marked months and days,
months that left the live window since the worker's last ``refresh``, the
answers since ``counted_until``) is counted live, so answers are never stale
and a GET writes nothing. The one exception is an answer whose transaction
commits more than ``NEW_FOR`` after its ``created_at``: the day rows miss it
until the next refresh of its organisation (``accord rollups rebuild`` at
once).

``refresh`` locks the organisation, reads and deletes the marks, and only
then counts: the same commit-order argument as ``accord.pipeline.rollups``
(a change committed after the count left a mark the delete did not see).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone

from accord.feedback.models import (
    Response,
    ResponseDayMark,
    ResponseDayRollup,
    ResponseDayState,
    ResponseMonthRollup,
    ResponseRollupMark,
    ResponseRollupState,
    ResponseSegmentRollup,
)
from accord.lib.local_time import day_start, local_date, zone_of
from accord.orgs.models import Organization

# Stands for every month in a mark.
ALL = dt.date(1, 1, 1)
CATEGORIES = {"promoter": "promoters", "passive": "passives", "detractor": "detractors"}


def live_from(now: dt.datetime | None = None) -> dt.date:
    """The first day of the previous month in UTC: months from there on are
    counted live.

    ``Response.month`` is the month in the organisation's time zone, not in
    UTC; the boundary still holds for every zone: no zone is more than a day
    off UTC, so an organisation's current month is never earlier than UTC's
    previous month, and a new answer never lands in a rolled-up month."""
    today = (now or timezone.now()).astimezone(dt.UTC).date().replace(day=1)
    return (today - dt.timedelta(days=1)).replace(day=1)


def rollups_mark(organization_id: int, months: Iterable[dt.date | None]) -> None:
    """Mark months stale; months counted live need no mark and get none."""
    boundary = live_from()
    found = {m for m in months if m is not None and m < boundary}
    if found:
        ResponseRollupMark.objects.bulk_create(
            [ResponseRollupMark(organization_id=organization_id, month=m) for m in sorted(found)],
            ignore_conflicts=True,
        )


# A refresh counts the answers created up to this long ago, not later ones:
# an answer whose transaction commits within this time of its ``created_at``
# (the public POST's takes milliseconds) is never passed over unmarked.
NEW_FOR = dt.timedelta(minutes=5)
# A change to a response created longer ago than this marks its days, as a
# refresh may have counted it; well inside ``NEW_FOR``, so a change missed by
# that rule would have to stay uncommitted for the difference (four minutes).
MARK_AFTER = dt.timedelta(minutes=1)


def day_live_from(now: dt.datetime | None = None) -> dt.date:
    """Two days before today in UTC: days from there on may still gain new
    answers, so each refresh counts them again.

    ``ResponseDayRollup.day`` is the day in the organisation's time zone; no
    zone is more than a day off UTC, so a new answer's day is never before
    yesterday in UTC, and one more day covers an answer committed just after
    midnight."""
    return (now or timezone.now()).astimezone(dt.UTC).date() - dt.timedelta(days=2)


def days_mark(organization_id: int, moments: Iterable[dt.datetime | None]) -> None:
    """Mark the days of ``moments`` stale: the UTC day and the ones either
    side, since the organisation's day is one of them (marking without
    reading its time zone). Moments of the last ``MARK_AFTER`` need no mark
    and get none: no refresh has counted an answer created then."""
    older_than = timezone.now() - MARK_AFTER
    found = {
        moment.astimezone(dt.UTC).date() + dt.timedelta(days=shift)
        for moment in moments
        if moment is not None and moment < older_than
        for shift in (-1, 0, 1)
    }
    if found:
        ResponseDayMark.objects.bulk_create(
            [ResponseDayMark(organization_id=organization_id, day=d) for d in sorted(found)],
            ignore_conflicts=True,
        )


def rollups_forget_days(organization_id: int) -> None:
    """Every day's rollup is stale (the answers moved to another time zone's
    days): readers count live until the next refresh builds them again."""
    ResponseDayState.objects.filter(organization_id=organization_id).delete()


def response_saved(sender: Any, instance: Response, **kwargs: Any) -> None:
    # A new answer costs nothing here: the marks are written only for older
    # months and for answers created a while ago.
    rollups_mark(instance.organization_id, [instance.month, instance._loaded_month])
    days_mark(instance.organization_id, [instance.created_at, instance._loaded_created_at])
    instance._loaded_month = instance.month
    instance._loaded_created_at = instance.created_at


def response_deleted(sender: Any, instance: Response, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization):
        return
    rollups_mark(instance.organization_id, [instance.month])
    days_mark(instance.organization_id, [instance._loaded_created_at, instance.created_at])


def _counts(queryset: Any) -> dict[dt.date, dict[str, int]]:
    out: dict[dt.date, dict[str, int]] = {}
    for month, name, n in (
        queryset.order_by()
        .values("month", "category")
        .annotate(n=Count("*"))
        .values_list("month", "category", "n")
    ):
        out.setdefault(month, {"promoter": 0, "passive": 0, "detractor": 0})[name] += n
    return out


def _store(organization: Organization, months: set[dt.date] | None, before: dt.date) -> None:
    segments = ResponseSegmentRollup.objects.filter(organization=organization)
    if months is not None:
        segments = segments.filter(month__in=sorted(months))
    segments.delete()
    ResponseSegmentRollup.objects.bulk_create(
        _segment_rows(organization, months, before), batch_size=1000
    )
    base = Response.objects.filter(organization=organization, month__lt=before)
    stale = ResponseMonthRollup.objects.filter(organization=organization)
    if months is not None:
        base = base.filter(month__in=sorted(months))
        stale = stale.filter(month__in=sorted(months))
    fresh = _counts(base)
    stale.exclude(month__in=list(fresh)).delete()
    now = timezone.now()
    ResponseMonthRollup.objects.bulk_create(
        [
            ResponseMonthRollup(
                organization=organization,
                month=month,
                refreshed_at=now,
                **{CATEGORIES[name]: n for name, n in counts.items()},
            )
            for month, counts in fresh.items()
        ],
        update_conflicts=True,
        unique_fields=["organization", "month"],
        update_fields=[*CATEGORIES.values(), "refreshed_at"],
    )


# The groupings of NPS by a response's own column; any other ``by`` is the
# name of a segment attribute.
COLUMNS = {"owner": "account_owner_id", "campaign": "campaign_id", "language": "language"}
# Names that group by something else than an attribute of that name.
NOT_ATTRIBUTES = {"month", "quarter", *COLUMNS}


def _blank() -> dict[str, int]:
    return {"promoter": 0, "passive": 0, "detractor": 0}


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _attribute_rows(
    organization: Organization, months: set[dt.date] | None, before: dt.date
) -> Any:
    """(month, attribute name, value as text, category, count) of every
    attribute of the responses before ``before`` (of ``months``), in one
    pass over them. The value reads as the ``->>`` of a live breakdown does."""
    table = Response._meta.db_table
    if connection.vendor == "postgresql":
        each = "CROSS JOIN LATERAL jsonb_each_text(r.attributes) e"
        is_object = "jsonb_typeof(r.attributes) = 'object'"
    else:
        each = ", json_each(r.attributes) e"
        is_object = "json_type(r.attributes) = 'object'"
    # Dates as ISO text: both databases compare them with a date column.
    params: list[Any] = [organization.pk, before.isoformat()]
    within = ""
    if months is not None:
        within = f" AND r.month IN ({', '.join(['%s'] * len(months))})"
        params.extend(m.isoformat() for m in sorted(months))
    sql = (
        f"SELECT r.month, e.key, e.value, r.category, COUNT(*) FROM {table} r {each} "  # noqa: S608 (our names)
        f"WHERE r.organization_id = %s AND r.month < %s AND {is_object}{within} "
        "GROUP BY r.month, e.key, e.value, r.category"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def _segment_rows(
    organization: Organization, months: set[dt.date] | None, before: dt.date
) -> list[ResponseSegmentRollup]:
    """Fresh ``ResponseSegmentRollup`` rows of the months before ``before``
    (of ``months``; None: every month): one grouped query per column, one
    for every attribute. Attributes keep their non-empty values only: a
    breakdown's "(none)" is the month's other responses."""
    from accord.feedback.selectors import valid_segment

    base = Response.objects.filter(organization=organization, month__lt=before)
    if months is not None:
        base = base.filter(month__in=sorted(months))
    found: dict[tuple[str, dt.date, str], dict[str, int]] = {}
    for by, column in COLUMNS.items():
        for month, value, name, n in (
            base.order_by()
            .values("month", column, "category")
            .annotate(n=Count("*"))
            .values_list("month", column, "category", "n")
        ):
            found.setdefault((by, month, _key(value)), _blank())[name] += n
    for month, by, value, name, n in _attribute_rows(organization, months, before):
        key = _key(value)
        if key and by not in NOT_ATTRIBUTES and valid_segment(by):
            if isinstance(month, str):
                month = dt.date.fromisoformat(month)
            found.setdefault((by, month, key), _blank())[name] += n
    now = timezone.now()
    return [
        ResponseSegmentRollup(
            organization=organization,
            by=by,
            month=month,
            key=key,
            refreshed_at=now,
            **{CATEGORIES[name]: n for name, n in counts.items()},
        )
        for (by, month, key), counts in found.items()
    ]


def live_segment_counts(queryset: QuerySet[Response], by: str) -> dict[str, dict[str, int]]:
    """Promoters, passives and detractors of ``queryset`` by the value of
    grouping ``by`` as text (empty: none), counted from the responses."""
    column = COLUMNS.get(by)
    if column is None:
        queryset = queryset.annotate(segment=KT(f"attributes__{by}"))
        column = "segment"
    out: dict[str, dict[str, int]] = {}
    for value, name, n in (
        queryset.order_by()
        .values(column, "category")
        .annotate(n=Count("*"))
        .values_list(column, "category", "n")
    ):
        out.setdefault(_key(value), _blank())[name] += n
    return out


def segment_counts(
    organization: Organization,
    by: str,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> dict[str, dict[str, int]]:
    """Promoters, passives and detractors by the value of grouping ``by``
    (as text, empty for none) of the responses from month ``since`` up to
    (not including) month ``until``.

    As ``month_counts``: never writes; the stored rows for the months they
    answer, a live count in one grouped query for the rest. For an attribute
    the empty value is what the period's responses count beyond its values
    (``month_counts``). A fixed number of queries."""
    rolled, live = _stored_and_live(
        organization,
        ResponseSegmentRollup.objects.filter(organization=organization, by=by),
        since=since,
        until=until,
    )
    out: dict[str, dict[str, int]] = {}
    for row in rolled:
        target = out.setdefault(row.key, _blank())
        for name, field in CATEGORIES.items():
            target[name] += getattr(row, field)
    for key, counts in live_segment_counts(live, by).items():
        target = out.setdefault(key, _blank())
        for name, n in counts.items():
            target[name] += n
    if by not in COLUMNS:
        out.pop("", None)
        none = _blank()
        for counts in month_counts(organization, since=since, until=until).values():
            for name, n in counts.items():
                none[name] += n
        for counts in out.values():
            for name, n in counts.items():
                none[name] -= n
        if any(none.values()):
            out[""] = none
    return out


def _months_between(start: dt.date, end: dt.date) -> set[dt.date]:
    out = set()
    month = start.replace(day=1)
    while month < end:
        out.add(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def refresh(organization: Organization, *, rebuild: bool = False) -> None:
    """Bring the rollups up to ``live_from()`` (months) and
    ``day_live_from()`` (days): the marked months and days, and those that
    left the live window since the last refresh (all of them when nothing
    was rolled up yet, when every month is marked, or with ``rebuild``)."""
    boundary = live_from()
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
        months = set(
            ResponseRollupMark.objects.filter(organization=organization).values_list(
                "month", flat=True
            )
        )
        if months:
            ResponseRollupMark.objects.filter(organization=organization, month__in=months).delete()
        state = ResponseRollupState.objects.filter(organization=organization).first()
        if rebuild or state is None or ALL in months:
            _store(organization, None, boundary)
        else:
            todo = {m for m in months if m < boundary}
            if state.complete_before < boundary:
                todo |= _months_between(state.complete_before, boundary)
            if todo:
                _store(organization, todo, boundary)
        ResponseRollupState.objects.update_or_create(
            organization=organization, defaults={"complete_before": boundary}
        )
        _refresh_days(organization, rebuild=rebuild or ALL in months)


def _refresh_days(organization: Organization, *, rebuild: bool) -> None:
    """``refresh`` for the days, under its lock: the marks are read and
    deleted before counting, as for the months. Counts the marked days and
    the days that may have gained answers since the last refresh, up to
    ``NEW_FOR`` ago."""
    until = timezone.now() - NEW_FOR
    boundary = day_live_from()
    marked = set(
        ResponseDayMark.objects.filter(organization=organization).values_list("day", flat=True)
    )
    if marked:
        ResponseDayMark.objects.filter(organization=organization, day__in=marked).delete()
    state = ResponseDayState.objects.filter(organization=organization).first()
    if rebuild or state is None:
        _store_days(organization, None, until)
    else:
        todo = set(marked)
        day = min(state.complete_before, boundary)
        last = local_date(until, organization.time_zone)
        while day <= last:
            todo.add(day)
            day += dt.timedelta(days=1)
        if todo:
            _store_days(organization, todo, until)
    ResponseDayState.objects.update_or_create(
        organization=organization, defaults={"complete_before": boundary, "counted_until": until}
    )


def _store_days(organization: Organization, days: set[dt.date] | None, until: dt.datetime) -> None:
    """Count the days ``days`` (None: every day) again from the responses
    created before ``until``, in one grouped query over their span."""
    zone = organization.time_zone
    responses = Response.objects.filter(organization=organization, created_at__lt=until)
    stale = ResponseDayRollup.objects.filter(organization=organization)
    if days is not None:
        responses = responses.filter(
            created_at__gte=day_start(min(days), zone),
            created_at__lt=day_start(max(days) + dt.timedelta(days=1), zone),
        )
        stale = stale.filter(day__in=sorted(days))
    found: dict[dt.date, dict[str, int]] = {}
    for day, name, n in (
        responses.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=zone_of(zone)))
        .values("day", "category")
        .annotate(n=Count("*"))
        .values_list("day", "category", "n")
    ):
        if days is None or day in days:
            found.setdefault(day, _blank())[name] += n
    stale.delete()
    ResponseDayRollup.objects.bulk_create(
        [
            ResponseDayRollup(
                organization=organization,
                day=day,
                **{CATEGORIES[name]: n for name, n in counts.items()},
            )
            for day, counts in found.items()
        ],
        batch_size=1000,
    )


def _counted_until(state: ResponseDayState, time_zone: str) -> dt.datetime:
    """The instant before which ``state``'s day rows hold every response."""
    if state.counted_until is not None:
        return state.counted_until
    return day_start(min(state.complete_before, day_live_from()), time_zone)


def _days_stored_and_live(
    organization: Organization, first: dt.date, last: dt.date | None
) -> tuple[QuerySet[ResponseDayRollup], Q | None]:
    """For the days from ``first`` up to (not including) ``last`` (None: no
    end): the stored day rows that may answer, and what to count live
    instead, as a condition on ``created_at`` (None: nothing). Live are the
    responses created since the rows were counted and those of marked days
    (every response of the days when nothing is rolled up). Never writes."""
    zone = organization.time_zone
    start = day_start(first, zone)
    end = day_start(last, zone) if last is not None else None

    def span(since: dt.datetime, until: dt.datetime | None) -> Q | None:
        if until is not None and since >= until:
            return None
        return Q(created_at__gte=since) & (Q(created_at__lt=until) if until is not None else Q())

    state = ResponseDayState.objects.filter(organization=organization).first()
    if state is None:
        return ResponseDayRollup.objects.none(), span(start, end)
    marks = ResponseDayMark.objects.filter(organization=organization, day__gte=first)
    rows = ResponseDayRollup.objects.filter(organization=organization, day__gte=first)
    if last is not None:
        marks = marks.filter(day__lt=last)
        rows = rows.filter(day__lt=last)
    marked = sorted(marks.values_list("day", flat=True))
    parts = [span(day_start(d, zone), day_start(d + dt.timedelta(days=1), zone)) for d in marked]
    parts.append(span(max(start, _counted_until(state, zone)), end))
    found = [part for part in parts if part is not None]
    return rows.exclude(day__in=marked), reduce(operator.or_, found) if found else None


def day_counts(
    organization: Organization, periods: Sequence[tuple[dt.date, dt.date]]
) -> list[dict[str, int]]:
    """Promoters, passives and detractors of the responses created in each
    period, from day ``since`` (inclusive) to day ``until`` (exclusive) of
    the organisation's calendar (as ``selectors.responses_in``), in order.

    Never writes: the stored day rows for the days they answer, and one live
    aggregate for the rest (``_days_stored_and_live``): the answers created
    since the last refresh counted them, those of the marked days, and every
    answer when nothing is rolled up (never yet, or the answers were filed
    under another time zone since: ``rollups_forget_days``). Four queries
    however many periods and days."""
    out = [_blank() for _ in periods]
    if not periods:
        return out
    zone = organization.time_zone
    first = min(since for since, _ in periods)
    last = max(until for _, until in periods)
    rows, live = _days_stored_and_live(organization, first, last)
    for day, *stored in rows.values_list("day", "promoters", "passives", "detractors"):
        for i, (since, until) in enumerate(periods):
            if since <= day < until:
                for name, n in zip(CATEGORIES, stored, strict=True):
                    out[i][name] += n
    if live is None:
        return out
    windows = [
        Q(created_at__gte=day_start(since, zone), created_at__lt=day_start(until, zone))
        for since, until in periods
    ]
    found = (
        Response.objects.filter(organization=organization)
        .filter(live)
        .order_by()
        .aggregate(
            **{
                f"{name}_{i}": Count("id", filter=window & Q(category=name))
                for i, window in enumerate(windows)
                for name in CATEGORIES
            }
        )
    )
    for i in range(len(periods)):
        for name in CATEGORIES:
            out[i][name] += found[f"{name}_{i}"]
    return out


def organization_ids_due() -> list[int]:
    """Organisations with marks, with a month or day that left the live
    window, with answers the day rows have not counted yet (created since
    their last refresh and more than ``NEW_FOR`` ago), or never rolled up
    (readers count those live until then)."""
    ids = set(ResponseRollupMark.objects.values_list("organization_id", flat=True))
    ids.update(ResponseDayMark.objects.values_list("organization_id", flat=True))
    for state in (ResponseRollupState, ResponseDayState):
        ids.update(
            Organization.objects.exclude(
                pk__in=state.objects.values("organization_id")
            ).values_list("pk", flat=True)
        )
    ids.update(
        ResponseRollupState.objects.exclude(complete_before=live_from()).values_list(
            "organization_id", flat=True
        )
    )
    ids.update(
        ResponseDayState.objects.exclude(complete_before=day_live_from()).values_list(
            "organization_id", flat=True
        )
    )
    uncounted = Response.objects.filter(
        organization=OuterRef("organization"),
        created_at__gte=OuterRef("counted_until"),
        created_at__lt=timezone.now() - NEW_FOR,
    )
    ids.update(
        ResponseDayState.objects.filter(Q(counted_until=None) | Exists(uncounted)).values_list(
            "organization_id", flat=True
        )
    )
    return sorted(ids)


def month_counts(
    organization: Organization, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, dict[str, int]]:
    """Promoters, passives and detractors by ``Response.month`` from month
    ``since`` up to (not including) month ``until``.

    Never writes (a GET writes nothing): the stored month rollups for the
    months they answer; the months from ``live_from()`` on (and those that
    left it since the last refresh) from their days' rows and the answers
    created since (``_days_stored_and_live``, as ``Response.month`` is the
    month of the organisation's day); the marked months counted live. Every
    month is counted live when nothing was rolled up yet or ``ALL`` is
    marked. The worker's ``refresh`` rolls those up within a minute. Seven
    queries however many months (eight while older months are marked)."""
    state = ResponseRollupState.objects.filter(organization=organization).first()
    marks = set(
        ResponseRollupMark.objects.filter(organization=organization).values_list("month", flat=True)
    )
    if state is None or ALL in marks:
        everything = Response.objects.filter(organization=organization)
        if since is not None:
            everything = everything.filter(month__gte=since)
        if until is not None:
            everything = everything.filter(month__lt=until)
        return dict(sorted(_counts(everything).items()))
    complete = min(state.complete_before, live_from())
    rolled = ResponseMonthRollup.objects.filter(organization=organization, month__lt=complete)
    rolled = rolled.exclude(month__in=sorted(marks))
    if since is not None:
        rolled = rolled.filter(month__gte=since)
    if until is not None:
        rolled = rolled.filter(month__lt=until)
    out: dict[dt.date, dict[str, int]] = {
        row.month: {"promoter": row.promoters, "passive": row.passives, "detractor": row.detractors}
        for row in rolled
    }
    responses = Response.objects.filter(organization=organization)
    marked = sorted(
        m
        for m in marks
        if m < complete and (since is None or m >= since) and (until is None or m < until)
    )
    if marked:
        for month, counts in _counts(responses.filter(month__in=marked)).items():
            target = out.setdefault(month, _blank())
            for name, n in counts.items():
                target[name] += n
    first = complete if since is None else max(since, complete)
    if until is None or first < until:
        rows, live = _days_stored_and_live(organization, first, until)
        for day, *stored in rows.values_list("day", "promoters", "passives", "detractors"):
            target = out.setdefault(day.replace(day=1), _blank())
            for name, n in zip(CATEGORIES, stored, strict=True):
                target[name] += n
        if live is not None:
            # The rows themselves, not a GROUP BY month: to group, SQLite
            # would read every answer of the organisation through the
            # (organization, month) index instead of the few created since
            # the day rows were counted through (organization, created_at).
            for month, name in responses.filter(live).order_by().values_list("month", "category"):
                out.setdefault(month, _blank())[name] += 1
    return dict(sorted(out.items()))


def _stored_and_live(
    organization: Organization,
    stored: QuerySet[ResponseSegmentRollup],
    *,
    since: dt.date | None,
    until: dt.date | None,
) -> tuple[QuerySet[ResponseSegmentRollup], QuerySet[Response]]:
    """Which of ``stored`` (segment rollup rows) may answer, and which
    responses to count live instead, from ``since`` up to (not including)
    ``until``: rows of months rolled up and not marked since; responses of
    the months from ``live_from()`` on, of the months that left the live
    window since the last refresh, and of the marked months (every month when
    nothing was rolled up yet or ``ALL`` is marked). Never writes."""
    state = ResponseRollupState.objects.filter(organization=organization).first()
    marks = set(
        ResponseRollupMark.objects.filter(organization=organization).values_list("month", flat=True)
    )
    live = Response.objects.filter(organization=organization)
    rolled = stored.none()
    if state is not None and ALL not in marks:
        complete = min(state.complete_before, live_from())
        rolled = stored.filter(month__lt=complete).exclude(month__in=sorted(marks))
        live = live.filter(Q(month__gte=complete) | Q(month__in=sorted(marks)))
    if since is not None:
        rolled = rolled.filter(month__gte=since)
        live = live.filter(month__gte=since)
    if until is not None:
        rolled = rolled.filter(month__lt=until)
        live = live.filter(month__lt=until)
    return rolled, live


def period_counts(
    organization: Organization, periods: Sequence[tuple[dt.date, dt.date]]
) -> list[dict[str, int]]:
    """Promoters, passives and detractors of the responses created in each
    period (inclusive days of the organisation's time zone, as
    ``selectors.responses_in``), in order: ``day_counts`` over the same days,
    so the number of queries does not grow with the periods."""
    return day_counts(organization, [(start, end + dt.timedelta(days=1)) for start, end in periods])
