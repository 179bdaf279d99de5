"""Property: after any sequence of writes, imports, edits and deletions of
leads, breaches, opportunities, their campaign touches and survey responses
(and the clock moving on, and the organisation's time zone changing, and
campaigns renamed or handed to another marketer), the answers read from the
rollups (SLA compliance and NPS by month, the funnel in total and by source,
campaign and month, its attribution block over all history and from a day or
a month on, SLA compliance
per lead owner and per marketer, the rejection reasons, the triage queue's
size and sources, NPS by account owner, campaign, language and segment over
whole and partial months, and the goals' computed metrics, lead, opportunity
and NPS ones, over whole and partial months) equal a fresh computation
from the rows themselves, whether the worker refreshed in between or not;
reading them writes nothing; what is stored equals a fresh count once
refreshed; and every stored month is the month of its instant in the
organisation's time zone."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import statistics
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from accord.feedback import rollups as feedback_rollups
from accord.feedback import selectors as feedback_selectors
from accord.feedback.models import Campaign as SurveyCampaign
from accord.feedback.models import (
    Response,
    ResponseMonthRollup,
    ResponseRollupMark,
    ResponseSegmentRollup,
    Survey,
)
from accord.feedback.selectors import nps_by
from accord.feedback.services import month_of, responses_import
from accord.feedback.tests.factories import ResponseFactory
from accord.goals.selectors import metric_values_many
from accord.insights.rollups import rollups_refresh_due
from accord.lib.local_time import day_start, month_key
from accord.lib.nps import category
from accord.orgs.jobs import organization_months_refile
from accord.orgs.services import organization_update
from accord.pipeline import opportunity_rollups
from accord.pipeline import rollups as pipeline_rollups
from accord.pipeline import selectors as pipeline_selectors
from accord.pipeline.importer import run_import
from accord.pipeline.models import (
    BreachKind,
    Campaign,
    Lead,
    LeadGroupRollup,
    LeadMonthRollup,
    LeadRollupMark,
    Opportunity,
    OpportunityRollup,
    OpportunityStatus,
    OpportunityTouch,
    RejectionReason,
    SlaBreach,
    SourceSystem,
    Stage,
)
from accord.pipeline.selectors import (
    STAGE_DATES,
    attribution,
    compliance,
    funnel,
    funnel_cohort,
    median_days,
    rejection_reasons,
)
from accord.pipeline.services import import_run_create, lead_sla_refresh

START = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
HOURS = (None, 1.0, 3.5, 4.0, 4.5, 9.0, 20.0)
MONTHS_BACK = st.integers(min_value=0, max_value=8)
# 0: mid-month; 1: 00:30 UTC on the 1st; 2: 23:30 UTC on the last day before it.
EDGE = st.integers(min_value=0, max_value=2)
ZONES = ("UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati")
# An opportunity's created or close month (None: no date).
OPP_MONTH = st.one_of(st.none(), MONTHS_BACK)
OPP_STATUS = st.sampled_from(list(OpportunityStatus))

ACTIONS = st.one_of(
    st.tuples(
        st.just("lead"),
        MONTHS_BACK,
        st.sampled_from(HOURS),
        st.sampled_from(HOURS),
        st.sampled_from(["", "accepted", "rejected", "sql"]),
        EDGE,
    ),
    st.tuples(st.just("lead_edit"), st.integers(0, 30), st.sampled_from(HOURS), MONTHS_BACK),
    st.tuples(st.just("lead_delete"), st.integers(0, 30)),
    st.tuples(st.just("breach"), st.integers(0, 30), st.sampled_from(list(BreachKind))),
    st.tuples(st.just("breach_delete"), st.integers(0, 30)),
    st.tuples(st.just("lead_import"), st.integers(0, 5), MONTHS_BACK),
    st.tuples(st.just("sla_refresh")),
    st.tuples(st.just("response"), MONTHS_BACK, st.integers(0, 10), EDGE),
    st.tuples(st.just("response_edit"), st.integers(0, 30), st.integers(0, 10), MONTHS_BACK),
    st.tuples(st.just("response_delete"), st.integers(0, 30)),
    st.tuples(st.just("response_import"), MONTHS_BACK, st.integers(0, 10)),
    st.tuples(
        st.just("lead_regroup"),
        st.integers(0, 30),
        st.integers(0, 4),
        st.sampled_from(["", "Email", "Events"]),
        st.integers(0, 2),
        st.sampled_from(["", *RejectionReason.values[:2]]),
        st.sampled_from(["", "opportunity", "won"]),
    ),
    st.tuples(st.just("campaign_edit"), st.integers(0, 1), st.integers(0, 4), st.booleans()),
    st.tuples(
        st.just("response_regroup"),
        st.integers(0, 30),
        st.integers(0, 4),
        st.integers(0, 2),
        st.sampled_from(["", "en", "de"]),
        st.sampled_from([None, "", "Gold", "Silver"]),
    ),
    st.tuples(
        st.just("opp"),
        OPP_MONTH,
        OPP_MONTH,
        OPP_STATUS,
        st.sampled_from([600, 1200, 3000]),
        st.integers(0, 2),
        st.integers(0, 3),
    ),
    st.tuples(st.just("opp_edit"), st.integers(0, 30), OPP_MONTH, OPP_MONTH, OPP_STATUS),
    st.tuples(st.just("opp_regroup"), st.integers(0, 30), st.integers(0, 2), st.integers(0, 5)),
    st.tuples(st.just("opp_delete"), st.integers(0, 30)),
    st.tuples(st.just("touch"), st.integers(0, 30), st.integers(0, 1), MONTHS_BACK),
    st.tuples(st.just("touch_delete"), st.integers(0, 30)),
    st.tuples(st.just("opp_import"), st.integers(0, 3), MONTHS_BACK, OPP_MONTH, OPP_STATUS),
    st.tuples(st.just("worker")),
    st.tuples(st.just("clock"), st.integers(1, 40)),
    st.tuples(st.just("zone"), st.sampled_from(ZONES)),
)


def months_back(now: dt.datetime, back: int) -> dt.datetime:
    moment = now
    for _ in range(back):
        moment = moment.replace(day=1) - dt.timedelta(days=1)
    return moment.replace(day=min(now.day, 28), hour=10)


def near_month_start(now: dt.datetime, back: int, edge: int) -> dt.datetime:
    """``months_back``, or (``edge``) just after or just before the UTC start of
    that month, where the organisation's zone decides the month."""
    moment = months_back(now, back)
    first = moment.replace(day=1, hour=0, minute=0)
    return {0: moment, 1: first + dt.timedelta(minutes=30), 2: first - dt.timedelta(minutes=30)}[
        edge
    ]


def nth(queryset: Any, index: int) -> Any:
    found = list(queryset.order_by("pk"))
    return found[index % len(found)] if found else None


def pick(options: list[Any], index: int) -> Any:
    """One of ``options`` (None past their end: no owner, no campaign)."""
    return options[index] if index < len(options) else None


def import_text(owner: Any, kind: str, fmt: str, text: str) -> None:
    """Import ``text`` as a file of ``kind`` in format ``fmt``, as the worker would."""
    run = import_run_create(
        membership=owner,
        kind=kind,
        format=fmt,
        filename="x.csv",
        stored_path="",
        file_size=len(text),
        enqueue=False,
    )
    run_import(run, io.BytesIO(text.encode()))


def apply(action: tuple[Any, ...], acme: Any, owner: Any, clock: Any) -> None:
    name = action[0]
    people = list(acme.memberships.order_by("pk"))
    now = dt.datetime.now(dt.UTC)
    leads = Lead.objects.filter(organization=acme)
    if name == "lead":
        _, back, touch, decision, outcome, edge = action
        mql_at = near_month_start(now, back, edge)
        Lead.objects.create(
            organization=acme,
            source_system=SourceSystem.ACCORD,
            source_id=f"p-{Lead.objects.count()}-{now.timestamp()}",
            mql_at=mql_at,
            mql_month=month_key(mql_at, acme.time_zone),
            first_touch_hours=touch,
            first_touch_at=mql_at + dt.timedelta(hours=1) if touch is not None else None,
            decision_hours=decision if outcome else None,
            accepted_at=mql_at if outcome in ("accepted", "sql") else None,
            rejected_at=mql_at if outcome == "rejected" else None,
            sql_at=mql_at + dt.timedelta(days=1) if outcome == "sql" else None,
        )
    elif name == "lead_edit" and (lead := nth(leads, action[1])) is not None:
        lead.first_touch_hours = action[2]
        lead.mql_at = months_back(now, action[3])
        lead.mql_month = month_key(lead.mql_at, acme.time_zone)
        lead.save()
    elif name == "lead_delete" and (lead := nth(leads, action[1])) is not None:
        lead.delete()
    elif name == "breach" and (lead := nth(leads, action[1])) is not None:
        with contextlib.suppress(Exception), transaction.atomic():
            SlaBreach.objects.create(
                organization=acme, lead=lead, kind=action[2], due_at=now, owner=None
            )
    elif name == "breach_delete":
        breach = nth(SlaBreach.objects.filter(organization=acme), action[1])
        if breach is not None:
            breach.delete()
    elif name == "lead_import":
        when = months_back(now, action[2])
        text = (
            "Record ID,Email,Lifecycle Stage,Became a Marketing Qualified Lead Date\n"
            f"{action[1]},x{action[1]}@p.example,marketingqualifiedlead,{when:%Y-%m-%d %H:%M}\n"
        )
        import_text(owner, "leads", "hubspot", text)
    elif name == "sla_refresh":
        Lead.objects.filter(organization=acme).update(first_touch_hours=None)
        # Bypasses signals like the bulk paths; the service marks what it measures.
        pipeline_rollups.rollups_mark(acme.pk, [pipeline_rollups.ALL])
        lead_sla_refresh(organization=acme)
    elif name == "response":
        moment = near_month_start(now, action[1], action[3])
        ResponseFactory(
            organization=acme, score=action[2], created_at=moment, source=Response.Source.LINK
        )
    elif name == "response_edit":
        response = nth(Response.objects.filter(organization=acme), action[1])
        if response is not None:
            response.score, response.category = action[2], category(action[2])
            response.created_at = months_back(now, action[3])
            response.month = month_of(response.created_at, acme.time_zone)
            response.save()
    elif name == "response_delete":
        response = nth(Response.objects.filter(organization=acme), action[1])
        if response is not None:
            response.delete()
    elif name == "response_import":
        when = months_back(now, action[1])
        data = f"email,score,date\n,{action[2]},{when:%Y-%m-%d}\n"
        responses_import(membership=owner, data=data.encode(), fmt="generic")
    elif name == "zone":
        # The settings change queues the job; the worker runs it.
        organization_update(membership=owner, time_zone=action[1])
        organization_months_refile(organization_id=acme.pk)
        acme.refresh_from_db()
    elif name == "lead_regroup" and (lead := nth(leads, action[1])) is not None:
        _, _, person, source, campaign, reason, stage = action
        lead.owner = pick(people, person)
        lead.source = source
        lead.campaign = pick(
            list(Campaign.objects.filter(organization=acme).order_by("pk")), campaign
        )
        if reason and lead.mql_at is not None:
            lead.rejected_at, lead.rejection_reason = lead.mql_at, reason
        else:
            lead.rejection_reason = reason
        if lead.mql_at is not None and stage:
            lead.opportunity_at = lead.mql_at + dt.timedelta(days=3)
            lead.customer_at = lead.mql_at + dt.timedelta(days=9) if stage == "won" else None
            # Past the decision: the lead leaves the triage queue.
            lead.stage = Stage.CUSTOMER if stage == "won" else Stage.OPPORTUNITY
        lead.save()
    elif name == "campaign_edit":
        # No lead changes: the readers look names and owners up.
        campaign = Campaign.objects.filter(organization=acme).order_by("pk")[action[1]]
        campaign.owner = pick(people, action[2])
        campaign.name = "Webinar" if action[3] else f"Campaign {campaign.pk}"
        campaign.save()
    elif name == "response_regroup":
        response = nth(Response.objects.filter(organization=acme), action[1])
        if response is not None:
            _, _, person, campaign, language, plan = action
            response.account_owner = pick(people, person)
            response.campaign = pick(
                list(SurveyCampaign.objects.filter(organization=acme).order_by("pk")), campaign
            )
            response.language = language
            response.attributes = {"region": "EMEA"} if plan is None else {"plan": plan}
            response.save()
    elif name in ("opp", "opp_edit", "opp_regroup", "opp_delete", "touch", "touch_delete"):
        apply_opportunity(action, acme, now)
    elif name == "opp_import":
        _, n, created, closed, status = action
        stage = {"won": "Closed Won", "lost": "Closed Lost", "open": "Proposal"}[status]
        close = f"{months_back(now, closed):%m/%d/%Y}" if closed is not None else ""
        text = (
            "Opportunity ID,Opportunity Name,Amount,Stage,Close Date,Created Date\n"
            f"0065e00000Imp{n},Deal {n},{600 * (n + 1)},{stage},{close},"
            f"{months_back(now, created):%m/%d/%Y}\n"
        )
        import_text(owner, "opportunities", "salesforce", text)
    elif name == "worker":
        rollups_refresh_due()
    elif name == "clock":
        clock.shift(dt.timedelta(days=action[1]))


def apply_opportunity(action: tuple[Any, ...], acme: Any, now: dt.datetime) -> None:
    """The opportunity actions: written through the ORM, as forms and syncs do."""
    name = action[0]
    campaigns = list(Campaign.objects.filter(organization=acme).order_by("pk"))
    opportunities = Opportunity.objects.filter(organization=acme)

    def day(back: int | None) -> dt.date | None:
        return months_back(now, back).date() if back is not None else None

    if name == "opp":
        _, created, closed, status, amount, primary, touches = action
        opportunity = Opportunity.objects.create(
            organization=acme,
            source_system=SourceSystem.ACCORD,
            source_id=f"o-{Opportunity.objects.count()}-{now.timestamp()}",
            name="Deal",
            amount=amount,
            status=status,
            created_on=day(created),
            close_date=day(closed),
            primary_campaign=pick(campaigns, primary),
        )
        for n, campaign in enumerate(campaigns):
            if touches & (1 << n):
                OpportunityTouch.objects.create(
                    organization=acme,
                    opportunity=opportunity,
                    campaign=campaign,
                    touched_at=now - dt.timedelta(days=n),
                )
    elif name == "opp_edit" and (opportunity := nth(opportunities, action[1])) is not None:
        opportunity.created_on, opportunity.close_date = day(action[2]), day(action[3])
        opportunity.status = action[4]
        opportunity.save()
    elif name == "opp_regroup" and (opportunity := nth(opportunities, action[1])) is not None:
        opportunity.primary_campaign = pick(campaigns, action[2])
        opportunity.amount = 600 * action[3]
        opportunity.save()
    elif name == "opp_delete" and (opportunity := nth(opportunities, action[1])) is not None:
        opportunity.delete()
    elif name == "touch" and (opportunity := nth(opportunities, action[1])) is not None:
        OpportunityTouch.objects.get_or_create(
            opportunity=opportunity,
            campaign=campaigns[action[2]],
            defaults={"organization": acme, "touched_at": months_back(now, action[3])},
        )
    elif name == "touch_delete":
        touch = nth(OpportunityTouch.objects.filter(organization=acme), action[1])
        if touch is not None:
            touch.delete()


def fresh_attribution(acme: Any, since: dt.date | None) -> dict[str, Any]:
    """The attribution block counted here in Python from the opportunities."""
    sums = dict.fromkeys(
        ("pipeline", "revenue", "sourced", "sourced_won", "influenced", "influenced_won"),
        Decimal(0),
    )
    credits: dict[str, dict[str, Decimal]] = {}

    def credit(name: str, model: str, amount: Decimal) -> None:
        found = credits.setdefault(name, dict.fromkeys(("first", "last", "linear"), Decimal(0)))
        found[model] += amount

    for opportunity in Opportunity.objects.filter(organization=acme).select_related(
        "primary_campaign"
    ):
        if since is not None and (opportunity.created_on is None or opportunity.created_on < since):
            continue
        names = [
            t.campaign.name
            for t in sorted(
                opportunity.touches.select_related("campaign"),
                key=lambda t: (t.touched_at is not None, t.touched_at, t.pk),
            )
        ]
        won = opportunity.status == OpportunityStatus.WON
        sourced = opportunity.primary_campaign is not None
        amount = opportunity.amount
        for key, counted in (
            ("pipeline", True),
            ("revenue", won),
            ("sourced", sourced),
            ("sourced_won", sourced and won),
            ("influenced", sourced or bool(names)),
            ("influenced_won", (sourced or bool(names)) and won),
        ):
            sums[key] += amount if counted else 0
        if won and names:
            credit(names[0], "first", amount)
            credit(names[-1], "last", amount)
            for name in names:
                credit(name, "linear", amount / len(names))
        elif won and opportunity.primary_campaign is not None:
            for model in ("first", "last", "linear"):
                credit(opportunity.primary_campaign.name, model, amount)
    cent = Decimal("0.01")
    return {
        "sums": sums,
        "by_campaign": {
            name: tuple(v.quantize(cent) for v in found.values())
            for name, found in sorted(credits.items())
        },
    }


def read_attribution(acme: Any, since: dt.date | None) -> dict[str, Any]:
    found = attribution(acme, start=since)
    return {
        "sums": {
            "pipeline": found.total_pipeline,
            "revenue": found.total_revenue,
            "sourced": found.sourced_pipeline,
            "sourced_won": found.sourced_revenue,
            "influenced": found.influenced_pipeline,
            "influenced_won": found.influenced_revenue,
        },
        "by_campaign": {
            name: (v["first_touch"], v["last_touch"], v["linear"])
            for name, v in found.by_campaign.items()
        },
    }


def opportunity_tuple(row: OpportunityRollup) -> tuple[Any, ...]:
    exact = Decimal("0.0000000001")
    return (
        row.by,
        row.month,
        row.key,
        row.opportunities,
        *(Decimal(getattr(row, n)).quantize(exact) for n in opportunity_rollups.AMOUNTS),
        *(Decimal(getattr(row, n)).quantize(exact) for n in opportunity_rollups.CREDITS),
        row.won,
        row.lost,
        tuple(sorted(row.cycle_days.items())),
    )


def by_month(lead: Lead) -> str:
    return lead.mql_month


def by_owner(lead: Lead) -> str:
    return lead.owner.user.email if lead.owner is not None else "(no owner)"


def by_marketer(lead: Lead) -> str:
    found = lead.campaign.owner if lead.campaign is not None else None
    return found.user.email if found is not None else "(no owner)"


def fresh_compliance(acme: Any, key: Any = by_month) -> dict[str, tuple[Any, ...]]:
    """SLA compliance by month (or ``key``) counted here in Python from the
    leads (limits of the fixture's agreement: 4 hours to touch, 2 days of 8
    hours to decide)."""
    out: dict[str, list[Any]] = {}
    hours: dict[str, list[float]] = {}
    breaches = set(SlaBreach.objects.filter(organization=acme).values_list("lead_id", "kind"))
    for lead in Lead.objects.filter(organization=acme, mql_at__isnull=False).select_related(
        "owner__user", "campaign__owner__user"
    ):
        group = key(lead)
        row = out.setdefault(group, [0] * 7)
        touch, decision = lead.first_touch_hours, lead.decision_hours
        undecided = lead.accepted_at is None and lead.rejected_at is None
        row[0] += 1
        row[1] += touch is not None and touch <= 4
        row[2] += (touch is not None and touch > 4) or (
            (lead.pk, BreachKind.FIRST_TOUCH) in breaches and lead.first_touch_at is None
        )
        row[3] += decision is not None and decision <= 16
        row[4] += (decision is not None and decision > 16) or (
            (lead.pk, BreachKind.DECISION) in breaches and undecided
        )
        row[5] += lead.accepted_at is not None
        row[6] += lead.rejected_at is not None
        if touch is not None:
            hours.setdefault(group, []).append(touch)
    return {
        group: (
            *row,
            statistics.median(hours[group]) if group in hours else None,
        )
        for group, row in out.items()
    }


STAGES = ("mql", "accepted", "sql", "opportunity", "won")


def reached(lead: Lead) -> tuple[int, ...]:
    later = [lead.accepted_at, lead.sql_at, lead.opportunity_at, lead.customer_at]
    return (
        1,
        int(any(later)),
        int(any(later[1:])),
        int(any(later[2:])),
        int(lead.customer_at is not None),
    )


def fresh_funnel(acme: Any, by: str | None, since: str | None) -> dict[str, Any]:
    """The funnel's stage counts in total and by group, counted in Python, and
    its medians as the funnel counted them from the leads before the rollups."""
    totals = [0] * 5
    groups: dict[str, list[int]] = {}
    for lead in Lead.objects.filter(organization=acme, mql_at__isnull=False).select_related(
        "campaign"
    ):
        if since is not None and lead.mql_month < since:
            continue
        counts = reached(lead)
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        if by is not None:
            value: str | None = {
                "source": lead.source,
                "campaign": lead.campaign.name if lead.campaign else None,
                "month": lead.mql_month,
            }[by]
            key = value if value else "(none)"
            row = groups.setdefault(key, [0] * 5)
            groups[key] = [a + b for a, b in zip(row, counts, strict=True)]
    cohort = funnel_cohort(
        acme, since=dt.date.fromisoformat(f"{since}-01") if since is not None else None
    )
    medians = {name: median_days(cohort, a, b) for name, a, b in STAGE_DATES}
    return {
        "stages": [(s, n, medians.get(s)) for s, n in zip(STAGES, totals, strict=True)],
        "groups": {k: tuple(v) for k, v in groups.items()},
    }


def read_funnel(acme: Any, by: str | None, since: str | None) -> dict[str, Any]:
    found = funnel(
        acme, by=by, since=dt.date.fromisoformat(f"{since}-01") if since is not None else None
    )
    return {
        "stages": [
            (s["stage"], s["count"], s["median_days_from_previous"]) for s in found["stages"]
        ],
        "groups": {g["key"]: tuple(s["count"] for s in g["stages"]) for g in found["groups"]},
    }


def fresh_reasons(acme: Any) -> dict[str, Any]:
    labels = dict(RejectionReason.choices)
    totals: dict[str, int] = {}
    trend: dict[str, dict[str, int]] = {}
    for lead in Lead.objects.filter(
        organization=acme, mql_at__isnull=False, rejected_at__isnull=False
    ):
        label = labels.get(lead.rejection_reason, lead.rejection_reason or "(none)")
        totals[label] = totals.get(label, 0) + 1
        month = trend.setdefault(lead.mql_month, {})
        month[label] = month.get(label, 0) + 1
    return {"totals": totals, "by_month": trend}


def fresh_nps_by(acme: Any, by: str, since: dt.date | None) -> dict[str, tuple[int, int, int]]:
    out: dict[str, list[int]] = {}
    responses = Response.objects.filter(organization=acme).select_related(
        "account_owner__user", "campaign"
    )
    if since is not None:
        responses = responses.filter(created_at__gte=day_start(since, acme.time_zone))
    for response in responses:
        if by == "owner":
            owner = response.account_owner
            value = owner.user.email if owner is not None else None
        elif by == "campaign":
            value = response.campaign.name if response.campaign is not None else None
        elif by == "language":
            value = response.language
        else:
            value = (response.attributes or {}).get(by)
        key = str(value) if value not in (None, "") else "(none)"
        row = out.setdefault(key, [0, 0, 0])
        row[["promoter", "passive", "detractor"].index(response.category)] += 1
    return {key: (row[0], row[1], row[2]) for key, row in out.items()}


def group_tuple(row: LeadGroupRollup) -> tuple[Any, ...]:
    return (
        row.by,
        row.month,
        row.key,
        *(getattr(row, n) for n in pipeline_rollups.GROUP_COUNTS),
        tuple(sorted(row.first_touch_histogram.items())),
        tuple((stage, tuple(sorted(h.items()))) for stage, h in sorted(row.stage_days.items())),
    )


def group_rows(acme: Any) -> set[tuple[Any, ...]]:
    return {group_tuple(r) for r in LeadGroupRollup.objects.filter(organization=acme)}


def fresh_group_rows(acme: Any) -> set[tuple[Any, ...]]:
    fresh = pipeline_rollups._compute_groups(acme, None, pipeline_rollups.GROUP_COLUMNS)
    return {group_tuple(r) for r in fresh}


def fresh_sqls(acme: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for lead in Lead.objects.filter(organization=acme, mql_at__isnull=False):
        reached = any((lead.sql_at, lead.opportunity_at, lead.customer_at))
        out[lead.mql_month] = out.get(lead.mql_month, 0) + reached
    return out


def fresh_nps(acme: Any) -> dict[str, tuple[int, int, int]]:
    out: dict[str, list[int]] = {}
    for response in Response.objects.filter(organization=acme):
        row = out.setdefault(response.month.strftime("%Y-%m"), [0, 0, 0])
        row[["promoter", "passive", "detractor"].index(response.category)] += 1
    return {month: (row[0], row[1], row[2]) for month, row in out.items()}


GOAL_METRICS = (
    "mql_to_sql_conversion",
    "sql_acceptance_rate",
    "median_first_touch_hours",
    "lead_sla_compliance",
    "nps",
    "marketing_sourced_pipeline",
    "marketing_influenced_pipeline",
    "win_rate",
    "sales_cycle_days",
)


def periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Whole months, partial months at either end, and spans of both."""
    first = today.replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    long_ago = (before - dt.timedelta(days=100)).replace(day=1)
    return [
        (first, today),
        (before, first - dt.timedelta(days=1)),
        (long_ago, today),
        (long_ago + dt.timedelta(days=9), before + dt.timedelta(days=12)),
        (before + dt.timedelta(days=3), before + dt.timedelta(days=5)),
        (long_ago, long_ago + dt.timedelta(days=300)),
    ]


def fresh_metrics(acme: Any, requests: list[tuple[str, dt.date, dt.date]]) -> list[Any]:
    """Each metric counted from the rows over its period, as before the rollups:
    every period's metrics of one source in one call (each metric runs its
    own queries either way; the calendar and agreement are read once)."""
    wanted: dict[tuple[Any, dt.date, dt.date], set[str]] = {}
    for key, start, end in requests:
        live = pipeline_selectors if key != "nps" else feedback_selectors
        wanted.setdefault((live, start, end), set()).add(key)
    found = {
        (live, start, end): live.metric_values(acme, start, end, keys=tuple(sorted(keys)))
        for (live, start, end), keys in wanted.items()
    }
    return [
        found[(pipeline_selectors if key != "nps" else feedback_selectors, start, end)][key]
        for key, start, end in requests
    ]


def marks(acme: Any) -> tuple[list[Any], list[Any]]:
    return (
        sorted(LeadRollupMark.objects.filter(organization=acme).values_list("month", flat=True)),
        sorted(
            ResponseRollupMark.objects.filter(organization=acme).values_list("month", flat=True)
        ),
    )


def check(acme: Any) -> None:
    for response in Response.objects.filter(organization=acme):
        assert response.month == month_of(response.created_at, acme.time_zone)
    for mql_at, mql_month in Lead.objects.filter(organization=acme).values_list(
        "mql_at", "mql_month"
    ):
        assert mql_month == (month_key(mql_at, acme.time_zone) if mql_at else "")
    marked = marks(acme)
    requests = [
        (key, start, end)
        for start, end in periods(dt.datetime.now(dt.UTC).date())
        for key in GOAL_METRICS
    ]
    assert metric_values_many(acme, requests) == fresh_metrics(acme, requests)
    rows = compliance(acme, by="month")
    assert {
        r.key: (
            r.mqls,
            r.touched_in_time,
            r.touched_late,
            r.decided_in_time,
            r.decided_late,
            r.accepted,
            r.rejected,
            r.median_first_touch_hours,
        )
        for r in rows
    } == fresh_compliance(acme)
    found = nps_by(acme, by="month")
    assert {g.key: (g.promoters, g.passives, g.detractors) for g in found.groups} == fresh_nps(acme)
    for key in (by_owner, by_marketer):
        rows = compliance(acme, by=key.__name__.removeprefix("by_"))
        assert {
            r.key: (
                r.mqls,
                r.touched_in_time,
                r.touched_late,
                r.decided_in_time,
                r.decided_late,
                r.accepted,
                r.rejected,
                r.median_first_touch_hours,
            )
            for r in rows
        } == fresh_compliance(acme, key)
    today = dt.datetime.now(dt.UTC).date()
    a_while_ago = months_back(dt.datetime.now(dt.UTC), 3).strftime("%Y-%m")
    for by in (None, "source", "campaign", "month"):
        for since in (None, a_while_ago):
            assert read_funnel(acme, by, since) == fresh_funnel(acme, by, since)
    assert rejection_reasons(acme) == fresh_reasons(acme)
    # All history, from a month's first day, and from mid-month.
    two_months_ago = (today.replace(day=1) - dt.timedelta(days=40)).replace(day=1)
    for start in (None, two_months_ago, today - dt.timedelta(days=75)):
        assert read_attribution(acme, start) == fresh_attribution(acme, start)
    member = acme.memberships.order_by("pk").first()
    queue = pipeline_selectors.triage_queue(member)
    assert pipeline_selectors.triage_count(member) == queue.count()
    assert pipeline_selectors.triage_sources(member) == sorted(
        {source for source in queue.values_list("source", flat=True) if source}
    )
    for by in ("owner", "campaign", "language", "plan", "region"):
        # All history, whole months, and a period starting mid-month.
        for day in (None, today.replace(day=1), today - dt.timedelta(days=75)):
            found = nps_by(acme, by=by, since=day)
            assert {
                g.key: (g.promoters, g.passives, g.detractors) for g in found.groups
            } == fresh_nps_by(acme, by, day)
    # Reading wrote nothing: the marks are still there for the worker.
    assert marks(acme) == marked
    # What is stored equals a fresh count too, once refreshed.
    rollups_refresh_due()
    stored = {
        r.month: tuple(getattr(r, n) for n in pipeline_rollups.COUNTS)
        for r in LeadMonthRollup.objects.filter(organization=acme)
    }
    assert stored == {m: v[:7] for m, v in fresh_compliance(acme).items()}
    assert {
        r.month: r.sqls for r in LeadMonthRollup.objects.filter(organization=acme)
    } == fresh_sqls(acme)
    assert metric_values_many(acme, requests) == fresh_metrics(acme, requests)
    boundary = feedback_rollups.live_from()
    stored_nps = {
        r.month.strftime("%Y-%m"): (r.promoters, r.passives, r.detractors)
        for r in ResponseMonthRollup.objects.filter(organization=acme, month__lt=boundary)
    }
    assert stored_nps == {
        m: v for m, v in fresh_nps(acme).items() if m < boundary.strftime("%Y-%m")
    }
    assert group_rows(acme) == fresh_group_rows(acme)
    assert {opportunity_tuple(r) for r in OpportunityRollup.objects.filter(organization=acme)} == {
        opportunity_tuple(r) for r in opportunity_rollups.compute_months(acme, None)
    }
    stored_segments = {
        (r.by, r.month, r.key, r.promoters, r.passives, r.detractors)
        for r in ResponseSegmentRollup.objects.filter(organization=acme)
    }
    assert stored_segments == {
        (r.by, r.month, r.key, r.promoters, r.passives, r.detractors)
        for r in feedback_rollups._segment_rows(acme, None, boundary)
    }


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    # Each example replays up to 15 writes and reads: shrinking one ran past
    # five minutes, so a failure reports the actions as drawn (``note``).
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=15))
# 23:30 UTC on 31 May is already June in Tokyo: the lead and the response are
# counted in June, the organisation's month, whether stored or counted live.
@example(actions=[("zone", "Asia/Tokyo"), ("lead", 0, None, None, "", 2)])
@example(actions=[("zone", "Asia/Tokyo"), ("response", 0, 9, 2)])
# A won deal touched by both campaigns, stored, then a touch gone and the deal
# moved to other months: every change marks the months it leaves and enters.
@example(
    actions=[
        ("opp", 1, 0, "won", 1200, 0, 3),
        ("worker",),
        ("touch_delete", 0),
        ("opp_edit", 0, 2, None, "won"),
        ("worker",),
        ("opp_regroup", 0, 1, 2),
    ]
)
def test_it_keeps_rollups_equal_to_a_fresh_computation(actions, acme, alice, bob, agreement):
    owner = acme.memberships.get(user=alice)
    # The fixture's object outlives each example's rolled-back transaction.
    acme.refresh_from_db()
    with time_machine.travel(START, tick=False) as clock, transaction.atomic():
        for n in (1, 2):
            Campaign.objects.create(
                organization=acme,
                source_system=SourceSystem.ACCORD,
                source_id=f"c{n}",
                name=f"Campaign {n}",
                owner=owner if n == 1 else None,
            )
        survey = Survey.objects.create(organization=acme, name="Survey")
        for n in (1, 2):
            SurveyCampaign.objects.create(organization=acme, survey=survey, name=f"Campaign {n}")
        for action in actions:
            note(f"{action!r} at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} in {acme.time_zone}")
            apply(action, acme, owner, clock)
            check(acme)
        transaction.set_rollback(True)
