"""The daily meetings run: action-item due alerts every day, the weekly digest
on Mondays, and the member's digest preference with its one-click opt-out.

Each organisation has one chain of runs (``DailyRun``), due at 07:00 in its
time zone. Every run is safe to repeat: an alert is recorded in
``ActionItemAlert`` and a digest in ``DigestSent`` (unique per member and
week) in the transaction that queues its email and chat message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accord.chat.services import chat_notify
from accord.jobs.services import job_enqueue
from accord.lib.tokens import hash_token, new_token
from accord.mail.services import email_enqueue_template
from accord.meetings.digest import (
    DIGEST_WEEKDAY,
    RUN_TIME,
    Digest,
    digest_of,
    site_url,
)
from accord.meetings.jobs import meetings_daily_run
from accord.meetings.models import (
    ActionItem,
    ActionItemAlert,
    AlertKind,
    DailyRun,
    DigestPreference,
    DigestSent,
)
from accord.meetings.recurrence import zone
from accord.orgs.models import Membership, Organization
from accord.orgs.services import audit_record

# -- when ------------------------------------------------------------------------


def next_run_after(organization: Organization, after: dt.datetime) -> dt.datetime:
    """The first RUN_TIME in the organisation's time zone strictly after ``after``."""
    tz = zone(organization.time_zone)
    day = after.astimezone(tz).date()
    candidate = dt.datetime.combine(day, RUN_TIME, tzinfo=tz)
    if candidate <= after:
        candidate = dt.datetime.combine(day + dt.timedelta(days=1), RUN_TIME, tzinfo=tz)
    return candidate


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week: the key a digest is sent once under."""
    return day - dt.timedelta(days=day.weekday())


def is_digest_time(organization: Organization, at: dt.datetime) -> bool:
    """On the digest weekday, from RUN_TIME to midnight, in the organisation's zone.

    A run held up (the worker down) still sends later that day; a run missed
    for the whole day skips that week rather than send a stale digest.
    """
    local = at.astimezone(zone(organization.time_zone))
    return local.weekday() == DIGEST_WEEKDAY and local.time() >= RUN_TIME


# -- the chain -------------------------------------------------------------------


def daily_run_schedule(organization: Organization, due: dt.datetime) -> None:
    """Make ``due`` the organisation's next run (replacing any other)."""
    with transaction.atomic():
        DailyRun.objects.update_or_create(organization=organization, defaults={"next_run_at": due})
        job_enqueue(
            meetings_daily_run,
            organization_id=organization.pk,
            run_after=due,
            due=due.isoformat(),
        )


def daily_run_ensure(organization: Organization) -> None:
    """Start the organisation's chain of daily runs if it never started."""
    if not DailyRun.objects.filter(organization=organization, next_run_at__isnull=False).exists():
        daily_run_schedule(organization, next_run_after(organization, timezone.now()))


@dataclass(frozen=True)
class RunResult:
    alerts: int
    digests: int


def daily_run(organization: Organization, at: dt.datetime) -> RunResult:
    """Everything due at ``at``: action-item alerts, and the digests on their day."""
    alerts = action_item_alerts_send(organization=organization, at=at)
    digests = (
        digests_send(organization=organization, at=at) if is_digest_time(organization, at) else 0
    )
    return RunResult(alerts=alerts, digests=digests)


# -- action items due or overdue -----------------------------------------------------


def _alert_of(item: ActionItem, today: dt.date) -> str | None:
    if item.due_on < today:
        return AlertKind.OVERDUE
    if item.due_on <= today + dt.timedelta(days=1):
        return AlertKind.DUE
    return None


def _when(item: ActionItem, today: dt.date) -> str:
    if item.due_on < today:
        return f"overdue since {item.due_on:%a %d %b}"
    if item.due_on == today:
        return "due today"
    return "due tomorrow"


def action_item_alerts_send(*, organization: Organization, at: dt.datetime) -> int:
    """Alert each open action item due today or tomorrow once, and once when overdue.

    The owner gets an email; subscribed chat channels get one message per
    alert. Returns how many alerts were sent by this call.
    """
    today = at.astimezone(zone(organization.time_zone)).date()
    items = (
        ActionItem.objects.filter(
            organization=organization,
            done_at__isnull=True,
            due_on__lte=today + dt.timedelta(days=1),
        )
        .select_related("owner__user", "owner__organization", "occurrence__series")
        .order_by("due_on", "pk")
    )
    sent = 0
    for item in items:
        kind = _alert_of(item, today)
        if kind is None:
            continue
        sent += _alert_send(item, kind, today)
    return sent


def _alert_send(item: ActionItem, kind: str, today: dt.date) -> int:
    try:
        with transaction.atomic():
            alert = ActionItemAlert.objects.create(
                organization_id=item.organization_id,
                action_item=item,
                kind=kind,
                due_on=item.due_on,
            )
            when = _when(item, today)
            url = site_url("meetings_action_items", item.owner)
            meeting = ""
            if item.occurrence is not None:
                series = item.occurrence.series
                held = item.occurrence.starts_at.astimezone(zone(series.time_zone))
                meeting = f"{series.name}, {held:%d %b}"
            email_enqueue_template(
                to=[item.owner.user.email],
                template="meetings/email/action_due",
                context={
                    "item": item,
                    "person": item.owner,
                    "overdue": kind == AlertKind.OVERDUE,
                    "when": when,
                    "meeting": meeting,
                    "url": url,
                },
                organization_id=item.organization_id,
                key=f"meetings:action-alert:{alert.pk}",
            )
            fields = [("Owner", item.owner.user.display_name), ("Due", f"{item.due_on:%d %b %Y}")]
            if meeting:
                fields.append(("From", meeting))
            chat_notify(
                organization=item.owner.organization,
                event="action_item_due",
                title=f"Action item {when}: {item.title}",
                text=f"{item.owner.user.display_name} owns it.",
                url=url,
                fields=fields,
            )
    except IntegrityError:
        # Alerted before (an earlier or concurrent run): nothing more to send.
        return 0
    return 1


# -- the weekly digest -------------------------------------------------------------


def digest_enabled(member: Membership) -> bool:
    """Whether ``member`` receives the weekly digest (yes unless they turned it off)."""
    preference = DigestPreference.objects.filter(member=member).first()
    return preference is None or preference.enabled


def digests_send(*, organization: Organization, at: dt.datetime) -> int:
    """Send this week's digest to every member who wants it and has something to read.

    A member who opted out, or whose digest would be empty, gets nothing.
    Returns how many digests this call sent; repeating it sends no more.
    """
    week = week_start(at.astimezone(zone(organization.time_zone)).date())
    already = set(
        DigestSent.objects.filter(organization=organization, week_start=week).values_list(
            "member_id", flat=True
        )
    )
    opted_out = set(
        DigestPreference.objects.filter(organization=organization, enabled=False).values_list(
            "member_id", flat=True
        )
    )
    members = (
        Membership.objects.filter(organization=organization)
        .exclude(pk__in=already | opted_out)
        .select_related("user", "organization")
        .order_by("pk")
    )
    sent = 0
    for member in members:
        digest = digest_of(member, at)
        if digest.is_empty:
            continue
        sent += digest_send(digest=digest, week=week)
    return sent


def digest_off_url(token: str) -> str:
    return str(settings.SITE_URL) + reverse("meetings_digest_off", kwargs={"token": token})


def digest_send(*, digest: Digest, week: dt.date) -> int:
    """Queue ``digest`` to its member for ``week``, unless one went already (returns 0)."""
    member = digest.member
    token = new_token("dg_")
    try:
        with transaction.atomic():
            DigestSent.objects.create(
                organization_id=member.organization_id,
                member=member,
                week_start=week,
                token_hash=hash_token(token),
            )
            off_url = digest_off_url(token)
            email_enqueue_template(
                to=[member.user.email],
                template="meetings/email/digest",
                context={
                    "digest": digest,
                    "person": member,
                    "week": week,
                    "off_url": off_url,
                    "settings_url": site_url("meetings_digest", member),
                },
                organization_id=member.organization_id,
                key=f"meetings:digest:{member.pk}:{week.isoformat()}",
                # RFC 8058: mail clients offer a one-click "unsubscribe" that POSTs here.
                headers={
                    "List-Unsubscribe": f"<{off_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
    except IntegrityError:
        return 0
    return 1


def digest_for_token(token: str) -> DigestSent | None:
    """The digest whose opt-out link carries ``token``, or None."""
    if not token or len(token) > 100:
        return None
    return (
        DigestSent.objects.select_related("member__user", "organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def digest_preference_set(*, membership: Membership, enabled: bool) -> DigestPreference:
    """Turn the member's own weekly digest on or off."""
    preference, _ = DigestPreference.objects.update_or_create(
        member=membership,
        defaults={
            "organization": membership.organization,
            "enabled": enabled,
            "changed_at": timezone.now(),
        },
    )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="digest.on" if enabled else "digest.off",
        obj=preference,
    )
    return preference


def digest_opt_out(*, sent: DigestSent) -> DigestPreference:
    """The one-click opt-out from a digest's link: the member's digest goes off."""
    return digest_preference_set(membership=sent.member, enabled=False)
