"""Northwind's pipeline: 18 months of campaigns, leads and opportunities.

A realistic funnel (MQL → accepted → SQL → opportunity → won), an agreed
hand-off agreement, a few SLA breaches each month, rejection reasons, and a
handful of fresh MQLs waiting in the triage queue. Deterministic (a seeded
random.Random, dates counted back from the start of the current month) and
idempotent: if Northwind already has its demo campaigns, nothing is written.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accord.lib.business_time import add_business_days, add_business_hours
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import business_calendar
from accord.pipeline import rollups
from accord.pipeline.models import (
    Account,
    AgreementStatus,
    BreachKind,
    Campaign,
    Contact,
    HandoffAgreement,
    Lead,
    Opportunity,
    OpportunityStatus,
    OpportunityTouch,
    RejectionReason,
    SlaBreach,
    SourceSystem,
    Stage,
)

MONTHS = 18
CAMPAIGNS = [
    ("demo-webinar", "Quarterly product webinar", "Webinar"),
    ("demo-ebook", "Forecasting e-book", "Content"),
    ("demo-ppc", "Search ads: inventory software", "Paid Search"),
    ("demo-linkedin", "LinkedIn retail managers", "Paid Social"),
    ("demo-expo", "RetailTech Expo booth", "Events"),
    ("demo-partner", "Partner referral programme", "Referrals"),
    ("demo-seo", "Blog and SEO", "Organic Search"),
]
# Rejection reasons, weighted the way sales tends to use them.
REASONS = [
    (RejectionReason.NOT_ICP, 30),
    (RejectionReason.BAD_DATA, 20),
    (RejectionReason.NO_BUDGET, 18),
    (RejectionReason.DUPLICATE, 10),
    (RejectionReason.IN_PIPELINE, 8),
    (RejectionReason.STUDENT_COMPETITOR, 9),
    (RejectionReason.OTHER, 5),
]
FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Zoe", "Omar", "Ines"]
LAST = ["Smith", "Garcia", "Müller", "Rossi", "Dubois", "Khan", "Nowak", "Silva", "Berg", "Ito"]
COMPANIES = ["Contoso", "Fabrikam", "Tailspin", "Wingtip", "Litware", "Adatum", "Proseware"]


# Northwind's customers (the companies whose people answer the feedback
# survey): name, industry, region, plan. The last two signed recently and
# have never been surveyed: adding "recipients from pipeline contacts" to a
# new campaign finds them, and skips everyone surveyed in the last 90 days.
CUSTOMERS = [
    ("Contoso", "Retail", "EMEA", "enterprise"),
    ("Fabrikam", "Wholesale", "NA", "enterprise"),
    ("Tailspin Toys", "Retail", "NA", "starter"),
    ("Wingtip", "Retail", "EMEA", "growth"),
    ("Litware", "Wholesale", "APAC", "growth"),
    ("Adventure Works", "Retail", "NA", "enterprise"),
    ("Proseware", "Wholesale", "EMEA", "starter"),
    ("Lucerne Publishing", "Retail", "EMEA", "growth"),
    ("Margie's Travel", "Retail", "APAC", "starter"),
    ("Coho Winery", "Wholesale", "NA", "growth"),
    ("Alpine Ski House", "Retail", "EMEA", "starter"),
    ("Blue Yonder Airlines", "Wholesale", "APAC", "enterprise"),
    ("Relecloud", "Retail", "NA", "growth"),
    ("Woodgrove", "Wholesale", "EMEA", "enterprise"),
]
NEW_CUSTOMERS = 2
CONTACTS_PER_CUSTOMER = 15
CONTACTS_PER_NEW_CUSTOMER = 4
LANGUAGES = {"EMEA": ["en", "en", "de", "fr", "es"], "NA": ["en"], "APAC": ["en"]}


def _customers(organization: Organization, people: dict[str, Membership]) -> None:
    """The customer accounts and their contacts, each account owned by a seller."""
    if Account.objects.filter(
        organization=organization, source_system=SourceSystem.ACCORD, source_id__startswith="demo-"
    ).exists():
        return
    rng = random.Random(20260202)
    sellers = [
        people[e]
        for e in ("sam@northwind.example", "alex@northwind.example", "jordan@northwind.example")
        if e in people
    ]
    contacts = []
    for n, (name, industry, region, plan) in enumerate(CUSTOMERS):
        slug = "".join(c for c in name.lower() if c.isalnum())
        account = Account.objects.create(
            organization=organization,
            source_system=SourceSystem.ACCORD,
            source_id=f"demo-{slug}",
            name=name,
            domain=f"{slug}.example",
            industry=industry,
            region=region,
            owner=sellers[n % len(sellers)] if sellers else None,
        )
        new = n >= len(CUSTOMERS) - NEW_CUSTOMERS
        names = [(first, last) for first in FIRST for last in LAST]
        rng.shuffle(names)
        for first, last in names[: CONTACTS_PER_NEW_CUSTOMER if new else CONTACTS_PER_CUSTOMER]:
            handle = f"{first}.{last}".lower().replace("ü", "ue")
            contacts.append(
                Contact(
                    organization=organization,
                    source_system=SourceSystem.ACCORD,
                    source_id=f"demo-{slug}-{handle}",
                    email=f"{handle}@{slug}.example",
                    name=f"{first} {last}",
                    company=name,
                    account=account,
                    language=rng.choice(LANGUAGES[region]),
                    attributes={"plan": plan},
                )
            )
    Contact.objects.bulk_create(contacts)


def _business_moment(rng: random.Random, day: date) -> datetime:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(8 + rng.randint(0, 9), rng.choice([0, 15, 30, 45])), UTC)


def seed(organization: Organization, people: dict[str, Membership]) -> None:
    _customers(organization, people)
    if Campaign.objects.filter(
        organization=organization, source_system=SourceSystem.ACCORD, source_id="demo-webinar"
    ).exists():
        return
    rng = random.Random(20260101)
    today = timezone.now().date()
    start = (today.replace(day=1) - timedelta(days=31 * (MONTHS - 1))).replace(day=1)
    sales = [people[e] for e in ("sam@northwind.example", "alex@northwind.example") if e in people]
    sales += [people[e] for e in ("jordan@northwind.example",) if e in people]
    sam = people.get("sam@northwind.example")
    maya = people.get("maya@northwind.example")
    marketers = [
        people[e]
        for e in ("maya@northwind.example", "priya@northwind.example", "leo@northwind.example")
        if e in people
    ]

    agreement = HandoffAgreement.objects.create(
        organization=organization,
        version=1,
        mql_definition=(
            "A retail or wholesale company with 20+ stores or €5M+ revenue whose contact "
            "requested a demo, attended a webinar and visited pricing, "
            "or was referred by a partner."
        ),
        monthly_mql_commitment=60,
        first_touch_hours=4,
        decision_days=2,
        day_start=time(9),
        day_end=time(17),
        status=AgreementStatus.ACTIVE,
        proposed_by=maya,
        created_at=datetime.combine(start - timedelta(days=7), time(10), UTC),
        sales_agreed_by=sam,
        sales_agreed_at=datetime.combine(start - timedelta(days=5), time(11), UTC),
        marketing_agreed_by=maya,
        marketing_agreed_at=datetime.combine(start - timedelta(days=6), time(15), UTC),
        marketing_comment="60 a month is a stretch, but the webinar series gets us there.",
        activated_at=datetime.combine(start - timedelta(days=5), time(11), UTC),
    )
    organization.holidays = sorted(
        {*organization.holidays}
        | {f"{y}-12-{d}" for y in range(start.year, today.year + 1) for d in (25, 26)}
    )
    organization.save(update_fields=["holidays"])
    calendar = replace(
        business_calendar(organization), day_start=agreement.day_start, day_end=agreement.day_end
    )
    campaigns = Campaign.objects.bulk_create(
        [
            Campaign(
                organization=organization,
                source_system=SourceSystem.ACCORD,
                source_id=source_id,
                name=name,
                channel=channel,
                started_on=start,
                cost=Decimal(rng.randint(5, 40) * 1000),
                owner=marketers[n % len(marketers)] if marketers else None,
            )
            for n, (source_id, name, channel) in enumerate(CAMPAIGNS)
        ]
    )
    now = timezone.now()
    leads: list[Lead] = []
    for month in range(MONTHS):
        month_start = (start + timedelta(days=31 * month)).replace(day=1)
        # Marketing grows into its commitment: ~45 MQLs early on, ~65 lately.
        count = 42 + month + rng.randint(-6, 6)
        for _ in range(count):
            day = month_start + timedelta(days=rng.randint(0, 27))
            mql_at = _business_moment(rng, day)
            if mql_at > now - timedelta(hours=2):
                continue
            campaign = rng.choice(campaigns)
            lead = Lead(
                organization=organization,
                source_system=SourceSystem.ACCORD,
                source_id=f"demo-lead-{len(leads) + 1}",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                company=f"{rng.choice(COMPANIES)} {rng.choice(['Retail', 'Stores', 'Group'])}",
                source=campaign.channel,
                campaign=campaign,
                owner=rng.choice(sales) if sales else None,
                stage=Stage.MQL,
                lead_at=mql_at - timedelta(days=rng.randint(1, 30)),
                mql_at=mql_at,
                mql_month=mql_at.astimezone(calendar.zone).strftime("%Y-%m"),
            )
            lead.email = f"{lead.source_id}@prospect.example"
            touch_roll = rng.random()
            if touch_roll < 0.78:
                lead.first_touch_at = add_business_hours(calendar, mql_at, rng.uniform(0.2, 3.8))
            elif touch_roll < 0.95:
                lead.first_touch_at = add_business_hours(calendar, mql_at, rng.uniform(4.5, 20))
            if lead.first_touch_at and lead.first_touch_at > now:
                lead.first_touch_at = None
            decision_roll = rng.random()
            decided_at = add_business_hours(calendar, mql_at, rng.uniform(2, 22))
            if decided_at < now and decision_roll < 0.92:
                if rng.random() < 0.68:
                    lead.accepted_at, lead.stage = decided_at, Stage.ACCEPTED
                else:
                    reason = rng.choices([r for r, _ in REASONS], [w for _, w in REASONS])[0]
                    lead.rejected_at, lead.stage = decided_at, Stage.REJECTED
                    lead.rejection_reason = reason
                    if reason == RejectionReason.OTHER:
                        lead.rejection_text = "Wants a self-serve plan we do not offer"
            if lead.accepted_at and rng.random() < 0.55:
                lead.sql_at = lead.accepted_at + timedelta(days=rng.randint(2, 10))
                lead.stage = Stage.SQL
                if rng.random() < 0.55:
                    lead.opportunity_at = lead.sql_at + timedelta(days=rng.randint(1, 7))
                    lead.stage = Stage.OPPORTUNITY
                    if rng.random() < 0.35:
                        lead.customer_at = lead.opportunity_at + timedelta(days=rng.randint(20, 70))
                        lead.stage = Stage.CUSTOMER
            for name in ("sql_at", "opportunity_at", "customer_at"):
                if getattr(lead, name) and getattr(lead, name) > now:
                    setattr(lead, name, None)
            leads.append(lead)
    Lead.objects.bulk_create(leads, batch_size=500)
    leads = list(Lead.objects.filter(organization=organization).order_by("pk"))

    opportunities: list[Opportunity] = []
    for lead in leads:
        if not lead.opportunity_at:
            continue
        won = lead.customer_at is not None
        closed_lost = not won and lead.opportunity_at < now - timedelta(days=60)
        if closed_lost and rng.random() < 0.3:
            closed_lost = False  # a few old deals are still open
        close = lead.customer_at or (lead.opportunity_at + timedelta(days=rng.randint(30, 90)))
        opportunities.append(
            Opportunity(
                organization=organization,
                source_system=SourceSystem.ACCORD,
                source_id=f"demo-opp-{lead.source_id}",
                name=f"{lead.company} — inventory platform",
                lead=lead,
                amount=Decimal(rng.randint(6, 90) * 1000),
                currency="EUR",
                stage="Closed Won" if won else "Closed Lost" if closed_lost else "Proposal",
                status=OpportunityStatus.WON
                if won
                else OpportunityStatus.LOST
                if closed_lost
                else OpportunityStatus.OPEN,
                created_on=lead.opportunity_at.date(),
                close_date=close.date(),
                source=lead.source,
                primary_campaign=lead.campaign,
                owner=lead.owner,
            )
        )
    # Sales-sourced deals: outbound, no campaign (a few touched by one later).
    for i in range(40):
        created = start + timedelta(days=rng.randint(0, 31 * MONTHS - 20))
        if created >= today:
            continue
        won = rng.random() < 0.3
        opportunities.append(
            Opportunity(
                organization=organization,
                source_system=SourceSystem.ACCORD,
                source_id=f"demo-outbound-{i}",
                name=f"{rng.choice(COMPANIES)} Outbound deal {i}",
                amount=Decimal(rng.randint(10, 120) * 1000),
                currency="EUR",
                stage="Closed Won" if won else "Negotiation",
                status=OpportunityStatus.WON if won else OpportunityStatus.OPEN,
                created_on=created,
                close_date=created + timedelta(days=rng.randint(30, 120)),
                source="Outbound",
                owner=rng.choice(sales) if sales else None,
            )
        )
    Opportunity.objects.bulk_create(opportunities, batch_size=500)
    touches = []
    for opp in Opportunity.objects.filter(organization=organization).select_related("lead"):
        created = datetime.combine(opp.created_on or start, time(12), UTC)
        chosen = rng.sample(
            campaigns, rng.randint(0, 3) if opp.primary_campaign else rng.randint(0, 1)
        )
        if opp.primary_campaign and opp.primary_campaign not in chosen:
            chosen.insert(0, opp.primary_campaign)
        for n, campaign in enumerate(chosen):
            touches.append(
                OpportunityTouch(
                    organization=organization,
                    opportunity=opp,
                    campaign=campaign,
                    touched_at=created - timedelta(days=30 - 10 * n),
                )
            )
    OpportunityTouch.objects.bulk_create(touches, batch_size=500, ignore_conflicts=True)

    breaches = []
    for lead in leads:
        assert lead.mql_at is not None
        touch_due = add_business_hours(calendar, lead.mql_at, agreement.first_touch_hours)
        decision_due = add_business_days(calendar, lead.mql_at, agreement.decision_days)
        if touch_due < now and (lead.first_touch_at is None or lead.first_touch_at > touch_due):
            breaches.append((lead, BreachKind.FIRST_TOUCH, touch_due))
        decided = lead.accepted_at or lead.rejected_at
        if decision_due < now and (decided is None or decided > decision_due):
            breaches.append((lead, BreachKind.DECISION, decision_due))
    SlaBreach.objects.bulk_create(
        [
            SlaBreach(
                organization=organization,
                lead=lead,
                kind=kind,
                due_at=due,
                detected_at=due,
                owner=lead.owner,
            )
            for lead, kind, due in breaches
        ],
        batch_size=500,
    )
    # Bulk writes send no signals: every month's rollup is stale.
    rollups.rollups_mark(organization.pk, [rollups.ALL])
    from accord.jobs.services import job_enqueue
    from accord.pipeline.jobs import sla_check
    from accord.pipeline.services import lead_sla_refresh

    lead_sla_refresh(organization=organization)
    # The worker watches the agreement from now on, as after a real agreement.
    job_enqueue(sla_check, organization_id=organization.pk, agreement_id=agreement.pk)
