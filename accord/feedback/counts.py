"""Counts of survey recipients kept on write: each campaign's recipients,
sends and answers (``Campaign.recipient_count``, ``sent_count``,
``responded_count``), and the emails sent per day of the organisation's
calendar with how many of those recipients answered (``SendDayRollup``, the
survey response rate of any period).

Each count moves in the transaction of the change that moves it, so readers
never count recipients:

* recipients added by an import (``recipients_import_run``'s batches, one
  ``bulk_create`` under the campaign's row lock, so the number added is
  exact) — ``campaign_recipients_added``;
* a recipient sent their email — ``recipient_sent``;
* a recipient answering for the first time — ``recipient_answered``;
* recipients created, saved or deleted one by one through the ORM (the
  signals below), including deletions cascading from a contact or a
  campaign. Deleting the organisation needs nothing.

Bulk writes that bypass all of these (the demo, ``accord bench-data``) and
a change of the organisation's time zone (days are its days) rebuild with
``counts_rebuild``, which ``accord rollups rebuild`` runs too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from accord.feedback.models import COUNTED, Campaign, Recipient, SendDayRollup
from accord.lib.local_time import local_date
from accord.orgs.models import Organization

# (campaign id, status, sent at, responded at): see ``models.COUNTED``.
Counted = tuple[Any, ...]
# Not read yet (None is a value: not sent).
UNREAD = object()


def campaign_counts_add(
    campaign_id: int, *, recipients: int = 0, sent: int = 0, responded: int = 0
) -> None:
    """Move a campaign's counts by the given amounts (one UPDATE)."""
    changes = {
        name: F(name) + n
        for name, n in (
            ("recipient_count", recipients),
            ("sent_count", sent),
            ("responded_count", responded),
        )
        if n
    }
    if changes:
        Campaign.objects.filter(pk=campaign_id).update(**changes)


def sends_add(organization_id: int, day: dt.date, *, sent: int = 0, responded: int = 0) -> None:
    """Move the sends and answers of one day, creating its row when it is the
    day's first: an UPDATE, and an INSERT the first time (a concurrent first
    INSERT loses on the unique constraint and updates instead)."""
    deltas = {name: n for name, n in (("sent", sent), ("responded", responded)) if n}
    if not deltas:
        return
    rows = SendDayRollup.objects.filter(organization_id=organization_id, day=day)
    changes = {name: F(name) + n for name, n in deltas.items()}
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():
            SendDayRollup.objects.create(organization_id=organization_id, day=day, **deltas)
            return
    except IntegrityError:
        pass
    rows.update(**changes)


def _zone(organization_id: int) -> str:
    return str(
        Organization.objects.filter(pk=organization_id).values_list("time_zone", flat=True).get()
    )


def _apply(organization_id: int, counted: Counted | None, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) what one recipient, as ``counted``,
    contributes to its campaign's counts and to its day of sending."""
    if counted is None:
        return
    campaign_id, status, sent_at, responded_at = counted
    answered = responded_at is not None
    campaign_counts_add(
        campaign_id,
        recipients=sign,
        sent=sign * (status == Recipient.Status.SENT),
        responded=sign * answered,
    )
    if sent_at is not None:
        day = local_date(sent_at, _zone(organization_id))
        sends_add(organization_id, day, sent=sign, responded=sign * answered)


def counted(recipient: Recipient) -> Counted:
    return tuple(getattr(recipient, name) for name in COUNTED)


def campaign_recipients_added(campaign: Campaign, added: int) -> None:
    """``added`` new recipients (queued: not sent, not answered) were inserted
    into ``campaign`` in this transaction."""
    campaign_counts_add(campaign.pk, recipients=added)


def recipient_sent(recipient: Recipient, *, at: dt.datetime, time_zone: str) -> None:
    """The recipient's status was set to sent, at ``at``, in this transaction
    (by an UPDATE that held its row). Read after that UPDATE, ``responded_at``
    is the latest committed one: an answer that came first is counted on the
    day of sending here, one that comes later by ``recipient_answered``."""
    answered = Recipient.objects.filter(pk=recipient.pk, responded_at__isnull=False).exists()
    campaign_counts_add(recipient.campaign_id, sent=1)
    sends_add(recipient.organization_id, local_date(at, time_zone), sent=1, responded=answered)


def recipient_answered(recipient: Recipient, *, time_zone: str, sent_at: Any = UNREAD) -> None:
    """The recipient's ``responded_at`` went from empty to set in this
    transaction (by an UPDATE that held its row): one more answer for the
    campaign, and for the day it was sent on if it was sent already (one
    sent later is counted by ``recipient_sent``). ``sent_at`` when that
    UPDATE matched it; read after the UPDATE otherwise."""
    campaign_counts_add(recipient.campaign_id, responded=1)
    if sent_at is UNREAD:
        sent_at = Recipient.objects.filter(pk=recipient.pk).values_list("sent_at", flat=True).get()
    if sent_at is not None:
        sends_add(recipient.organization_id, local_date(sent_at, time_zone), responded=1)


def recipient_saved(sender: Any, instance: Recipient, created: bool, **kwargs: Any) -> None:
    now = counted(instance)
    before = None if created else instance._loaded_counted
    if not created and before is None:
        # Loaded without the counted fields: what it counted before is unknown.
        counts_rebuild(Organization.objects.get(pk=instance.organization_id))
    elif before != now:
        _apply(instance.organization_id, before, -1)
        _apply(instance.organization_id, now, 1)
    instance._loaded_counted = now


def recipient_deleted(sender: Any, instance: Recipient, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Organization):
        return
    _apply(instance.organization_id, instance._loaded_counted or counted(instance), -1)


def counts_rebuild(organization: Organization) -> None:
    """Recount every campaign's counts and every day's sends of the
    organisation from its recipients (two grouped queries)."""
    with transaction.atomic():
        found = {
            row["campaign_id"]: row
            for row in Recipient.objects.filter(organization=organization)
            .order_by()
            .values("campaign_id")
            .annotate(
                recipients=Count("id"),
                sent=Count("id", filter=Q(status=Recipient.Status.SENT)),
                responded=Count("id", filter=Q(responded_at__isnull=False)),
            )
        }
        campaigns = list(Campaign.objects.filter(organization=organization))
        for campaign in campaigns:
            row = found.get(campaign.pk, {})
            campaign.recipient_count = row.get("recipients", 0)
            campaign.sent_count = row.get("sent", 0)
            campaign.responded_count = row.get("responded", 0)
        Campaign.objects.bulk_update(
            campaigns, ["recipient_count", "sent_count", "responded_count"], batch_size=500
        )
        SendDayRollup.objects.filter(organization=organization).delete()
        SendDayRollup.objects.bulk_create(
            [
                SendDayRollup(organization=organization, **row)
                for row in Recipient.objects.filter(
                    organization=organization, sent_at__isnull=False
                )
                .order_by()
                .annotate(day=TruncDate("sent_at", tzinfo=ZoneInfo(organization.time_zone)))
                .values("day")
                .annotate(
                    sent=Count("id"), responded=Count("id", filter=Q(responded_at__isnull=False))
                )
            ],
            batch_size=1000,
        )


def response_rates(
    organization: Organization, periods: list[tuple[dt.date, dt.date]]
) -> list[float | None]:
    """The survey response rate (answers per email sent, in percent, one
    decimal; None when nothing was sent) of the recipients sent their email
    in each period (days ``start`` to ``end`` inclusive, of the
    organisation's calendar), from the day rows: one query for all."""
    if not periods:
        return []
    rows = list(
        SendDayRollup.objects.filter(
            organization=organization,
            day__gte=min(start for start, _ in periods),
            day__lte=max(end for _, end in periods),
        ).values_list("day", "sent", "responded")
    )
    out: list[float | None] = []
    for start, end in periods:
        sent = responded = 0
        for day, n, answered in rows:
            if start <= day <= end:
                sent += n
                responded += answered
        out.append(round(100 * responded / sent, 1) if sent else None)
    return out
