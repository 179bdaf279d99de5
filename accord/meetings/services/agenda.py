"""Agendas: built by the worker before each meeting, then edited by people.

Leads (and admins, owners) add, remove, reorder and timebox items;
attendees add items and write notes and decisions. Every edit of an item
quotes the version it started from: a stale one is refused (``StaleEdit``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from accord.meetings.agenda_sources import AgendaCandidate, collect
from accord.meetings.models import (
    SECTION_ORDER,
    AgendaItem,
    Occurrence,
    OccurrenceStatus,
    Section,
)
from accord.meetings.services.common import (
    check_version,
    link,
    now,
    require_open,
    require_participant,
    text,
)
from accord.meetings.services.series import next_joint_occurrence
from accord.orgs.models import Membership, Team
from accord.orgs.permissions import Action, require

MAX_NOTES = 20_000
MAX_DECISION = 5_000
MAX_TIMEBOX = 240
# The first agenda of a series looks back this far.
FIRST_LOOKBACK = dt.timedelta(days=14)

FIXED_ITEMS = (
    (
        Section.CHECK_IN,
        "Check-in",
        "Start together: one good news from each team since the last meeting.",
        "fixed:check_in",
        5,
    ),
    (
        Section.CONCLUDE,
        "Conclude",
        "Recap decisions and action items with owners and dates; everyone rates the meeting 1-10.",
        "fixed:conclude",
        5,
    ),
)


def _position(section: str, index: int) -> int:
    return SECTION_ORDER.get(section, len(SECTION_ORDER)) * 1000 + index


def previous_occurrence(occurrence: Occurrence) -> Occurrence | None:
    """The series' last occurrence before this one that was not cancelled."""
    return (
        Occurrence.objects.filter(
            series_id=occurrence.series_id, starts_at__lt=occurrence.starts_at
        )
        .exclude(status=OccurrenceStatus.CANCELLED)
        .order_by("-starts_at", "-pk")
        .first()
    )


def _team_of(organization_id: int, kind: str) -> Team | None:
    if not kind:
        return None
    return Team.objects.filter(organization_id=organization_id, kind=kind).first()


@transaction.atomic
def agenda_build(occurrence: Occurrence, *, force: bool = False, notify: bool = True) -> int:
    """Build the occurrence's agenda from what happened since the previous one.

    Fixed check-in and conclude items, every registered source's candidates
    and the items carried over. Items already on the agenda (by source) are
    not added twice, so building again only adds what is new. Returns how
    many items were added. Does nothing to a closed or cancelled meeting,
    nor (without ``force``) to an agenda already built. ``notify=False``
    (recording history, e.g. the demo) tells no one.
    """
    locked = (
        Occurrence.objects.select_for_update()
        .select_related("series", "organization")
        .get(pk=occurrence.pk)
    )
    if locked.status != OccurrenceStatus.SCHEDULED:
        return 0
    if locked.agenda_built_at is not None and not force:
        return 0
    previous = previous_occurrence(locked)
    until = min(now(), locked.starts_at)
    since = previous.starts_at if previous is not None else locked.starts_at - FIRST_LOOKBACK
    since = min(since, until)
    candidates: list[AgendaCandidate] = [
        AgendaCandidate(section, title, why, "", key=key)
        for section, title, why, key, _ in FIXED_ITEMS
    ]
    candidates.extend(collect(locked.organization, since, until))
    existing = set(
        AgendaItem.objects.filter(occurrence=locked)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )
    counts: dict[str, int] = {}
    timeboxes = {key: minutes for _, _, _, key, minutes in FIXED_ITEMS}
    teams = {kind: _team_of(locked.organization_id, kind) for kind in ("sales", "marketing")}
    items: list[AgendaItem] = []
    for candidate in candidates:
        if candidate.key and candidate.key in existing:
            continue
        if candidate.section not in SECTION_ORDER:
            continue
        counts[candidate.section] = counts.get(candidate.section, 0) + 1
        issue_id = None
        if candidate.key.startswith("issue:"):
            issue_id = int(candidate.key.split(":", 1)[1])
        items.append(
            AgendaItem(
                organization=locked.organization,
                occurrence=locked,
                section=candidate.section,
                title=candidate.title[:200],
                why=candidate.why[:500],
                source_url=candidate.source_url[:500],
                source_key=candidate.key[:100],
                position=_position(candidate.section, counts[candidate.section] * 10),
                timebox_minutes=timeboxes.get(candidate.key),
                team=teams.get(candidate.team_kind),
                issue_id=issue_id,
            )
        )
        if candidate.key:
            existing.add(candidate.key)
    # One INSERT for the whole agenda rather than one per item.
    AgendaItem.objects.bulk_create(items)
    created = len(items)
    first_build = locked.agenda_built_at is None
    locked.agenda_built_at = now()
    locked.version += 1
    locked.save(update_fields=["agenda_built_at", "version"])
    if first_build and notify:
        from accord.meetings.notify import notify_agenda_ready

        notify_agenda_ready(locked)
    return created


# The note carry_over puts before an item's why; one per item, however many
# meetings it has moved through (the first meeting's date in brackets).
CARRIED_NOTE = re.compile(
    r"Carried over from (?P<last>\d{2} \w{3})"
    r"(?: \(on the agenda since (?P<since>\d{2} \w{3})\))?: not finished\. "
)


def carried_why(why: str, closed_on: str) -> str:
    """``why`` with one note that the item was not finished at the meeting of
    ``closed_on`` ("05 Mar"), replacing the notes of earlier carries (and
    naming the first meeting it was on): a note per meeting made the why of an
    item left for months a paragraph of dates."""
    since = None
    while found := CARRIED_NOTE.match(why):
        since = found["since"] or found["last"]
        why = why[found.end() :]
    first = f" (on the agenda since {since})" if since and since != closed_on else ""
    return f"Carried over from {closed_on}{first}: not finished. {why}"[:500]


def carries_over(item: AgendaItem) -> bool:
    """Whether an unfinished item moves to the next meeting: what people
    raised and the issues do. What a source built (``source_key``, e.g. an
    activity goal behind) does not: the next build lists again what still
    applies, with that day's figures; carried, last month's "Behind: 2 of 6
    this month" stood beside this month's, one more each month."""
    return not item.source_key or item.issue_id is not None


def carry_over(closed: Occurrence, following: Occurrence) -> int:
    """Copy the unfinished items of ``closed`` that carry over
    (``carries_over``) to ``following`` (once each)."""
    carried = set(
        AgendaItem.objects.filter(occurrence=following, carried_from__isnull=False).values_list(
            "carried_from__source_key", "carried_from_id"
        )
    )
    carried_ids = {pk for _, pk in carried}
    existing_keys = set(
        AgendaItem.objects.filter(occurrence=following)
        .exclude(source_key="")
        .values_list("source_key", flat=True)
    )
    created = 0
    for item in AgendaItem.objects.filter(occurrence=closed, done=False).exclude(
        source_key__startswith="fixed:"
    ):
        if not carries_over(item):
            continue
        if item.pk in carried_ids or (item.source_key and item.source_key in existing_keys):
            continue
        created += 1
        AgendaItem.objects.create(
            organization_id=item.organization_id,
            occurrence=following,
            section=item.section,
            title=item.title,
            why=carried_why(item.why, f"{closed.starts_at:%d %b}"),
            source_url=item.source_url,
            source_key=item.source_key,
            position=_position(item.section, 500 + created),
            timebox_minutes=item.timebox_minutes,
            raised_by=item.raised_by,
            team=item.team,
            notes=item.notes,
            carried_from=item,
            issue=item.issue,
        )
    return created


def _lock_item(item: AgendaItem) -> AgendaItem:
    return (
        AgendaItem.objects.select_for_update()
        .select_related("occurrence__series", "organization")
        .get(pk=item.pk)
    )


def _section(value: Any) -> str:
    if value not in Section.values:
        raise ValidationError({"section": f"Choose one of: {', '.join(Section.values)}."})
    return str(value)


def _timebox(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or not 1 <= value <= MAX_TIMEBOX:
        raise ValidationError({"timebox_minutes": f"Between 1 and {MAX_TIMEBOX} minutes."})
    return value


@transaction.atomic
def agenda_item_add(
    *,
    membership: Membership,
    occurrence: Occurrence,
    title: str,
    why: str = "",
    section: str = Section.ISSUES,
    timebox_minutes: int | None = None,
    source_url: str = "",
) -> AgendaItem:
    """Add an item (attendees and leads); it shows who raised it and their team."""
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    require_participant(membership, locked)
    require_open(locked)
    section = _section(section)
    last = AgendaItem.objects.filter(occurrence=locked, section=section).aggregate(
        m=Max("position")
    )["m"] or _position(section, 0)
    item = AgendaItem.objects.create(
        organization=locked.organization,
        occurrence=locked,
        section=section,
        title=text(title, "title", max_length=200, required=True),
        why=text(why, "why", max_length=500),
        source_url=link(source_url, "source_url"),
        position=last + 1,
        timebox_minutes=_timebox(timebox_minutes),
        raised_by=membership,
        team=membership.team,
    )
    _touch(locked)
    return item


def _touch(occurrence: Occurrence) -> None:
    """Raise the occurrence's version so pages polling it know something changed."""
    Occurrence.objects.filter(pk=occurrence.pk).update(version=F("version") + 1)
    occurrence.refresh_from_db(fields=["version"])


LEAD_FIELDS = frozenset({"title", "why", "section", "timebox_minutes", "position"})
PARTICIPANT_FIELDS = frozenset({"notes", "decision", "done"})


@transaction.atomic
def agenda_item_update(
    *, membership: Membership, item: AgendaItem, version: int | None, **changes: Any
) -> AgendaItem:
    """Edit an item. Notes, decision and done: attendees; title, why, section,
    timebox and position: leads. A stale ``version`` is refused, never merged."""
    unknown = set(changes) - LEAD_FIELDS - PARTICIPANT_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed."})
    locked = _lock_item(item)
    occurrence = locked.occurrence
    require_participant(membership, occurrence)
    if set(changes) & LEAD_FIELDS:
        require(membership, Action.MEETING_MANAGE)
    require_open(occurrence)
    check_version("agenda item", locked.version, version)
    fields: list[str] = []
    if "title" in changes:
        locked.title = text(changes["title"], "title", max_length=200, required=True)
        fields.append("title")
    if "why" in changes:
        locked.why = text(changes["why"], "why", max_length=500)
        fields.append("why")
    if "section" in changes:
        locked.section = _section(changes["section"])
        fields.append("section")
    if "timebox_minutes" in changes:
        locked.timebox_minutes = _timebox(changes["timebox_minutes"])
        fields.append("timebox_minutes")
    if "position" in changes:
        position = changes["position"]
        if not isinstance(position, int) or not 0 <= position <= 1_000_000:
            raise ValidationError({"position": "A whole number from 0."})
        locked.position = position
        fields.append("position")
    if "notes" in changes:
        locked.notes = text(changes["notes"], "notes", max_length=MAX_NOTES)
        fields.append("notes")
    if "decision" in changes:
        decision = text(changes["decision"], "decision", max_length=MAX_DECISION)
        if decision != locked.decision:
            locked.decided_by = membership if decision else None
            fields.append("decided_by")
        locked.decision = decision
        fields.append("decision")
    if "done" in changes:
        if not isinstance(changes["done"], bool):
            raise ValidationError({"done": "true or false."})
        locked.done = changes["done"]
        fields.append("done")
    if fields:
        locked.version += 1
        locked.updated_at = now()
        locked.save(update_fields=[*fields, "version", "updated_at"])
        _touch(occurrence)
    return locked


@transaction.atomic
def agenda_item_remove(
    *, membership: Membership, item: AgendaItem, version: int | None = None
) -> None:
    """Take an item off the agenda (leads)."""
    require(membership, Action.MEETING_MANAGE)
    locked = _lock_item(item)
    require_open(locked.occurrence)
    check_version("agenda item", locked.version, version)
    occurrence = locked.occurrence
    locked.delete()
    _touch(occurrence)


@transaction.atomic
def agenda_reorder(
    *, membership: Membership, occurrence: Occurrence, item_ids: list[int]
) -> list[AgendaItem]:
    """Put the agenda's items in the order of ``item_ids`` (all of them, once each)."""
    require(membership, Action.MEETING_MANAGE)
    locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)
    require_open(locked)
    items = {i.pk: i for i in AgendaItem.objects.filter(occurrence=locked)}
    if sorted(item_ids) != sorted(items) or len(set(item_ids)) != len(item_ids):
        raise ValidationError(
            {"item_ids": "List every item of this agenda exactly once, in the new order."}
        )
    for index, pk in enumerate(item_ids, start=1):
        item = items[pk]
        if item.position != index * 10:
            item.position = index * 10
            item.version += 1
            item.save(update_fields=["position", "version"])
    _touch(locked)
    return [items[pk] for pk in item_ids]


@transaction.atomic
def agenda_item_to_next_joint(
    *, membership: Membership, title: str, why: str, source_url: str = ""
) -> AgendaItem:
    """Put an item from elsewhere in Accord (a red scorecard measurable) on the
    next joint meeting's agenda, in the scorecard section (leads)."""
    require(membership, Action.MEETING_MANAGE)
    upcoming = next_joint_occurrence(membership.organization_id)
    if upcoming is None:
        raise ValidationError(
            {"agenda": "No joint meeting is scheduled: create a joint series first."}
        )
    locked = Occurrence.objects.select_for_update().get(pk=upcoming.pk)
    last = AgendaItem.objects.filter(occurrence=locked, section=Section.SCORECARD).aggregate(
        m=Max("position")
    )["m"] or _position(Section.SCORECARD, 0)
    item = AgendaItem.objects.create(
        organization_id=locked.organization_id,
        occurrence=locked,
        section=Section.SCORECARD,
        title=text(title, "title", max_length=200, required=True),
        why=text(why, "why", max_length=500),
        source_url=link(source_url, "source_url"),
        position=last + 1,
        raised_by=membership,
        team=membership.team,
    )
    _touch(locked)
    return item
