"""NPS counts by month, kept in ``ResponseMonthRollup``, and by month and
account owner, campaign, language or segment attribute, kept in
``ResponseSegmentRollup``, for the months before the previous one; the
current and the previous month are counted live. Both tables are kept by
month under the same marks and state.

Why the split: every survey answer lands in the current month, and the
public answer page must not pay for a rollup write. An answer of the current
or previous month is therefore never marked: readers count those two months
live, an index-only GROUP BY on ``response_org_month`` over at most two
months. When a month leaves that window (``live_from`` moves on), the next
``refresh`` rolls it up (``ResponseRollupState.complete_before`` says how far
the rollups reach).

Changes to older months mark them (``ResponseRollupMark``), in the
transaction of the change: imports (they create responses through the ORM,
so the signal below covers them), edits that move a response, deletions.
Bulk writes that bypass signals (the demo, ``accord bench-data``) rebuild.

NPS by day of the organisation's calendar (``ResponseDayRollup``: any period
of whole days, such as the 90 days against the 90 before, adds up at most
a row per day) is kept the same way with a live window of the last two days
(``day_live_from``), its own marks (``ResponseDayMark``, the UTC day of the
change and the days either side) and state (``ResponseDayState``), refreshed
with the months; a change of time zone forgets its state (readers count
live) until the refresh rebuilds it.

Readers never write: what is not rolled up yet (marked months, months that
left the live window since the worker's last ``refresh``) is counted live
with the live window, so answers are never stale and a GET writes nothing.

``refresh`` locks the organisation, reads and deletes the marks, and only
then counts: the same commit-order argument as ``accord.pipeline.rollups``
(a change committed after the count left a mark the delete did not see).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from functools import reduce
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
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
from accord.lib import months as months_lib
from accord.lib.local_time import day_start, zone_of
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


def day_live_from(now: dt.datetime | None = None) -> dt.date:
    """Two days before today in UTC: days from there on are counted live.

    ``ResponseDayRollup.day`` is the day in the organisation's time zone; no
    zone is more than a day off UTC, so a new answer's day is never before
    yesterday in UTC, and one more day covers an answer committed just after
    midnight."""
    return (now or timezone.now()).astimezone(dt.UTC).date() - dt.timedelta(days=2)


def days_mark(organization_id: int, moments: Iterable[dt.datetime | None]) -> None:
    """Mark the days of ``moments`` stale: the UTC day and the ones either
    side, since the organisation's day is one of them (marking without
    reading its time zone); days counted live need no mark and get none."""
    boundary = day_live_from()
    found = {
        moment.astimezone(dt.UTC).date() + dt.timedelta(days=shift)
        for moment in moments
        if moment is not None
        for shift in (-1, 0, 1)
    }
    found = {day for day in found if day < boundary}
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
    # A new answer of today costs nothing here: the marks are written only
    # for older months and days.
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
    deleted before counting, as for the months."""
    boundary = day_live_from()
    marked = set(
        ResponseDayMark.objects.filter(organization=organization).values_list("day", flat=True)
    )
    if marked:
        ResponseDayMark.objects.filter(organization=organization, day__in=marked).delete()
    state = ResponseDayState.objects.filter(organization=organization).first()
    if rebuild or state is None:
        _store_days(organization, None, boundary)
    else:
        todo = {d for d in marked if d < boundary}
        day = state.complete_before
        while day < boundary:
            todo.add(day)
            day += dt.timedelta(days=1)
        if todo:
            _store_days(organization, todo, boundary)
    ResponseDayState.objects.update_or_create(
        organization=organization, defaults={"complete_before": boundary}
    )


def _store_days(organization: Organization, days: set[dt.date] | None, before: dt.date) -> None:
    """Count the days before ``before`` (of ``days``; None: every day) again
    from the responses, in one grouped query over their span."""
    zone = organization.time_zone
    responses = Response.objects.filter(
        organization=organization, created_at__lt=day_start(before, zone)
    )
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


def day_counts(
    organization: Organization, periods: Sequence[tuple[dt.date, dt.date]]
) -> list[dict[str, int]]:
    """Promoters, passives and detractors of the responses created in each
    period, from day ``since`` (inclusive) to day ``until`` (exclusive) of
    the organisation's calendar (as ``selectors.responses_in``), in order.

    Never writes: the stored day rows for the days they answer, and one live
    aggregate for the rest: the days from ``day_live_from()`` on (or since
    the last refresh), the marked days, and every day when nothing is rolled
    up (never yet, or the answers were filed under another time zone since:
    ``rollups_forget_days``). Four queries however many periods and days."""
    out = [_blank() for _ in periods]
    if not periods:
        return out
    zone = organization.time_zone
    first = min(since for since, _ in periods)
    last = max(until for _, until in periods)
    state = ResponseDayState.objects.filter(organization=organization).first()
    complete = first
    if state is not None:
        complete = max(first, min(state.complete_before, day_live_from()))
    marked = set(
        ResponseDayMark.objects.filter(
            organization=organization, day__gte=first, day__lt=complete
        ).values_list("day", flat=True)
    )
    if complete > first:
        rows = (
            ResponseDayRollup.objects.filter(organization=organization, day__gte=first)
            .filter(day__lt=min(complete, last))
            .exclude(day__in=sorted(marked))
            .values_list("day", "promoters", "passives", "detractors")
        )
        for day, *stored in rows:
            for i, (since, until) in enumerate(periods):
                if since <= day < until:
                    for name, n in zip(CATEGORIES, stored, strict=True):
                        out[i][name] += n

    def span(start: dt.date, end: dt.date) -> Q:
        return Q(created_at__gte=day_start(start, zone), created_at__lt=day_start(end, zone))

    windows: list[Q | None] = []
    for since, until in periods:
        parts = [span(d, d + dt.timedelta(days=1)) for d in sorted(marked) if since <= d < until]
        if max(since, complete) < until:
            parts.append(span(max(since, complete), until))
        windows.append(reduce(operator.or_, parts) if parts else None)
    wanted = [w for w in windows if w is not None]
    if wanted:
        found = (
            Response.objects.filter(organization=organization)
            .filter(reduce(operator.or_, wanted))
            .order_by()
            .aggregate(
                **{
                    f"{name}_{i}": Count("id", filter=window & Q(category=name))
                    for i, window in enumerate(windows)
                    if window is not None
                    for name in CATEGORIES
                }
            )
        )
        for i, window in enumerate(windows):
            if window is not None:
                for name in CATEGORIES:
                    out[i][name] += found[f"{name}_{i}"]
    return out


def organization_ids_due() -> list[int]:
    """Organisations with marks, with a month or day that left the live
    window, or never rolled up (readers count those live until then)."""
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
    return sorted(ids)


def month_counts(
    organization: Organization, *, since: dt.date | None = None, until: dt.date | None = None
) -> dict[dt.date, dict[str, int]]:
    """Promoters, passives and detractors by ``Response.month`` from month
    ``since`` up to (not including) month ``until``.

    Never writes (a GET writes nothing): the stored rollups for the months
    they answer, and a live count, in one grouped query, for the rest: the
    months from ``live_from()`` on, the months that left the live window
    since the last refresh, and the marked months (every month when nothing
    was rolled up yet or ``ALL`` is marked). The worker's ``refresh`` rolls
    those up within a minute."""
    rolled, live = _stored_and_live(
        organization,
        ResponseMonthRollup.objects.filter(organization=organization),
        since=since,
        until=until,
    )
    out: dict[dt.date, dict[str, int]] = {}
    for row in rolled.order_by("month"):
        out[row.month] = {
            "promoter": row.promoters,
            "passive": row.passives,
            "detractor": row.detractors,
        }
    out.update(_counts(live))
    return dict(sorted(out.items()))


# A kind of rollup row, each with its ``month``.
_Stored = TypeVar("_Stored", ResponseMonthRollup, ResponseSegmentRollup)


def _stored_and_live(
    organization: Organization,
    stored: QuerySet[_Stored],
    *,
    since: dt.date | None,
    until: dt.date | None,
) -> tuple[QuerySet[_Stored], QuerySet[Response]]:
    """Which of ``stored`` (rollup rows of one kind) may answer, and which
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
    ``selectors.responses_in``), in order.

    Whole months come from ``month_counts`` (one read for all periods), as
    ``Response.month`` is the month in that zone too; the partial months are
    counted live in one query for all of them. The number of queries does not
    grow with the periods."""
    splits = [months_lib.split(start, end) for start, end in periods]
    wanted = sorted({m for s in splits for m in s.months})
    pieces = sorted({p for s in splits for p in s.pieces})
    by_month: dict[dt.date, dict[str, int]] = {}
    if wanted:
        by_month = month_counts(
            organization, since=wanted[0], until=months_lib.next_month(wanted[-1])
        )
    by_piece: dict[tuple[dt.date, dt.date], dict[str, int]] = {}
    if pieces:
        zone = organization.time_zone
        windows = [
            Q(
                created_at__gte=day_start(first, zone),
                created_at__lt=day_start(last + dt.timedelta(days=1), zone),
            )
            for first, last in pieces
        ]
        found = (
            Response.objects.filter(organization=organization)
            .filter(reduce(operator.or_, windows))
            .order_by()
            .aggregate(
                **{
                    f"{name}_{i}": Count("id", filter=window & Q(category=name))
                    for i, window in enumerate(windows)
                    for name in CATEGORIES
                }
            )
        )
        for i, piece in enumerate(pieces):
            by_piece[piece] = {name: found[f"{name}_{i}"] for name in CATEGORIES}
    out = []
    for split in splits:
        total = dict.fromkeys(CATEGORIES, 0)
        for counts in [by_month.get(m, {}) for m in split.months] + [
            by_piece[p] for p in split.pieces
        ]:
            for name, n in counts.items():
                total[name] += n
        out.append(total)
    return out
