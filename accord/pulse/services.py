"""Writes of the pulse: settings, opening, reminding and closing cycles, answers.

The scorecard's writes are in ``accord.pulse.scorecard``. Every service that a
person calls takes the acting ``membership`` and checks the permission matrix;
bad input raises a ValidationError naming the field, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accord.goals.models import Goal, GoalKind, GoalStatus
from accord.orgs.models import Membership, Organization, Role, Team, TeamKind
from accord.orgs.permissions import Action, require
from accord.orgs.services import audit_record
from accord.pulse.models import (
    ONE_THING_MAX,
    CycleKind,
    CycleStatus,
    FollowThrough,
    GoalVote,
    OneThing,
    PulseAnswer,
    PulseCycle,
    PulseSettings,
    Vote,
)
from accord.pulse.notify import participants_notify

OPEN_HOUR = 9
COMMENT_MAX = 2000
SETTINGS_FIELDS = (
    "monthly",
    "quarterly",
    "open_day",
    "duration_days",
    "reminder_days",
    "remind_before_close",
    "anonymity_threshold",
    "attribution",
)
_BOUNDS = {
    "open_day": (1, 28),
    "duration_days": (1, 28),
    "reminder_days": (1, 27),
    "anonymity_threshold": (1, 50),
}


# -- settings ----------------------------------------------------------------


def settings_of(organization: Organization) -> PulseSettings:
    """The organisation's pulse settings, created with the defaults on first use."""
    found, _ = PulseSettings.objects.get_or_create(organization=organization)
    return found


@transaction.atomic
def settings_update(
    *,
    membership: Membership,
    participant_team_ids: list[int] | None = None,
    **changes: Any,
) -> PulseSettings:
    """Change the pulse settings; the schedule follows at once."""
    require(membership, Action.PULSE_MANAGE)
    organization = membership.organization
    current = PulseSettings.objects.select_for_update().get(pk=settings_of(organization).pk)
    errors: dict[str, str] = {}
    for field, value in changes.items():
        if field not in SETTINGS_FIELDS:
            raise TypeError(f"Unknown setting {field!r}")
        if field in _BOUNDS:
            low, high = _BOUNDS[field]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[field] = f"Enter a whole number from {low} to {high}."
                continue
        elif not isinstance(value, bool):
            errors[field] = "Enter true or false."
            continue
        setattr(current, field, value)
    if current.reminder_days >= current.duration_days and "reminder_days" not in errors:
        errors["reminder_days"] = (
            f"The reminder must come before the pulse closes (after {current.duration_days} days)."
        )
    teams: list[Team] | None = None
    if participant_team_ids is not None:
        teams = list(Team.objects.filter(organization=organization, pk__in=participant_team_ids))
        if len(teams) != len(set(participant_team_ids)):
            errors["participant_teams"] = "Choose teams of this organisation."
    if errors:
        raise ValidationError(errors)
    current.save()
    if teams is not None:
        current.participant_teams.set(teams)
    audit_record(
        organization=organization,
        actor=membership.user,
        action="pulse.settings",
        obj=current,
        changes={k: str(v) for k, v in changes.items()},
    )
    schedule_restart(organization)
    return current


def schedule_ensure(organization: Organization) -> None:
    """Start the organisation's chain of pulse checks if it never started."""
    if settings_of(organization).next_check_at is None:
        schedule_restart(organization)


def schedule_restart(organization: Organization) -> None:
    """Start (or restart) the organisation's chain of pulse checks now."""
    from accord.pulse.jobs import schedule_check

    schedule_check(organization, timezone.now())


# -- cycles ------------------------------------------------------------------


def participants(organization: Organization) -> QuerySet[Membership]:
    """Who answers: the members of the chosen teams (Sales and Marketing by
    default), viewers excepted."""
    chosen = list(settings_of(organization).participant_teams.values_list("pk", flat=True))
    found = Membership.objects.filter(organization=organization).exclude(role=Role.VIEWER)
    if chosen:
        found = found.filter(team_id__in=chosen)
    else:
        found = found.filter(team__kind__in=[TeamKind.SALES, TeamKind.MARKETING])
    return found.select_related("user", "team").order_by("user__email")


def is_participant(membership: Membership) -> bool:
    return participants(membership.organization).filter(pk=membership.pk).exists()


@dataclass(frozen=True)
class Slot:
    """Where a cycle of the current schedule falls: its kind, period and times."""

    kind: str
    period: str
    opens_at: dt.datetime
    closes_at: dt.datetime


def slot_for(settings: PulseSettings, year: int, month: int) -> Slot | None:
    """The cycle the schedule puts in ``month`` of ``year``, or None."""
    tz = ZoneInfo(settings.organization.time_zone)
    opens = dt.datetime(year, month, settings.open_day, OPEN_HOUR, tzinfo=tz)
    closes = opens + dt.timedelta(days=settings.duration_days)
    if settings.quarterly and month in (1, 4, 7, 10):
        return Slot(CycleKind.QUARTERLY, f"{year}Q{(month - 1) // 3 + 1}", opens, closes)
    if settings.monthly:
        return Slot(CycleKind.MONTHLY, f"{year}-{month:02d}", opens, closes)
    return None


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def shared_goals(organization: Organization) -> QuerySet[Goal]:
    """The goals a pulse asks about: the organisation's active shared goals."""
    return Goal.objects.filter(
        organization=organization, status=GoalStatus.ACTIVE, kind=GoalKind.PARTNERSHIP
    ).order_by("title", "pk")


@transaction.atomic
def cycle_open(
    *,
    organization: Organization,
    kind: str,
    period: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    membership: Membership | None = None,
    notify: bool = True,
) -> PulseCycle:
    """Open a cycle with the active shared goals and invite the participants.

    Opening a period twice returns the existing cycle and sends nothing.
    """
    if membership is not None:
        require(membership, Action.PULSE_MANAGE)
    existing = PulseCycle.objects.filter(organization=organization, kind=kind, period=period)
    if existing.exists():
        return existing.get()
    try:
        with transaction.atomic():
            cycle = PulseCycle.objects.create(
                organization=organization,
                kind=kind,
                period=period,
                opens_at=opens_at,
                closes_at=closes_at,
            )
    except IntegrityError:  # opened by a concurrent check
        return PulseCycle.objects.get(organization=organization, kind=kind, period=period)
    goals = list(shared_goals(organization))
    if not goals:
        # Active and proposed goals of any kind, so a young organisation still
        # votes on what it is working towards.
        goals = list(
            Goal.objects.filter(
                organization=organization, status__in=[GoalStatus.ACTIVE, GoalStatus.PROPOSED]
            )
        )
    cycle.goals.set(goals)
    if membership is not None:
        audit_record(
            organization=organization, actor=membership.user, action="pulse.open", obj=cycle
        )
    if notify:
        participants_notify(cycle=cycle, members=participants(organization), reason="invitation")
    return cycle


def cycle_open_now(*, membership: Membership) -> PulseCycle:
    """A lead opens this month's pulse now (if the schedule has not yet)."""
    require(membership, Action.PULSE_MANAGE)
    organization = membership.organization
    settings = settings_of(organization)
    now = timezone.now()
    local = now.astimezone(ZoneInfo(organization.time_zone))
    slot = slot_for(settings, local.year, local.month) or Slot(
        CycleKind.MONTHLY, f"{local.year}-{local.month:02d}", now, now
    )
    ran = PulseCycle.objects.filter(
        organization=organization, kind=slot.kind, period=slot.period
    ).first()
    if ran is not None and ran.status == CycleStatus.CLOSED:
        raise ValidationError(
            {"cycle": f"The {ran.label.lower()} already ran; the next one opens next month."}
        )
    return cycle_open(
        organization=organization,
        kind=slot.kind,
        period=slot.period,
        opens_at=now,
        closes_at=now + dt.timedelta(days=settings.duration_days),
        membership=membership,
    )


@transaction.atomic
def cycle_close(*, cycle: PulseCycle, membership: Membership | None = None) -> PulseCycle:
    """Close the cycle: answers can no longer change. Closing twice is harmless."""
    if membership is not None:
        require(membership, Action.PULSE_MANAGE)
        if cycle.organization_id != membership.organization_id:
            raise PermissionDenied("Not this organisation's pulse.")
    locked = PulseCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.status == CycleStatus.CLOSED:
        return locked
    now = timezone.now()
    locked.status = CycleStatus.CLOSED
    locked.closed_at = now
    if locked.closes_at > now:
        locked.closes_at = now
    locked.save(update_fields=["status", "closed_at", "closes_at"])
    if membership is not None:
        audit_record(
            organization=locked.organization,
            actor=membership.user,
            action="pulse.close",
            obj=locked,
        )
    return locked


def non_answerers(cycle: PulseCycle) -> QuerySet[Membership]:
    answered = PulseAnswer.objects.filter(cycle=cycle).values("member_id")
    return participants(cycle.organization).exclude(pk__in=answered)


@transaction.atomic
def cycle_remind(*, cycle: PulseCycle, which: str) -> int:
    """Remind those who have not answered (``which``: "first" or "last"), once."""
    locked = PulseCycle.objects.select_for_update().get(pk=cycle.pk)
    field = f"{which}_reminder_at"
    if getattr(locked, field) is not None or locked.status != CycleStatus.OPEN:
        return 0
    setattr(locked, field, timezone.now())
    locked.save(update_fields=[field])
    return participants_notify(
        cycle=locked, members=non_answerers(locked), reason=f"reminder-{which}"
    )


def pulse_check(organization: Organization, now: dt.datetime) -> dt.datetime:
    """Open, remind and close what is due at ``now``; return when to look again."""
    settings = settings_of(organization)
    local = now.astimezone(ZoneInfo(organization.time_zone))
    upcoming: list[dt.datetime] = []
    year, month = local.year, local.month
    for _ in range(2):  # this month's slot, then next month's
        slot = slot_for(settings, year, month)
        if slot is not None:
            if slot.opens_at <= now < slot.closes_at:
                cycle_open(
                    organization=organization,
                    kind=slot.kind,
                    period=slot.period,
                    opens_at=slot.opens_at,
                    closes_at=slot.closes_at,
                )
            elif now < slot.opens_at:
                upcoming.append(slot.opens_at)
        year, month = _next_month(year, month)
    for cycle in PulseCycle.objects.filter(organization=organization, status=CycleStatus.OPEN):
        if now >= cycle.closes_at:
            cycle_close(cycle=cycle)
            continue
        first = cycle.opens_at + dt.timedelta(days=settings.reminder_days)
        last = cycle.closes_at - dt.timedelta(days=1)
        if cycle.first_reminder_at is None:
            if now >= first:
                cycle_remind(cycle=cycle, which="first")
            else:
                upcoming.append(first)
        if settings.remind_before_close and cycle.last_reminder_at is None and last > first:
            if now >= last:
                cycle_remind(cycle=cycle, which="last")
            else:
                upcoming.append(last)
        upcoming.append(cycle.closes_at)
    from accord.pulse.scorecard import scorecard_remind

    upcoming.append(scorecard_remind(organization=organization, now=now))
    # Look at least daily: a changed setting or time zone is picked up then.
    return min([now + dt.timedelta(days=1), *upcoming])


# -- answers -----------------------------------------------------------------


def previous_one_thing(membership: Membership, cycle: PulseCycle) -> OneThing | None:
    """The One Thing the member committed to in their latest earlier cycle,
    unless a later cycle already asked about it."""
    return (
        OneThing.objects.filter(member=membership, cycle__opens_at__lt=cycle.opens_at)
        .filter(Q(followed_up_in__isnull=True) | Q(followed_up_in=cycle))
        .select_related("goal", "cycle")
        .order_by("-cycle__opens_at", "-pk")
        .first()
    )


def rated_team_of(membership: Membership) -> Team | None:
    """The team this member scores: sales rate marketing, marketing rate sales."""
    kind = membership.team.kind if membership.team is not None else None
    other = {TeamKind.SALES: TeamKind.MARKETING, TeamKind.MARKETING: TeamKind.SALES}.get(kind)  # type: ignore[call-overload]
    if other is None:
        return None
    return Team.objects.filter(organization=membership.organization, kind=other).first()


def ensure_open(cycle: PulseCycle) -> None:
    now = timezone.now()
    if cycle.status != CycleStatus.OPEN or now >= cycle.closes_at:
        closed = cycle.closes_at.astimezone(ZoneInfo(cycle.organization.time_zone))
        raise ValidationError(
            {
                "cycle": f"This pulse closed on {closed:%d %b %Y %H:%M %Z}; "
                "answers can no longer change."
            }
        )
    if now < cycle.opens_at:
        raise ValidationError({"cycle": "This pulse is not open yet."})


@transaction.atomic
def answer_submit(
    *,
    membership: Membership,
    cycle: PulseCycle,
    votes: Mapping[int, tuple[str, str]],
    one_thing: str,
    one_thing_goal_id: int | None = None,
    internal_score: int | None = None,
    follow_through: str = "",
    follow_through_comment: str = "",
) -> PulseAnswer:
    """Record (or replace) the member's answer to an open cycle, all or nothing.

    ``votes`` maps each of the cycle's goal ids to (vote, comment). Errors
    name the field: ``vote_<goal id>``, ``votes``, ``internal_score``,
    ``one_thing``, ``one_thing_goal``, ``follow_through``, ``cycle``.
    """
    require(membership, Action.PULSE_ANSWER)
    if cycle.organization_id != membership.organization_id:
        raise PermissionDenied("Not this organisation's pulse.")
    # Lock the cycle so that closing waits for this answer, and an answer
    # after closing sees the closed state.
    cycle = PulseCycle.objects.select_for_update().select_related("organization").get(pk=cycle.pk)
    ensure_open(cycle)
    if not is_participant(membership):
        raise PermissionDenied("You are not among this pulse's participants.")
    errors: dict[str, str] = {}
    goal_ids = set(cycle.goals.values_list("pk", flat=True))
    clean_votes: dict[int, tuple[str, str]] = {}
    for goal_id, (vote, comment) in votes.items():
        if goal_id not in goal_ids:
            errors["votes"] = f"Goal {goal_id} is not in this pulse; vote only on its goals."
            continue
        if vote not in Vote.values:
            errors[f"vote_{goal_id}"] = "Choose Worse, Same or Better."
            continue
        comment = (comment or "").strip()
        if len(comment) > COMMENT_MAX:
            errors[f"comment_{goal_id}"] = f"At most {COMMENT_MAX} characters."
            continue
        clean_votes[goal_id] = (vote, comment)
    for goal_id in sorted(goal_ids - set(votes)):
        errors[f"vote_{goal_id}"] = "Choose Worse, Same or Better."
    rated = rated_team_of(membership)
    if rated is not None:
        if internal_score is None:
            errors["internal_score"] = f"Score {rated.name} from 0 to 10."
        elif isinstance(internal_score, bool) or not 0 <= internal_score <= 10:
            errors["internal_score"] = "A score is a whole number from 0 to 10."
    else:
        internal_score = None
    text = " ".join((one_thing or "").split())
    if not text:
        errors["one_thing"] = "Commit to One Thing for next month, in one sentence."
    elif len(text) > ONE_THING_MAX:
        errors["one_thing"] = (
            f"Keep your One Thing to one sentence: at most {ONE_THING_MAX} characters "
            f"(this one has {len(text)})."
        )
    goal: Goal | None = None
    if one_thing_goal_id is not None:
        goal = Goal.objects.filter(organization=cycle.organization, pk=one_thing_goal_id).first()
        if goal is None or (goal.pk not in goal_ids and goal.status != GoalStatus.ACTIVE):
            errors["one_thing_goal"] = "Choose one of this pulse's goals, or none."
    previous = previous_one_thing(membership, cycle)
    if previous is not None:
        if follow_through not in FollowThrough.values:
            errors["follow_through"] = (
                f"Say whether you did your last One Thing (“{previous.text}”): "
                "done, partly or not done."
            )
        if len(follow_through_comment or "") > COMMENT_MAX:
            errors["follow_through_comment"] = f"At most {COMMENT_MAX} characters."
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    answer = PulseAnswer.objects.filter(cycle=cycle, member=membership).first()
    if answer is None:
        answer = PulseAnswer.objects.create(
            organization=cycle.organization,
            cycle=cycle,
            member=membership,
            team=membership.team,
            internal_score=internal_score,
            rated_team=rated,
            submitted_at=now,
            updated_at=now,
        )
    else:
        answer.team = membership.team
        answer.internal_score = internal_score
        answer.rated_team = rated
        answer.updated_at = now
        answer.save(update_fields=["team", "internal_score", "rated_team", "updated_at"])
        answer.votes.all().delete()
    GoalVote.objects.bulk_create(
        GoalVote(
            organization=cycle.organization,
            answer=answer,
            goal_id=goal_id,
            vote=vote,
            comment=comment,
        )
        for goal_id, (vote, comment) in sorted(clean_votes.items())
    )
    OneThing.objects.update_or_create(
        answer=answer,
        defaults={
            "organization": cycle.organization,
            "cycle": cycle,
            "member": membership,
            "team": membership.team,
            "text": text,
            "goal": goal,
        },
    )
    if previous is not None:
        previous.follow_through = follow_through
        previous.follow_through_comment = (follow_through_comment or "").strip()
        previous.followed_up_in = cycle
        previous.save(update_fields=["follow_through", "follow_through_comment", "followed_up_in"])
    return answer


# -- the joint meeting -----------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    """Something the joint meeting should discuss, and where it comes from."""

    section: str
    title: str
    why: str
    source_url: str


# Where "send to the agenda" delivers: the meetings app registers its
# function here in its AppConfig.ready() (pulse does not import meetings).
_agenda_sinks: list[Any] = []


def agenda_sink_register(func: Any) -> None:
    """Register ``func(*, membership, item: AgendaItem)`` to receive agenda items."""
    if func not in _agenda_sinks:
        _agenda_sinks.append(func)


def agenda_item_send(*, membership: Membership, item: AgendaItem) -> None:
    """Hand ``item`` to the next joint meeting's agenda (through the registered sink)."""
    require(membership, Action.SCORECARD_MANAGE)
    if not _agenda_sinks:
        raise ValidationError({"agenda": "No meeting agenda is available to send this to."})
    for sink in _agenda_sinks:
        sink(membership=membership, item=item)
