"""Northwind's customer feedback: a year of answers with realistic comments,
open and closed follow-ups, and themes. Idempotent and deterministic."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accord.feedback import rollups
from accord.feedback.models import Campaign, FeedbackSettings, FollowUp, Response, Survey
from accord.feedback.services import month_of
from accord.lib.business_time import add_working_days
from accord.lib.nps import category
from accord.orgs.models import Membership, Organization
from accord.orgs.selectors import business_calendar

SURVEY_NAME = "Northwind customer survey"

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
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kara",
    "Luca",
    "Mei",
    "Nils",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
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
    owners = [m for m in people.values() if m.team and m.team.kind == "sales"]
    now = timezone.now()
    start = now - timedelta(days=365)
    campaigns = []
    for quarter in range(4):
        sent = start + timedelta(days=quarter * 91 + 5)
        campaigns.append(
            Campaign.objects.create(
                organization=organization,
                survey=survey,
                name=f"Quarterly NPS {sent:%Y} Q{(sent.month - 1) // 3 + 1}",
                status=Campaign.Status.SENT,
                created_at=sent,
                sent_at=sent,
                reminder_sent_at=sent + timedelta(days=3),
            )
        )
    responses = []
    for day in range(0, 365, 1):
        moment = start + timedelta(days=day, hours=rng.randint(8, 18))
        for _ in range(rng.choice([0, 1, 1, 2])):
            company, plan, region = rng.choice(COMPANIES)
            score = _score(rng, day // 30)
            kind = category(score)
            name = rng.choice(FIRST_NAMES)
            owner = rng.choice(owners) if owners and rng.random() < 0.8 else None
            responses.append(
                Response(
                    organization=organization,
                    survey=survey,
                    campaign=campaigns[min(3, day // 91)],
                    source=Response.Source.LINK,
                    score=score,
                    category=kind,
                    better=rng.choice(BETTER[kind]),
                    well=rng.choice(WELL[kind]),
                    may_quote=kind == "promoter" and rng.random() < 0.5,
                    language=rng.choice(["en", "en", "en", "de", "fr", "es"]),
                    email=f"{name.lower()}.{company.split()[0].lower()}@customer.example",
                    name=name,
                    company=company,
                    attributes={"plan": plan, "region": region},
                    account_owner=owner,
                    created_at=moment,
                    month=month_of(moment, organization.time_zone),
                )
            )
    Response.objects.bulk_create(responses, batch_size=500)
    # Bulk writes send no signals: every month's rollup is stale.
    rollups.rollups_mark(organization.pk, [rollups.ALL])
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
    from accord.feedback.themes import themes_update

    themes_update(organization_id=organization.pk)
