"""Northwind's customer feedback: a campaign a month for a year, sent to a
third of the customers' contacts in the pipeline each time (everyone once a
quarter), with their recipients and the answers that came back, realistic
comments, open and closed follow-ups, and themes; and a draft campaign to try
adding recipients from pipeline contacts on. Idempotent and deterministic."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from accord.feedback import counts, rollups
from accord.feedback.models import (
    Campaign,
    Contact,
    FeedbackSettings,
    FollowUp,
    FollowUpEntry,
    Recipient,
    Response,
    Survey,
)
from accord.feedback.services import month_of
from accord.lib.business_time import add_working_days
from accord.lib.nps import category
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import business_calendar
from accord.pipeline.selectors import contacts_for_survey

SURVEY_NAME = "Northwind customer survey"
# A campaign a month for this many months back, and this month's once sent.
MONTHS = 12

COMPANIES = [
    ("Contoso", "enterprise", "EMEA"),
    ("Fabrikam", "enterprise", "NA"),
    ("Tailspin Toys", "starter", "NA"),
    ("Wingtip", "growth", "EMEA"),
    ("Litware", "growth", "APAC"),
    ("Adventure Works", "enterprise", "NA"),
    ("Proseware", "starter", "EMEA"),
    ("Lucerne Publishing", "growth", "EMEA"),
    ("Margie's Travel", "starter", "APAC"),
    ("Coho Winery", "growth", "NA"),
    ("Alpine Ski House", "starter", "EMEA"),
    ("Blue Yonder Airlines", "enterprise", "APAC"),
]
BETTER = {
    "detractor": [
        "The price increase this year was hard to justify to our finance team.",
        "Support tickets take days to get a first answer.",
        "Invoices are confusing and we had to ask twice for a correction.",
        "The reporting module is slow and exports time out.",
        "Onboarding our second team took far too long without a guide.",
        "Your sales rep promised features that are not on the roadmap.",
        "Too expensive for what we use; licence pricing per seat hurts.",
        "Support answers are copy-paste and do not solve the problem.",
    ],
    "passive": [
        "Exports to Excel could keep the formatting.",
        "A mobile app would help our field team.",
        "Pricing tiers are confusing; a simpler plan would help.",
        "Reporting dashboards could load faster.",
        "More onboarding material for new hires.",
    ],
    "promoter": [
        "Nothing major; maybe more integrations.",
        "Keep the release notes coming, they are useful.",
        "A dark mode would be nice.",
        "",
    ],
}
WELL = {
    "detractor": ["The product itself works when it works.", "", "Account manager is friendly."],
    "passive": [
        "Support is friendly once you reach them.",
        "The core workflow is solid and reliable.",
        "Onboarding sessions were helpful.",
    ],
    "promoter": [
        "Support team answers quickly and actually fixes things.",
        "Onboarding was smooth; our team was productive in a week.",
        "Reliable product, we have had no downtime in a year.",
        "Our account manager understands our business.",
        "The reporting dashboards save us hours every week.",
        "Friendly support and great training sessions.",
    ],
}
OUTCOMES = [
    "Called the customer, fixed the billing error",
    "Discount agreed for renewal",
    "Escalated to product; workaround shared",
    "Customer churned despite call",
]


def _score(rng: random.Random, month_index: int) -> int:
    # The year improves: fewer detractors in later months.
    roll = rng.random() + month_index * 0.012
    if roll < 0.22:
        return rng.randint(0, 6)
    if roll < 0.45:
        return rng.randint(7, 8)
    return rng.randint(9, 10)


def _months_back(month: date, count: int) -> date:
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def _first_weekday(month: date) -> datetime:
    """9:00 UTC on the month's first weekday: when its campaign goes out."""
    day = month
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), UTC)


ASKS = {
    "referral": FollowUp.Action.REFERRAL_ASK,
    "case_study": FollowUp.Action.CASE_STUDY_ASK,
    "review": FollowUp.Action.REVIEW_ASK,
}


def _timelines(followups: list[FollowUp], now: datetime) -> list[FollowUpEntry]:
    """What the owners did on each worked follow-up: contacted the customer
    (with the apology, or the play's ask), then closed it with its outcome."""
    entries = []
    for followup in followups:
        if followup.status == FollowUp.Status.OPEN:
            continue
        end = followup.closed_at or now
        contacted = max(
            followup.created_at,
            min(followup.created_at + timedelta(hours=3), end - timedelta(minutes=30)),
        )
        action = (
            FollowUp.Action.APOLOGISE
            if followup.kind == FollowUp.Kind.RECOVERY
            else ASKS.get(followup.play, FollowUp.Action.REFERRAL_ASK)
        )
        common = {"organization_id": followup.organization_id, "followup": followup}
        entries += [
            FollowUpEntry(
                **common,
                kind=FollowUpEntry.Kind.STATUS_CHANGE,
                text="Open → Contacted",
                actor=followup.sales_owner,
                at=contacted,
            ),
            FollowUpEntry(
                **common,
                kind=FollowUpEntry.Kind.ACTION,
                action=action,
                text=FollowUp.Action(action).label,
                actor=followup.sales_owner
                if followup.kind == FollowUp.Kind.RECOVERY
                else followup.marketing_owner,
                at=min(contacted + timedelta(minutes=10), end),
            ),
        ]
        if followup.closed_at:
            entries.append(
                FollowUpEntry(
                    **common,
                    kind=FollowUpEntry.Kind.STATUS_CHANGE,
                    text=f"Contacted → {followup.get_status_display()}: {followup.outcome}",
                    actor=followup.sales_owner,
                    at=followup.closed_at,
                )
            )
    return entries


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    if Survey.objects.filter(organization=organization, name=SURVEY_NAME).exists():
        return
    rng = random.Random(2026)
    FeedbackSettings.objects.get_or_create(organization=organization)
    survey = Survey.objects.create(
        organization=organization,
        name=SURVEY_NAME,
        brand_name="Northwind",
        colour="#1f6f8b",
        thank_you="Thank you! Every answer is read by our sales and marketing teams.",
    )
    owner = next((m for m in people.values() if m.role == "owner"), None)
    customers = {company: (plan, region) for company, plan, region in COMPANIES}
    # The people who answer are the customers' contacts in the pipeline; the
    # newest customers' contacts have never been surveyed.
    people_asked = (
        sorted(
            (c for c in contacts_for_survey(owner) if c["company"] in customers),
            key=lambda c: c["email"],
        )
        if owner
        else []
    )
    now = timezone.now()
    this_month = now.date().replace(day=1)
    contacts: dict[str, Contact] = {}
    recipients: list[Recipient] = []
    responses = []
    for back in range(MONTHS, -1, -1):
        month = _months_back(this_month, back)
        sent = _first_weekday(month)
        if sent > now:
            continue
        index = MONTHS - back
        campaign = Campaign.objects.create(
            organization=organization,
            survey=survey,
            name=f"Monthly NPS {sent:%B %Y}",
            status=Campaign.Status.SENT,
            created_at=sent - timedelta(days=1),
            send_requested_at=sent,
            sent_at=sent,
            reminder_sent_at=sent + timedelta(days=3) if sent + timedelta(days=3) <= now else None,
        )
        # A third of the customers' people each month: everyone is asked once a
        # quarter, the organisation's 90-day interval.
        for person in people_asked[index % 3 :: 3]:
            email = person["email"]
            contact = contacts.get(email)
            if contact is None:
                contact = contacts[email] = Contact.objects.create(
                    organization=organization,
                    email=email,
                    name=person["name"],
                    company=person["company"],
                )
            contact.last_surveyed_at = sent
            plan, region = customers[person["company"]]
            answered_at = sent + timedelta(hours=rng.randint(1, 14 * 24))
            answers = rng.random() < 0.62 and answered_at <= now
            recipient = Recipient(
                organization=organization,
                campaign=campaign,
                contact=contact,
                email=email,
                name=person["name"],
                company=person["company"],
                language=person["language"][:2],
                attributes={"plan": plan, "region": region},
                account_owner_id=person["account_owner_id"],
                status=Recipient.Status.SENT,
                sent_at=sent,
                expires_at=sent + timedelta(days=60),
                reminded_at=(
                    campaign.reminder_sent_at
                    if campaign.reminder_sent_at
                    and (not answers or answered_at > campaign.reminder_sent_at)
                    else None
                ),
                opened_at=answered_at - timedelta(minutes=3) if answers else None,
                responded_at=answered_at if answers else None,
            )
            recipients.append(recipient)
            if not answers:
                continue
            score = _score(rng, index)
            kind = category(score)
            responses.append(
                Response(
                    organization=organization,
                    survey=survey,
                    campaign=campaign,
                    recipient=recipient,
                    source=Response.Source.LINK,
                    score=score,
                    category=kind,
                    better=rng.choice(BETTER[kind]),
                    well=rng.choice(WELL[kind]),
                    may_quote=kind == "promoter" and rng.random() < 0.5,
                    language=recipient.language or "en",
                    email=email,
                    name=person["name"],
                    company=person["company"],
                    attributes={"plan": plan, "region": region},
                    account_owner_id=person["account_owner_id"],
                    created_at=answered_at,
                    month=month_of(answered_at, organization.time_zone),
                )
            )
    Recipient.objects.bulk_create(recipients, batch_size=500)
    Contact.objects.bulk_update(contacts.values(), ["last_surveyed_at"], batch_size=500)
    # A draft to try "recipients from pipeline contacts" on: it finds the
    # newest customers' people and skips those asked in the last 90 days.
    Campaign.objects.create(
        organization=organization, survey=survey, name="New customers' first survey"
    )
    Response.objects.bulk_create(responses, batch_size=500)
    # Bulk writes send no signals: every month's rollup is stale, and the
    # campaigns' counts and the sends by day are counted afresh.
    rollups.rollups_mark(organization.pk, [rollups.ALL])
    rollups.rollups_forget_days(organization.pk)
    counts.counts_rebuild(organization)
    sales_lead = next((m for m in people.values() if m.role == "sales_lead"), None)
    marketing_lead = next((m for m in people.values() if m.role == "marketing_lead"), None)
    followups = []
    recent = Response.objects.filter(
        organization=organization, created_at__gte=now - timedelta(days=60)
    ).exclude(category=Response.Category.PASSIVE)
    calendar = business_calendar(organization)
    for response in recent.order_by("created_at"):
        due = add_working_days(calendar, response.created_at, 2)
        closed = due < now and rng.random() < 0.75
        status = (
            rng.choice([FollowUp.Status.RESOLVED, FollowUp.Status.RESOLVED, FollowUp.Status.LOST])
            if closed
            else rng.choice([FollowUp.Status.OPEN, FollowUp.Status.CONTACTED])
        )
        late = rng.random() < 0.2
        closed_at = due + timedelta(hours=6) if late else due - timedelta(hours=rng.randint(2, 30))
        # A loop due a moment ago and closed late was closed just now, not later.
        closed_at = min(closed_at, now)
        is_recovery = response.category == Response.Category.DETRACTOR
        followups.append(
            FollowUp(
                organization=organization,
                response=response,
                kind=FollowUp.Kind.RECOVERY if is_recovery else FollowUp.Kind.ADVOCACY,
                play="" if is_recovery else rng.choice(["referral", "case_study", "review"]),
                status=status,
                sales_owner=response.account_owner or sales_lead,
                marketing_owner=marketing_lead,
                due_at=due,
                outcome=rng.choice(OUTCOMES) if closed else "",
                created_at=response.created_at,
                closed_at=closed_at if closed else None,
                escalated_at=due if (not closed and due < now) else None,
            )
        )
    FollowUp.objects.bulk_create(followups, batch_size=500)
    FollowUpEntry.objects.bulk_create(_timelines(followups, now), batch_size=500)
    from accord.feedback.themes import themes_update

    themes_update(organization_id=organization.pk)
