"""Northwind's pipeline demo: a realistic funnel, breaches, reasons; idempotent."""

from __future__ import annotations

import pytest

from accord.cli.demo import seed_demo
from accord.pipeline.models import Lead, Opportunity, SlaBreach
from accord.pipeline.selectors import compliance, funnel, rejection_reasons

pytestmark = pytest.mark.dates


def test_it_seeds_18_months_of_pipeline_once(db):
    northwind = seed_demo()
    counts = (
        Lead.objects.filter(organization=northwind).count(),
        Opportunity.objects.filter(organization=northwind).count(),
        SlaBreach.objects.filter(organization=northwind).count(),
    )
    result = funnel(northwind, by="month")
    stages = {s["stage"]: s["count"] for s in result["stages"]}
    assert stages["mql"] > 700
    order = [stages[s] for s in ("mql", "accepted", "sql", "opportunity", "won")]
    assert order == sorted(order, reverse=True) and order[-1] > 0
    assert len(result["groups"]) >= 17
    assert counts[2] > 50
    assert len(rejection_reasons(northwind)["totals"]) == 7
    months = compliance(northwind)
    assert any(m.touch_compliance and m.touch_compliance < 100 for m in months)
    seed_demo()
    assert counts == (
        Lead.objects.filter(organization=northwind).count(),
        Opportunity.objects.filter(organization=northwind).count(),
        SlaBreach.objects.filter(organization=northwind).count(),
    )


def test_it_shows_every_pipeline_page_with_the_demo_data(client, db):
    from django.urls import reverse

    from accord.accounts.models import User

    northwind = seed_demo()
    client.force_login(User.objects.get(email="nadia@northwind.example"))
    for name, needle in [
        ("pipeline_index", "Marketing-sourced"),
        ("pipeline_triage", "Reject"),
        ("pipeline_compliance", "Not our customer profile"),
        ("pipeline_agreement", "In effect: v1"),
        ("pipeline_imports", "Import a CSV export"),
        ("pipeline_crm", "No CRM connected"),
    ]:
        response = client.get(reverse(name, kwargs={"org_slug": northwind.slug}))
        assert response.status_code == 200, name
        assert needle in response.content.decode(), name
    by_month = client.get(reverse("pipeline_index", kwargs={"org_slug": "northwind"}) + "?by=month")
    assert by_month.status_code == 200 and "<svg" in by_month.content.decode()


def test_it_has_the_worker_watch_the_demo_agreement(db):
    from django_tasks_db.models import DBTaskResult

    seed_demo()
    assert DBTaskResult.objects.filter(args_kwargs__icontains="sla_check").count() == 1
    seed_demo()
    assert DBTaskResult.objects.filter(args_kwargs__icontains="sla_check").count() == 1
