"""What the benchmarks share: timing that alternates the contenders in each round."""

from __future__ import annotations

import time
from collections.abc import Callable


def alternate(rounds: int, **contenders: Callable[[], object]) -> dict[str, float]:
    """Best time in seconds of each contender over ``rounds`` rounds, running
    each once per round in turn, so a busy moment of the machine falls on all
    alike. Each runs once first, untimed, to warm caches."""
    for work in contenders.values():
        work()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, work in contenders.items():
            began = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - began)
    return best


def sent_survey_links(organization, count: int, name: str):  # type: ignore[no-untyped-def]
    """A new campaign of ``organization`` with ``count`` recipients already sent
    their personal link; returns (campaign, the links' tokens), in order."""
    from django.utils import timezone

    from accord.feedback.counts import campaign_counts_add, sends_add
    from accord.feedback.models import Campaign, Contact, Recipient, Survey
    from accord.lib.local_time import local_date
    from accord.lib.tokens import hash_token, new_token

    run = time.time_ns()
    survey, _ = Survey.objects.get_or_create(organization=organization, name=f"{name} survey")
    campaign = Campaign.objects.create(
        organization=organization, survey=survey, name=f"{name} {run}"
    )
    tokens = [new_token() for _ in range(count)]
    contacts = Contact.objects.bulk_create(
        Contact(organization=organization, email=f"c{run}-{i}@bench.example") for i in range(count)
    )
    now = timezone.now()
    Recipient.objects.bulk_create(
        Recipient(
            organization=organization,
            campaign=campaign,
            contact=contact,
            email=contact.email,
            token_hash=hash_token(token),
            status=Recipient.Status.SENT,
            sent_at=now,
            expires_at=now + timezone.timedelta(days=60),
        )
        for contact, token in zip(contacts, tokens, strict=True)
    )
    # The bulk path sends no signals: the counts move as sending them would.
    campaign_counts_add(campaign.pk, recipients=count, sent=count)
    sends_add(organization.pk, local_date(now, organization.time_zone), sent=count)
    return campaign, tokens


def owner_of(organization):  # type: ignore[no-untyped-def]
    """The organisation's first owner (the one ``accord bench-data`` made), with its user."""
    from accord.orgs.models import Membership, Role

    return (
        Membership.objects.select_related("user")
        .filter(organization=organization, role=Role.OWNER)
        .order_by("pk")
        .first()
    )


def counted_until(organization):  # type: ignore[no-untyped-def]
    """The instant before which the NPS day rows hold every answer, read as
    the app reads it before counting the answers since."""
    from accord.feedback.models import ResponseDayState

    return (
        ResponseDayState.objects.filter(organization=organization)
        .values_list("counted_until", flat=True)
        .get()
    )


def nps_statements(organization, first, last):  # type: ignore[no-untyped-def]
    """The hand-written SQL for NPS over the days ``first``..``last``
    (inclusive), read as the app reads it: the day rows, the instant up to
    which they hold every answer, and the answers created since (passed as a
    value: as a subquery, PostgreSQL grouped the whole month's answers)."""
    import datetime as dt

    since = dt.datetime.combine(first, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return [
        (
            "SELECT day, promoters, passives, detractors FROM feedback_responsedayrollup"
            " WHERE organization_id = %s AND day >= %s AND day <= %s",
            [organization.pk, first, last],
        ),
        (
            "SELECT counted_until FROM feedback_responsedaystate WHERE organization_id = %s",
            [organization.pk],
        ),
        (
            "SELECT category, COUNT(*) FROM feedback_response WHERE organization_id = %s"
            " AND created_at >= %s AND created_at >= %s AND created_at < %s"
            " GROUP BY category",
            [organization.pk, counted_until(organization), since, until],
        ),
    ]


def lead_days_statement(organization, first, last):  # type: ignore[no-untyped-def]
    """The hand-written SQL for the MQLs and SQLs of the days ``first``..``last``
    of one month, from that month's day rows, as the app reads a partial month."""
    return (
        "SELECT SUM(mqls), SUM(sqls) FROM pipeline_leadgrouprollup WHERE \"by\" = 'day'"
        " AND organization_id = %s AND month = %s AND key >= %s AND key <= %s",
        [organization.pk, first.strftime("%Y-%m"), first.isoformat(), last.isoformat()],
    )
