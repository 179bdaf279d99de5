"""``accord bench-data``: realistic history written through the bulk path, at tiny sizes."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from accord.feedback.models import Campaign as SurveyCampaign
from accord.feedback.models import FollowUp, Recipient, Response
from accord.goals.models import ActivityGoal, ActivityLog
from accord.orgs.models import Membership, Organization, Role, TeamKind
from accord.pipeline.models import HandoffAgreement, Lead, Opportunity, SlaBreach, Stage


def bench_data(*args: str) -> str:
    out = io.StringIO()
    call_command("bench-data", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_fills_a_new_organisation_with_history(db):
    output = bench_data(
        "--org", "bench", "--leads", "400", "--responses", "120", "--activity", "90"
    )

    organization = Organization.objects.get(slug="bench")
    assert "bench: 400 leads" in output
    people = Membership.objects.filter(organization=organization)
    assert people.filter(role=Role.OWNER).count() == 1
    assert people.filter(team__kind=TeamKind.SALES).count() >= 2
    assert people.filter(team__kind=TeamKind.MARKETING).count() >= 2

    leads = Lead.objects.filter(organization=organization)
    assert leads.count() == 400
    # Spread over many months, sources, owners and stages.
    assert leads.order_by().values("mql_month").distinct().count() >= 18
    assert leads.order_by().values("source").distinct().count() >= 4
    assert leads.order_by().values("owner").distinct().count() >= 4
    stages = set(leads.values_list("stage", flat=True))
    assert {Stage.ACCEPTED, Stage.REJECTED, Stage.SQL} <= stages
    rejected = leads.filter(rejected_at__isnull=False)
    assert rejected.exists()
    assert not rejected.filter(rejection_reason="").exists()
    assert rejected.order_by().values("rejection_reason").distinct().count() >= 3
    # SLA timestamps: touched leads have their hours, decided ones both.
    touched = leads.filter(first_touch_at__isnull=False)
    assert touched.count() > 300
    assert not touched.filter(first_touch_hours__isnull=True).exists()
    assert not leads.filter(accepted_at__isnull=False, decision_hours__isnull=True).exists()
    assert HandoffAgreement.objects.filter(organization=organization, status="active").count() == 1
    breaches = SlaBreach.objects.filter(organization=organization)
    assert breaches.exists()
    assert not breaches.exclude(lead__organization=organization).exists()

    opportunities = Opportunity.objects.filter(organization=organization)
    assert opportunities.exists()
    assert opportunities.filter(lead__stage__in=[Stage.OPPORTUNITY, Stage.CUSTOMER]).count() == (
        opportunities.count()
    )
    assert opportunities.filter(status="won").count() == leads.filter(stage=Stage.CUSTOMER).count()

    responses = Response.objects.filter(organization=organization)
    assert responses.count() == 120
    assert responses.order_by().values("month").distinct().count() >= 18
    assert responses.order_by().values("score").distinct().count() >= 8
    assert responses.exclude(better="").exists()
    assert not responses.filter(recipient__isnull=True).exists()
    assert not responses.exclude(category__in=["promoter", "passive", "detractor"]).exists()
    for response in responses.filter(score__lte=6)[:5]:
        assert response.category == "detractor"
    assert Recipient.objects.filter(organization=organization).count() == 180
    assert SurveyCampaign.objects.filter(organization=organization).count() == 24
    assert (
        FollowUp.objects.filter(organization=organization, kind="recovery").count()
        == responses.filter(category="detractor").count()
    )
    span = responses.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["last"] <= timezone.now()
    assert span["first"] < timezone.now() - dt.timedelta(days=500)

    logs = ActivityLog.objects.filter(organization=organization)
    assert logs.count() == 90
    assert ActivityGoal.objects.filter(organization=organization, is_active=True).count() == 2
    assert not logs.exclude(team=F("member__team")).exists()


def test_it_tops_up_to_the_totals_so_a_second_run_changes_nothing(db):
    bench_data("--org", "bench", "--leads", "50", "--responses", "20", "--activity", "10")
    output = bench_data("--org", "bench", "--leads", "50", "--responses", "20", "--activity", "10")

    organization = Organization.objects.get(slug="bench")
    assert "added nothing" in output
    assert Lead.objects.filter(organization=organization).count() == 50
    assert Response.objects.filter(organization=organization).count() == 20

    bench_data("--org", "bench", "--leads", "80", "--responses", "0", "--activity", "0")
    assert Lead.objects.filter(organization=organization).count() == 80
    ids = Lead.objects.filter(organization=organization).values_list("source_id", flat=True)
    assert len(set(ids)) == 80


def test_it_fills_several_organisations_alike(db):
    output = bench_data(
        "--org", "tenant", "--orgs", "3", "--leads", "30", "--responses", "12", "--activity", "6"
    )

    counts = dict(
        Lead.objects.filter(organization__slug__startswith="tenant-")
        .values_list("organization__slug")
        .annotate(n=Count("id"))
    )
    assert counts == {"tenant-1": 30, "tenant-2": 30, "tenant-3": 30}
    assert Response.objects.filter(organization__slug="tenant-3").count() == 12
    assert output.count(": 30 leads,") == 3


def test_it_fills_an_existing_organisation(acme):
    bench_data(
        "--org", "acme", "--existing", "--leads", "25", "--responses", "0", "--activity", "0"
    )

    assert Lead.objects.filter(organization=acme).count() == 25
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--leads", "-1"], "leads: Give 0 or more, not -1."),
        (["--responses", "-5"], "responses: Give 0 or more, not -5."),
        (["--activity", "-2"], "activity: Give 0 or more, not -2."),
        (["--orgs", "0"], "orgs: give 1 or more organisations, not 0."),
        (["--existing"], "org: No organisation 'nowhere'."),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(db, args, message):
    with pytest.raises(CommandError) as refused:
        bench_data("--org", "nowhere", "--leads", "10", *args)

    assert str(refused.value) == message
    assert not Organization.objects.exists()
    assert not Lead.objects.exists()


def test_it_names_a_bad_slug(db):
    with pytest.raises(CommandError, match="slug"):
        bench_data("--org", "Not A Slug!", "--leads", "5")

    assert not Organization.objects.exists()


def test_it_exits_non_zero_from_the_command_line():
    finished = subprocess.run(
        [sys.executable, "-m", "accord", "bench-data", "--org", "x", "--leads", "-3"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert finished.returncode == 1
    assert "leads: Give 0 or more, not -3." in finished.stderr
