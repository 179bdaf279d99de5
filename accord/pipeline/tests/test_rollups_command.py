"""``accord rollups rebuild [--org SLUG]``: the summary tables recomputed from history."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accord.feedback.models import Response, ResponseMonthRollup, ResponseSegmentRollup
from accord.feedback.services import month_of
from accord.lib.nps import category
from accord.pipeline.models import (
    Lead,
    LeadGroupRollup,
    LeadMonthRollup,
    RejectionReason,
    SourceSystem,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def rollups(*args: str) -> str:
    out = StringIO()
    call_command("rollups", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(NOW, tick=False)
def test_it_rebuilds_the_rollups_of_an_organisation_from_its_history(acme, agreement):
    old = dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC)
    # The bulk path sends no signals: nothing marks these months.
    Lead.objects.bulk_create(
        Lead(
            organization=acme,
            source_system=SourceSystem.CSV,
            source_id=f"bulk-{i}",
            mql_at=old,
            mql_month="2026-02",
            first_touch_hours=2.0 + 2 * i,
            source="Events",
            rejected_at=old if i == 0 else None,
            rejection_reason=RejectionReason.values[0] if i == 0 else "",
        )
        for i in range(3)
    )
    Response.objects.bulk_create(
        Response(
            organization=acme,
            score=s,
            category=category(s),
            created_at=old,
            month=month_of(old, acme.time_zone),
            attributes={"plan": "Gold" if s > 5 else "Silver"},
        )
        for s in (10, 9, 3)
    )

    out = rollups("rebuild", "--org", "acme")

    assert "acme: rollups rebuilt" in out
    row = LeadMonthRollup.objects.get(organization=acme, month="2026-02")
    assert (row.mqls, row.touched_in_time, row.touched_late) == (3, 2, 1)
    nps = ResponseMonthRollup.objects.get(organization=acme, month=dt.date(2026, 2, 1))
    assert (nps.promoters, nps.passives, nps.detractors) == (2, 0, 1)
    groups = {
        (r.by, r.key): (r.mqls, r.rejected, r.queued)
        for r in LeadGroupRollup.objects.filter(organization=acme, month="2026-02")
    }
    # Two of the three wait in the triage queue; all three became MQLs on 3 February.
    assert groups[("total", "")] == (3, 1, 2)
    assert groups[("source", "Events")] == (3, 1, 2)
    assert groups[("reason", RejectionReason.values[0])] == (1, 1, 0)
    assert groups[("day", "2026-02-03")] == (3, 1, 2)
    plans = {
        r.key: (r.promoters, r.detractors)
        for r in ResponseSegmentRollup.objects.filter(organization=acme, by="plan")
    }
    assert plans == {"Gold": (2, 0), "Silver": (0, 1)}


def test_it_refuses_an_unknown_organisation_or_action(acme):
    with pytest.raises(CommandError, match="--org: no organisation 'nope'"):
        rollups("rebuild", "--org", "nope")
    with pytest.raises(CommandError, match="Unknown action 'fix'"):
        rollups("fix")
    assert not LeadMonthRollup.objects.exists()


def test_it_rebuilds_every_organisation_without_org(acme):
    assert "acme: rollups rebuilt" in rollups("rebuild")
