"""The scorecard: weekly measurables over a rolling 13 weeks, green or red.

A measurable is a catalogue metric computed from Accord's data (through the
goals app's metric machinery) or a number its owner enters each week. Vanity
metrics are refused the same way goals refuse them. Weeks start on Monday in
the organisation's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.goals import metrics
from accord.goals import selectors as goal_selectors
from accord.lib.claimed_time import claimed_day_check
from accord.orgs.models import Membership, Organization, Role
from accord.orgs.permissions import Action, can, require
from accord.orgs.services import audit_record
from accord.pulse.models import MANUAL, Measurable, MeasurableValue
from accord.pulse.services import AgendaItem, agenda_item_send

WEEKS = 13
MAX_VALUE = Decimal("999999999999")


def local_today(organization: Organization) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(organization.time_zone)).date()


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def weeks_ending(last: dt.date, count: int = WEEKS) -> list[dt.date]:
    """``count`` Mondays, oldest first, the last one being ``last``'s week."""
    monday = week_of(last)
    return [monday - dt.timedelta(weeks=count - 1 - i) for i in range(count)]


# -- writes --------------------------------------------------------------------


def _decimal(number: Decimal, field: str) -> Decimal:
    if not number.is_finite() or abs(number) > MAX_VALUE:
        raise ValidationError({field: f"Enter a number up to {MAX_VALUE:,} in absolute value."})
    return number.quantize(Decimal("0.0001"))


def _clean(organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = "Name the measurable."
    elif len(name) > 120:
        errors["name"] = "At most 120 characters."
    data["name"] = name
    metric = str(data.get("metric") or MANUAL).strip()
    data["metric"] = metric
    moves = " ".join(str(data.get("moves") or "").split())[:160]
    if metric == MANUAL:
        named = metrics.vanity(name) if name else None
        if named is not None:
            errors["name"] = metrics.vanity_message(named, name)
        elif not moves:
            errors["moves"] = (
                "Say which goal or revenue stage this number moves, e.g. 'pipeline creation'."
            )
    else:
        try:
            metrics.validate_metric(metric, field="metric")
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
        builtin = metrics.metric(metric)
        if builtin is not None:
            if not builtin.source:
                errors["metric"] = (
                    f"{builtin.name} is not computed from Accord's data; choose "
                    "'manual' and enter it weekly."
                )
            moves = moves or builtin.moves
            data["unit"] = data.get("unit") or builtin.unit
            data["direction"] = data.get("direction") or builtin.direction
    data["moves"] = moves
    data["unit"] = str(data.get("unit") or "").strip()[:32]
    if data.get("direction") not in ("up", "down"):
        errors["direction"] = "Choose up (higher is better) or down (lower is better)."
    try:
        data["goal_value"] = _decimal(data["goal_value"], "goal_value")
    except ValidationError as error:
        errors["goal_value"] = error.message_dict["goal_value"][0]
    owner = data.get("owner")
    if not isinstance(owner, Membership) or owner.organization_id != organization.pk:
        errors["owner"] = "Choose a member of this organisation as owner."
    elif owner.role == Role.VIEWER:
        errors["owner"] = "A viewer cannot own a measurable."
    data["owner"] = owner
    if errors:
        raise ValidationError(errors)
    return data


FIELDS = ("name", "metric", "moves", "unit", "owner", "goal_value", "direction")


@transaction.atomic
def measurable_create(
    *,
    membership: Membership,
    name: str,
    owner: Membership | None,
    goal_value: Decimal,
    metric: str = MANUAL,
    moves: str = "",
    unit: str = "",
    direction: str | None = None,
) -> Measurable:
    """Add a measurable to the scorecard (leads, admins, owners). ``owner``
    None is refused: the client named no member of this organisation."""
    require(membership, Action.SCORECARD_MANAGE)
    clean = _clean(
        membership.organization,
        {
            "name": name,
            "metric": metric,
            "moves": moves,
            "unit": unit,
            "owner": owner,
            "goal_value": goal_value,
            "direction": direction,
        },
    )
    measurable = Measurable.objects.create(organization=membership.organization, **clean)
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="scorecard.add",
        obj=measurable,
    )
    return measurable


@transaction.atomic
def measurable_update(
    *, membership: Membership, measurable: Measurable, **changes: Any
) -> Measurable:
    """Change a measurable; ``is_active=False`` retires it from the scorecard."""
    require(membership, Action.SCORECARD_MANAGE)
    locked = Measurable.objects.select_for_update().get(pk=measurable.pk)
    active = changes.pop("is_active", None)
    current = {k: getattr(locked, k) for k in FIELDS}
    current.update({k: v for k, v in changes.items() if k in FIELDS})
    clean = _clean(membership.organization, current)
    for key, value in clean.items():
        setattr(locked, key, value)
    if active is not None:
        locked.is_active = bool(active)
    locked.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="scorecard.change",
        obj=locked,
        changes={k: str(v) for k, v in changes.items()},
    )
    return locked


@transaction.atomic
def measurable_value_enter(
    *, membership: Membership, measurable: Measurable, week: dt.date, value: Decimal
) -> MeasurableValue:
    """Enter (or correct) a manual measurable's value for a week: its owner, or a lead."""
    require(membership, Action.SCORECARD_ENTER)
    if measurable.owner_id != membership.pk and not can(membership, Action.SCORECARD_MANAGE):
        raise PermissionDenied("Only the measurable's owner or a lead enters its values.")
    errors: dict[str, str] = {}
    if not measurable.is_manual:
        errors["metric"] = "This measurable is computed from Accord's data; nothing to enter."
    if not isinstance(week, dt.date) or isinstance(week, dt.datetime):
        errors["week"] = "Enter the week (its Monday, or any day in it)."
    else:
        # The week's value is claimed once the week has begun: its Monday is
        # a day that may be claimed (the rule every claimed date follows).
        try:
            claimed_day_check(
                week_of(week), field="week", time_zone=measurable.organization.time_zone
            )
        except ValidationError as error:
            errors["week"] = error.message_dict["week"][0]
    try:
        number = _decimal(value, "value")
    except ValidationError as error:
        errors["value"] = error.message_dict["value"][0]
    if errors:
        raise ValidationError(errors)
    row, _ = MeasurableValue.objects.update_or_create(
        measurable=measurable,
        week=week_of(week),
        defaults={
            "organization": measurable.organization,
            "value": number,
            "entered_by": membership,
            "updated_at": timezone.now(),
        },
    )
    return row


def scorecard_remind(*, organization: Organization, now: dt.datetime) -> dt.datetime:
    """On Mondays from 09:00 local time, remind owners of manual measurables
    without last week's value (once per week); return when to look again."""
    from accord.mail.services import email_enqueue_template

    tz = ZoneInfo(organization.time_zone)
    local = now.astimezone(tz)
    monday = week_of(local.date())
    due = dt.datetime.combine(monday, dt.time(9), tzinfo=tz)
    if local < due:
        return due
    last_week = monday - dt.timedelta(weeks=1)
    missing = (
        Measurable.objects.filter(organization=organization, is_active=True, metric=MANUAL)
        .exclude(values__week=last_week)
        .exclude(owner=None)
        .select_related("owner__user", "organization")
    )
    with transaction.atomic():
        for measurable in missing:
            assert measurable.owner is not None
            email_enqueue_template(
                to=[measurable.owner.user.email],
                template="pulse/email/scorecard_reminder",
                context={
                    "measurable": measurable,
                    "week": last_week,
                    "path": reverse("pulse_scorecard", kwargs={"org_slug": organization.slug}),
                    "site": settings.SITE_URL,
                },
                organization_id=organization.pk,
                key=f"pulse:scorecard:{measurable.pk}:{last_week.isoformat()}",
            )
    return due + dt.timedelta(weeks=1)


# -- reads ---------------------------------------------------------------------


@dataclass
class Cell:
    week: dt.date
    value: float | None
    state: str  # "green", "red" or "none"


@dataclass
class Row:
    measurable: Measurable
    computed: bool
    cells: list[Cell]

    @property
    def latest(self) -> Cell | None:
        found = [c for c in self.cells if c.value is not None]
        return found[-1] if found else None


def _state(measurable: Measurable, value: float | None) -> str:
    if value is None:
        return "none"
    goal = float(measurable.goal_value)
    good = value >= goal if measurable.direction == "up" else value <= goal
    return "green" if good else "red"


def scorecard(
    membership: Membership, *, last: dt.date | None = None
) -> tuple[list[dt.date], list[Row]]:
    """The 13 weeks up to ``last`` (default: this week) and each active
    measurable's value and colour per week."""
    organization = membership.organization
    weeks = weeks_ending(last or local_today(organization))
    found = list(
        Measurable.objects.filter(organization=organization, is_active=True)
        .select_related("owner__user", "organization")
        .order_by("name", "pk")
    )
    entered: dict[tuple[int, dt.date], float] = {
        (m_id, week): float(value)
        for m_id, week, value in MeasurableValue.objects.filter(
            measurable__in=found, week__gte=weeks[0]
        ).values_list("measurable_id", "week", "value")
    }
    cache: dict[Any, Any] = {}
    rows = []
    for measurable in found:
        cells = []
        for week in weeks:
            if measurable.is_manual:
                value = entered.get((measurable.pk, week))
            else:
                value = goal_selectors.metric_value(
                    organization,
                    measurable.metric,
                    week,
                    week + dt.timedelta(days=6),
                    cache=cache,
                )
            cells.append(Cell(week, value, _state(measurable, value)))
        rows.append(Row(measurable, not measurable.is_manual, cells))
    return weeks, rows


def measurable_send_to_agenda(*, membership: Membership, measurable: Measurable) -> AgendaItem:
    """Send a red measurable to the next joint meeting's agenda (through the
    sink the meetings app registers). Returns the item sent."""
    require(membership, Action.SCORECARD_MANAGE)
    if measurable.organization_id != membership.organization_id:
        raise PermissionDenied("Not this organisation's measurable.")
    _weeks, rows = scorecard(membership)
    row = next((r for r in rows if r.measurable.pk == measurable.pk), None)
    latest = row.latest if row is not None else None
    if latest is None or latest.state != "red":
        raise ValidationError({"measurable": "Only a measurable that is red this week is sent."})
    side = "or more" if measurable.direction == "up" else "or less"
    item = AgendaItem(
        section="Scorecard",
        title=f"Red: {measurable.name}",
        why=(
            f"{latest.value:g} {measurable.unit} in the week of {latest.week:%d %b}; the goal is "
            f"{measurable.goal_value.normalize()} {side}."
        ),
        source_url=reverse("pulse_scorecard", kwargs={"org_slug": measurable.organization.slug}),
    )
    agenda_item_send(membership=membership, item=item)
    return item
