"""The opportunity rollups behind the funnel's attribution and the goals'
opportunity metrics: what marks them, and that readers use the stored rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from accord.insights.rollups import rollups_refresh_due
from accord.pipeline.models import LeadRollupMark, OpportunityRollup, OpportunityTouch
from accord.pipeline.selectors import attribution, metric_series
from accord.pipeline.tests.factories import CampaignFactory, OpportunityFactory


def marked(acme) -> list[str]:
    return sorted(LeadRollupMark.objects.filter(organization=acme).values_list("month", flat=True))


def test_it_marks_the_months_a_deal_leaves_and_enters(acme):
    deal = OpportunityFactory.create(
        organization=acme, created_on=date(2026, 3, 5), close_date=date(2026, 4, 9)
    )
    assert marked(acme) == ["2026-03", "2026-04"]
    rollups_refresh_due()
    deal.refresh_from_db()
    deal.created_on, deal.close_date = date(2026, 2, 1), None
    deal.save()
    assert marked(acme) == ["2026-02", "2026-03", "2026-04"]


def test_it_stops_crediting_a_deleted_campaign(acme):
    webinar = CampaignFactory.create(organization=acme, name="Acme webinar")
    ads = CampaignFactory.create(organization=acme, name="Acme ads")
    won = OpportunityFactory.create(
        organization=acme,
        amount=Decimal(900),
        status="won",
        primary_campaign=webinar,
        created_on=date(2026, 3, 1),
    )
    OpportunityTouch.objects.create(organization=acme, opportunity=won, campaign=ads)
    OpportunityFactory.create(
        organization=acme,
        amount=Decimal(600),
        status="won",
        primary_campaign=webinar,
        created_on=date(2026, 3, 4),
    )
    rollups_refresh_due()
    assert attribution(acme).sourced_revenue == Decimal(1500)
    webinar.delete()
    # Marked by the deletion: read from the deals until the worker's refresh, then stored.
    for _ in range(2):
        found = attribution(acme)
        assert (found.sourced_revenue, found.influenced_revenue) == (Decimal(0), Decimal(900))
        assert found.by_campaign == {
            "Acme ads": {
                "first_touch": Decimal("900.00"),
                "last_touch": Decimal("900.00"),
                "linear": Decimal("900.00"),
            }
        }
        rollups_refresh_due()
    assert not OpportunityRollup.objects.filter(organization=acme, key=str(webinar.pk)).exists()


def test_it_reads_the_goals_opportunity_metrics_from_the_stored_rows(acme):
    for created, closed, status in (
        (date(2026, 3, 1), date(2026, 3, 31), "won"),
        (date(2026, 3, 10), date(2026, 4, 2), "won"),
        (date(2026, 3, 12), date(2026, 4, 20), "lost"),
    ):
        OpportunityFactory.create(
            organization=acme, created_on=created, close_date=closed, status=status
        )
    rollups_refresh_due()
    # Read from the stored rows (no opportunity is counted): one lost deal
    # written into March's row shows.
    OpportunityRollup.objects.filter(organization=acme, by="closed", month="2026-03").update(lost=1)
    requests = [
        ("win_rate", date(2026, 3, 1), date(2026, 3, 31)),
        ("win_rate", date(2026, 4, 1), date(2026, 4, 10)),
        ("sales_cycle_days", date(2026, 3, 1), date(2026, 4, 30)),
    ]
    assert metric_series(acme, requests) == [50.0, 100.0, 26.5]
    assert marked(acme) == []  # nothing to recount: the rows as stored were read
