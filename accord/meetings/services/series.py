"""Meeting series, their occurrences, calendar invitations and feeds."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse

from accord.lib.tokens import hash_token, new_token
from accord.mail.services import email_enqueue_template
from accord.meetings import ics
from accord.meetings.models import (
    Cadence,
    CalendarFeed,
    MeetingKind,
    MeetingSeries,
    Occurrence,
    OccurrenceStatus,
)
from accord.meetings.recurrence import clean_rule, expand, local_start, rule_for, zone
from accord.meetings.services.common import (
    check_version,
    member_of,
    now,
    require_open,
    text,
)
from accord.orgs.models import Membership, Organization
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record

# Occurrences are materialised this far ahead; building an agenda extends it.
HORIZON_DAYS = 120
MAX_OCCURRENCES_PER_SYNC = 500
MAX_DURATION_MINUTES = 12 * 60
MAX_LEAD_HOURS = 24 * 14
SERIES_FIELDS = (
    "name",
    "kind",
    "cadence",
    "rrule",
    "start_date",
    "start_time",
    "time_zone",
    "duration_minutes",
    "video_url",
    "description",
    "agenda_lead_hours",
)


@dataclass
class _Clean:
    values: dict[str, Any]
    attendees: list[Membership] | None


def _clean_series(
    organization: Organization, data: dict[str, Any], attendees: Iterable[Any] | None
) -> _Clean:
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = text(data["name"], "name", max_length=160, required=True)
    if "kind" in data:
        if data["kind"] not in MeetingKind.values:
            raise ValidationError({"kind": "Choose joint, pipeline_review or customer_call."})
        values["kind"] = data["kind"]
    if "time_zone" in data:
        zone(str(data["time_zone"] or ""))
        values["time_zone"] = str(data["time_zone"])
    if "start_date" in data:
        if not isinstance(data["start_date"], dt.date) or isinstance(
            data["start_date"], dt.datetime
        ):
            raise ValidationError({"start_date": "Enter a date."})
        if not 2000 <= data["start_date"].year <= 2200:
            raise ValidationError({"start_date": "Enter a date between 2000 and 2200."})
        values["start_date"] = data["start_date"]
    if "start_time" in data:
        if not isinstance(data["start_time"], dt.time):
            raise ValidationError({"start_time": "Enter a time, e.g. 10:00."})
        values["start_time"] = data["start_time"].replace(tzinfo=None, microsecond=0)
    if "duration_minutes" in data:
        minutes = data["duration_minutes"]
        if not isinstance(minutes, int) or not 5 <= minutes <= MAX_DURATION_MINUTES:
            raise ValidationError(
                {"duration_minutes": f"Between 5 and {MAX_DURATION_MINUTES} minutes."}
            )
        values["duration_minutes"] = minutes
    if "agenda_lead_hours" in data:
        hours = data["agenda_lead_hours"]
        if not isinstance(hours, int) or not 1 <= hours <= MAX_LEAD_HOURS:
            raise ValidationError({"agenda_lead_hours": f"Between 1 and {MAX_LEAD_HOURS} hours."})
        values["agenda_lead_hours"] = hours
    if "video_url" in data:
        url = text(data["video_url"], "video_url", max_length=500)
        if url:
            try:
                URLValidator(schemes=["https", "http"])(url)
            except ValidationError:
                raise ValidationError(
                    {"video_url": "Enter the meeting's https:// link (Zoom, Meet, Teams…)."}
                ) from None
        values["video_url"] = url
    if "description" in data:
        values["description"] = text(data["description"], "description", max_length=5000)
    if "cadence" in data or "rrule" in data:
        cadence = data.get("cadence") or Cadence.CUSTOM
        if cadence not in Cadence.values:
            raise ValidationError({"cadence": "Choose biweekly, weekly, monthly or custom."})
        values["cadence"] = cadence
        values["rrule"] = rule_for(cadence, str(data.get("rrule") or ""))
    people: list[Membership] | None = None
    if attendees is not None:
        people = []
        for value in attendees:
            person = member_of(organization, value, "attendee_ids")
            if person not in people:
                people.append(person)
        if not people:
            raise ValidationError({"attendee_ids": "Invite at least one attendee."})
    return _Clean(values, people)


def _check_rule(series: MeetingSeries) -> None:
    start = local_start(series.start_date, series.start_time, series.time_zone)
    series.rrule = clean_rule(series.rrule, start=start)


def series_warnings(series: MeetingSeries) -> list[str]:
    """What is off about a series, shown beside it (not refused)."""
    if series.kind != MeetingKind.JOINT:
        return []
    kinds = set(series.attendees.values_list("team__kind", flat=True))
    missing = [k for k in ("sales", "marketing") if k not in kinds]
    if len(missing) == 1:
        return [
            f"Only one team is invited: a joint meeting needs {missing[0].title()} too, "
            "or it can only be a report-out."
        ]
    if len(missing) == 2:
        return ["Neither Sales nor Marketing is invited to this joint meeting."]
    return []


@transaction.atomic
def series_create(
    *,
    membership: Membership,
    name: str,
    start_date: dt.date,
    start_time: dt.time,
    attendees: Iterable[Membership],
    kind: str = MeetingKind.JOINT,
    cadence: str = Cadence.BIWEEKLY,
    rrule: str = "",
    time_zone: str | None = None,
    duration_minutes: int = 60,
    video_url: str = "",
    description: str = "",
    agenda_lead_hours: int = 24,
) -> MeetingSeries:
    """Start a meeting series, invite its attendees (an .ics each) and
    materialise its occurrences up to a few months ahead."""
    require(membership, Action.MEETING_MANAGE)
    organization = membership.organization
    cleaned = _clean_series(
        organization,
        {
            "name": name,
            "kind": kind,
            "cadence": cadence,
            "rrule": rrule,
            "start_date": start_date,
            "start_time": start_time,
            "time_zone": time_zone or organization.time_zone,
            "duration_minutes": duration_minutes,
            "video_url": video_url,
            "description": description,
            "agenda_lead_hours": agenda_lead_hours,
        },
        list(attendees),
    )
    series = MeetingSeries(
        organization=organization,
        uid=f"{uuid.uuid4()}@accord",
        created_by=membership,
        **cleaned.values,
    )
    _check_rule(series)
    series.save()
    assert cleaned.attendees is not None
    series.attendees.set(cleaned.attendees)
    occurrences_sync(series)
    _invite(series, cleaned.attendees)
    audit_record(
        organization=organization,
        actor=membership.user,
        action="meeting_series.create",
        obj=series,
        changes={"rule": series.rrule, "attendees": len(cleaned.attendees)},
    )
    return series


@transaction.atomic
def series_update(
    *,
    membership: Membership,
    series: MeetingSeries,
    attendees: Iterable[Membership] | None = None,
    **changes: Any,
) -> MeetingSeries:
    """Change a series: SEQUENCE goes up and every attendee gets the new
    invitation; removed attendees get a cancellation. Future occurrences
    follow a new rule or time; past and closed ones stay as they were."""
    require(membership, Action.MEETING_MANAGE)
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed."})
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if series.cancelled_at is not None:
        raise ValidationError({"series": "This series is cancelled."})
    if "rrule" in changes and "cadence" not in changes:
        changes["cadence"] = Cadence.CUSTOM
    cleaned = _clean_series(series.organization, changes, attendees)
    before = {f: str(getattr(series, f)) for f in cleaned.values}
    for field, value in cleaned.values.items():
        setattr(series, field, value)
    _check_rule(series)
    series.sequence += 1
    series.updated_at = now()
    series.save()
    removed: list[Membership] = []
    if cleaned.attendees is not None:
        old = list(series.attendees.select_related("user"))
        removed = [m for m in old if m not in cleaned.attendees]
        series.attendees.set(cleaned.attendees)
    occurrences_sync(series, resync=True)
    _invite(series, list(series.attendees.select_related("user")))
    if removed:
        _send(series, removed, "CANCEL", ics.series_cancel(series, stamp=now()))
    audit_record(
        organization=series.organization,
        actor=membership.user,
        action="meeting_series.update",
        obj=series,
        changes={k: [before[k], str(v)] for k, v in cleaned.values.items() if before[k] != str(v)},
    )
    return series


@transaction.atomic
def series_cancel(*, membership: Membership, series: MeetingSeries) -> MeetingSeries:
    """End a series: its future occurrences are cancelled and attendees get METHOD:CANCEL."""
    require(membership, Action.MEETING_MANAGE)
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if series.cancelled_at is not None:
        raise ValidationError({"series": "This series is already cancelled."})
    series.cancelled_at = now()
    series.sequence += 1
    series.save(update_fields=["cancelled_at", "sequence"])
    series.occurrences.filter(
        status=OccurrenceStatus.SCHEDULED, starts_at__gte=series.cancelled_at
    ).update(status=OccurrenceStatus.CANCELLED)
    _send(
        series,
        list(series.attendees.select_related("user")),
        "CANCEL",
        ics.series_cancel(series, stamp=now()),
    )
    audit_record(
        organization=series.organization,
        actor=membership.user,
        action="meeting_series.cancel",
        obj=series,
    )
    return series


def _lock_occurrence(occurrence: Occurrence) -> Occurrence:
    return (
        Occurrence.objects.select_for_update()
        .select_related("series", "organization")
        .get(pk=occurrence.pk)
    )


@transaction.atomic
def occurrence_move(
    *,
    membership: Membership,
    occurrence: Occurrence,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    version: int | None = None,
) -> Occurrence:
    """Move one occurrence; the series goes on. Attendees get the updated invitation."""
    require(membership, Action.MEETING_MANAGE)
    locked = _lock_occurrence(occurrence)
    check_version("meeting", locked.version, version)
    require_open(locked)
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        raise ValidationError({"starts_at": "Enter a date and time with its time zone."})
    if ends_at is None:
        ends_at = starts_at + (locked.ends_at - locked.starts_at)
    if ends_at.tzinfo is None:
        raise ValidationError({"ends_at": "Enter a date and time with its time zone."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if ends_at - starts_at > dt.timedelta(minutes=MAX_DURATION_MINUTES):
        raise ValidationError(
            {"ends_at": f"A meeting lasts at most {MAX_DURATION_MINUTES} minutes."}
        )
    if not 2000 <= starts_at.year <= 2200:
        raise ValidationError({"starts_at": "Enter a date between 2000 and 2200."})
    locked.starts_at, locked.ends_at = starts_at, ends_at
    locked.version += 1
    locked.save(update_fields=["starts_at", "ends_at", "version"])
    series = MeetingSeries.objects.select_for_update().get(pk=locked.series_id)
    series.sequence += 1
    series.save(update_fields=["sequence"])
    _invite(series, list(series.attendees.select_related("user")))
    schedule_agenda(series)
    audit_record(
        organization=series.organization,
        actor=membership.user,
        action="occurrence.move",
        obj=locked,
        changes={"starts_at": starts_at.isoformat()},
    )
    return locked


@transaction.atomic
def occurrence_cancel(
    *, membership: Membership, occurrence: Occurrence, version: int | None = None
) -> Occurrence:
    """Cancel one occurrence: attendees get METHOD:CANCEL for it (RECURRENCE-ID)."""
    require(membership, Action.MEETING_MANAGE)
    locked = _lock_occurrence(occurrence)
    check_version("meeting", locked.version, version)
    require_open(locked)
    locked.status = OccurrenceStatus.CANCELLED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    series = MeetingSeries.objects.select_for_update().get(pk=locked.series_id)
    series.sequence += 1
    series.save(update_fields=["sequence"])
    locked.series = series
    _send(
        series,
        list(series.attendees.select_related("user")),
        "CANCEL",
        ics.occurrence_cancel(locked, stamp=now()),
        key_part=f"occ{locked.pk}",
    )
    schedule_agenda(series)
    audit_record(
        organization=series.organization,
        actor=membership.user,
        action="occurrence.cancel",
        obj=locked,
    )
    return locked


def occurrences_sync(
    series: MeetingSeries, *, until: dt.datetime | None = None, resync: bool = False
) -> int:
    """Materialise the rule's occurrences up to ``until`` (default: a few months
    ahead). With ``resync`` (the rule or time changed), future scheduled
    occurrences that are no longer in the rule go, and unmoved ones follow.
    Returns how many were created."""
    if series.cancelled_at is not None:
        return 0
    current = now()
    start = local_start(series.start_date, series.start_time, series.time_zone)
    end = until or current + dt.timedelta(days=HORIZON_DAYS)
    window_start = start
    if resync:
        window_start = min(start, current)
    instants = expand(
        start=start,
        rrule=series.rrule,
        window_start=window_start - dt.timedelta(seconds=1),
        window_end=end,
        limit=MAX_OCCURRENCES_PER_SYNC,
    )
    duration = dt.timedelta(minutes=series.duration_minutes)
    existing = {o.original_start: o for o in series.occurrences.all()}
    wanted = set(instants)
    if resync:
        for original, occurrence in existing.items():
            if occurrence.status != OccurrenceStatus.SCHEDULED or occurrence.starts_at < current:
                continue
            if original not in wanted:
                occurrence.delete()
            elif not occurrence.moved:
                occurrence.ends_at = occurrence.starts_at + duration
                occurrence.save(update_fields=["ends_at"])
    created = 0
    for instant in instants:
        if instant in existing:
            continue
        try:
            with transaction.atomic():
                Occurrence.objects.create(
                    organization_id=series.organization_id,
                    series=series,
                    original_start=instant,
                    starts_at=instant,
                    ends_at=instant + duration,
                )
            created += 1
        except IntegrityError:
            continue  # another process made it first
    schedule_agenda(series)
    return created


def next_occurrence(
    series: MeetingSeries, *, after: dt.datetime | None = None
) -> Occurrence | None:
    """The next scheduled occurrence that has not started."""
    return (
        series.occurrences.filter(status=OccurrenceStatus.SCHEDULED, starts_at__gt=after or now())
        .order_by("starts_at", "pk")
        .first()
    )


def next_joint_occurrence(organization_id: int) -> Occurrence | None:
    """The soonest scheduled occurrence of any live joint series, or None."""
    found: list[Occurrence] = []
    for series in MeetingSeries.objects.filter(
        organization_id=organization_id, kind=MeetingKind.JOINT, cancelled_at__isnull=True
    ):
        upcoming = next_occurrence(series)
        if upcoming is not None:
            found.append(upcoming)
    return min(found, key=lambda o: o.starts_at) if found else None


def schedule_agenda(series: MeetingSeries) -> None:
    """Queue the build of the next agenda not yet built for ``agenda_lead_hours``
    before it starts (now if that is past). The job checks the occurrence
    still starts then, so moving it leaves the old job harmless."""
    from accord.jobs.services import job_enqueue
    from accord.meetings.jobs import agenda_build

    # The next one still without an agenda: once an agenda is built, the one
    # after it is queued, so agendas keep coming even if no meeting is closed.
    upcoming = (
        series.occurrences.filter(
            status=OccurrenceStatus.SCHEDULED, starts_at__gt=now(), agenda_built_at__isnull=True
        )
        .order_by("starts_at", "pk")
        .first()
    )
    if upcoming is None:
        return
    run_after = max(upcoming.starts_at - dt.timedelta(hours=series.agenda_lead_hours), now())
    job_enqueue(
        agenda_build,
        organization_id=series.organization_id,
        run_after=run_after,
        occurrence_id=upcoming.pk,
        starts_at=upcoming.starts_at.isoformat(),
    )


# -- invitations -------------------------------------------------------------


def _send(
    series: MeetingSeries,
    people: Iterable[Membership],
    method: str,
    calendar: bytes,
    *,
    key_part: str = "",
) -> None:
    """Email ``calendar`` to each of ``people``, once per series version and person."""
    url = settings.SITE_URL + reverse(
        "meetings_series", kwargs={"org_slug": series.organization.slug, "pk": series.pk}
    )
    content = calendar.decode()
    for person in people:
        email_enqueue_template(
            to=[person.user.email],
            template="meetings/email/invitation",
            context={"series": series, "method": method, "person": person, "url": url},
            organization_id=series.organization_id,
            key=(f"meetings:ics:{series.pk}:seq{series.sequence}:{method}:{key_part}:{person.pk}"),
            attachments=[
                {
                    "filename": "invite.ics" if method == "REQUEST" else "cancel.ics",
                    "content": content,
                    "mimetype": f"text/calendar; method={method}",
                }
            ],
        )


def _invite(series: MeetingSeries, people: list[Membership]) -> None:
    _send(series, people, "REQUEST", ics.series_request(series, stamp=now()))


# -- calendar feeds ------------------------------------------------------------


@dataclass
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once; only its hash is stored


@transaction.atomic
def calendar_feed_create(*, membership: Membership) -> NewFeed:
    """A new personal feed URL; the previous one (if any) stops working."""
    require(membership, Action.CALENDAR_FEED)
    CalendarFeed.objects.filter(member=membership, revoked_at__isnull=True).update(revoked_at=now())
    token = new_token("cal_")
    feed = CalendarFeed.objects.create(
        organization=membership.organization,
        member=membership,
        token_hash=hash_token(token),
        prefix=token[:10],
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="calendar_feed.create",
        obj=feed,
    )
    return NewFeed(feed, token)


@transaction.atomic
def calendar_feed_revoke(*, membership: Membership, feed: CalendarFeed) -> None:
    """Stop a feed URL at once."""
    require(membership, Action.CALENDAR_FEED)
    if feed.member_id != membership.pk:
        raise PermissionDenied("A calendar feed is personal: revoke only your own.")
    if feed.revoked_at is None:
        feed.revoked_at = now()
        feed.save(update_fields=["revoked_at"])
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="calendar_feed.revoke",
            obj=feed,
        )


def calendar_feed_authenticate(token: str) -> CalendarFeed | None:
    """The active feed of ``token``, or None (unknown or revoked look the same)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("member__user", "organization")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if feed is not None:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now())
    return feed
