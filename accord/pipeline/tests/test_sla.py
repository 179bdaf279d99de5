"""Sales' side of the agreement: decisions, first touch, breaches, compliance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.accounts.tests.factories import UserFactory
from accord.jobs.testing import run_queued_jobs
from accord.mail.models import CapturedMessage
from accord.orgs.models import AuditEvent, Membership, Role
from accord.pipeline.models import BreachKind, Lead, SlaBreach, Stage
from accord.pipeline.selectors import compliance, rejection_reasons, triage_queue
from accord.pipeline.services import (
    lead_accept,
    lead_reject,
    lead_touch,
    sla_breaches_detect,
)
from accord.pipeline.tests.factories import LeadFactory

pytestmark = pytest.mark.dates

MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_it_accepts_and_rejects_mqls_with_a_reason(acme, bob, agreement):
    bob_m = acme.memberships.get(user=bob)
    good, bad = LeadFactory.create(organization=acme), LeadFactory.create(organization=acme)
    lead_accept(membership=bob_m, lead=good, at=datetime(2026, 3, 3, 10, tzinfo=UTC))
    lead_reject(membership=bob_m, lead=bad, reason="no_budget")
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.stage == Stage.ACCEPTED and good.decision_hours == 8
    assert bad.stage == Stage.REJECTED and bad.get_rejection_reason_display() == (
        "No budget or authority"
    )
    assert AuditEvent.objects.filter(organization=acme, action="lead.reject").exists()
    assert list(triage_queue(bob_m)) == []


def test_it_needs_text_for_other_and_a_known_reason(acme, bob):
    bob_m = acme.memberships.get(user=bob)
    lead = LeadFactory.create(organization=acme)
    with pytest.raises(ValidationError) as caught:
        lead_reject(membership=bob_m, lead=lead, reason="other")
    assert "text" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        lead_reject(membership=bob_m, lead=lead, reason="ugly")
    assert "reason" in caught.value.message_dict


def test_it_lets_no_viewer_decide(acme):
    from accord.orgs.tests.factories import MembershipFactory

    viewer = MembershipFactory.create(organization=acme, role="viewer")
    with pytest.raises(PermissionDenied):
        lead_accept(membership=viewer, lead=LeadFactory.create(organization=acme))


def test_it_measures_first_touch_in_business_hours(acme, bob, agreement):
    lead = LeadFactory.create(
        organization=acme, mql_at=datetime(2026, 3, 6, 16, tzinfo=UTC)
    )  # Friday
    lead_touch(
        membership=acme.memberships.get(user=bob),
        lead=lead,
        at=datetime(2026, 3, 9, 11, tzinfo=UTC),
    )
    lead.refresh_from_db()
    assert lead.first_touch_hours == 3  # Friday 16-17, Monday 9-11


def test_it_records_breaches_once_and_alerts_by_email(acme, bob, agreement):
    lead = LeadFactory.create(
        organization=acme, mql_at=MONDAY_10, owner=acme.memberships.get(user=bob)
    )
    on_time = LeadFactory.create(organization=acme, mql_at=MONDAY_10)
    lead_touch(
        membership=acme.memberships.get(user=bob),
        lead=on_time,
        at=datetime(2026, 3, 2, 11, tzinfo=UTC),
    )
    # Monday 10:00 + 4 business hours = 14:00; at 15:00 the touch is late.
    found = sla_breaches_detect(organization=acme, now=datetime(2026, 3, 2, 15, tzinfo=UTC))
    assert [(b.lead, b.kind) for b in found] == [(lead, BreachKind.FIRST_TOUCH)]
    assert sla_breaches_detect(organization=acme, now=datetime(2026, 3, 2, 16, tzinfo=UTC)) == []
    # Two business days later both are late to be decided.
    later = sla_breaches_detect(organization=acme, now=datetime(2026, 3, 5, 10, tzinfo=UTC))
    assert {b.kind for b in later} == {BreachKind.DECISION}
    assert SlaBreach.objects.filter(organization=acme).count() == 3
    run_queued_jobs()
    subjects = list(CapturedMessage.objects.values_list("subject", "to"))
    assert any("Lead SLA breach" in s and "bob@acme.example" in to for s, to in subjects)
    assert any("sam@acme.example" in to for _, to in subjects)


def test_it_reports_compliance_per_month_and_per_owner(acme, bob, agreement):
    bob_m = acme.memberships.get(user=bob)
    fast = LeadFactory.create(organization=acme, mql_at=MONDAY_10, owner=bob_m)
    slow = LeadFactory.create(organization=acme, mql_at=MONDAY_10, owner=bob_m)
    lead_touch(membership=bob_m, lead=fast, at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    lead_touch(membership=bob_m, lead=slow, at=datetime(2026, 3, 3, 16, tzinfo=UTC))
    lead_accept(membership=bob_m, lead=fast, at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    lead_reject(
        membership=bob_m, lead=slow, reason="bad_data", at=datetime(2026, 3, 9, 12, tzinfo=UTC)
    )
    [month] = compliance(acme, by="month")
    assert month.key == "2026-03" and month.mqls == 2 and month.commitment == 10
    assert month.commitment_met is False
    assert (month.touched_in_time, month.touched_late) == (1, 1)
    assert month.touch_compliance == 50.0
    assert (month.decided_in_time, month.decided_late) == (1, 1)
    assert month.median_first_touch_hours == pytest.approx((2 + 14) / 2)
    [person] = compliance(acme, by="owner")
    assert person.key == "bob@acme.example" and person.mqls == 2
    [marketer] = compliance(acme, by="marketer")
    assert marketer.key == "(no owner)" and marketer.rejected == 1
    reasons = rejection_reasons(acme)
    assert reasons["totals"] == {"Bad contact data": 1}
    assert reasons["by_month"] == {"2026-03": {"Bad contact data": 1}}


def test_it_keeps_a_decision_made_in_accord_when_the_crm_file_is_imported_again(
    acme, alice, bob, agreement
):
    import io

    from accord.pipeline.importer import run_import
    from accord.pipeline.services import import_run_create

    text = (
        "Record ID,Email,Lifecycle Stage,Became a Marketing Qualified Lead Date\n"
        "9,x@p.example,marketingqualifiedlead,2026-03-02 10:00\n"
    )

    def load():
        run = import_run_create(
            membership=acme.memberships.get(user=alice),
            kind="leads",
            format="hubspot",
            filename="x.csv",
            stored_path="",
            file_size=len(text),
            enqueue=False,
        )
        run_import(run, io.BytesIO(text.encode()))

    load()
    lead = Lead.objects.get(organization=acme, source_id="9")
    lead_reject(membership=acme.memberships.get(user=bob), lead=lead, reason="duplicate")
    load()
    lead.refresh_from_db()
    assert lead.stage == Stage.REJECTED and lead.rejection_reason == "duplicate"


def test_it_checks_for_breaches_in_the_worker_and_measures_imported_leads(
    acme, alice, bob, agreement
):
    import io

    from django_tasks_db.models import DBTaskResult

    from accord.pipeline.importer import run_import
    from accord.pipeline.services import import_run_create

    # Activating the agreement queued the SLA check, which queues itself again.
    assert DBTaskResult.objects.filter(args_kwargs__icontains="sla_check").exists()
    text = (
        "Record ID,Email,Lifecycle Stage,Became a Marketing Qualified Lead Date,"
        "Date of first engagement\n"
        "1,a@p.example,marketingqualifiedlead,2026-03-02 10:00,2026-03-02 12:30\n"
        "2,b@p.example,marketingqualifiedlead,2026-03-02 10:00,\n"
    )
    run = import_run_create(
        membership=acme.memberships.get(user=alice),
        kind="leads",
        format="hubspot",
        filename="x.csv",
        stored_path="",
        file_size=len(text),
        enqueue=False,
    )
    run_import(run, io.BytesIO(text.encode()))
    run_queued_jobs()
    touched = Lead.objects.get(organization=acme, source_id="1")
    assert touched.first_touch_hours == 2.5
    assert SlaBreach.objects.filter(lead__source_id="2", kind=BreachKind.FIRST_TOUCH).exists()
    assert CapturedMessage.objects.filter(subject__contains="Lead SLA breach").exists()


def test_it_emails_last_months_results_and_rejection_reasons_to_marketing_once(
    acme, bob, carol, agreement
):
    from datetime import date

    from accord.pipeline.services import monthly_digest_send

    bob_m = acme.memberships.get(user=bob)
    lead = LeadFactory.create(organization=acme, mql_at=MONDAY_10)
    lead_reject(membership=bob_m, lead=lead, reason="not_icp")
    assert monthly_digest_send(organization=acme, today=date(2026, 4, 2)) == "2026-03"
    assert monthly_digest_send(organization=acme, today=date(2026, 4, 20)) is None
    run_queued_jobs()
    [message] = [
        m
        for m in CapturedMessage.objects.filter(subject="Lead hand-off results for 2026-03")
        if "carol@acme.example" in m.to
    ]
    assert "MQLs delivered: 1 of 10 committed" in message.text_body
    assert "- Not our customer profile: 1" in message.text_body


def test_it_keeps_one_sla_check_chain_when_a_check_runs_twice(acme, agreement):
    """A check run again after its worker died queues no second chain."""
    from django_tasks_db.models import DBTaskResult

    from accord.pipeline.jobs import sla_check

    def queued():
        return DBTaskResult.objects.filter(
            status="READY", args_kwargs__args__0=sla_check.job_name
        ).count()

    assert queued() == 1  # activating the agreement queued the first
    sla_check(agreement_id=agreement.pk, organization_id=acme.pk)
    sla_check(agreement_id=agreement.pk, organization_id=acme.pk)

    assert queued() == 1


def test_it_gives_each_owner_their_median_first_touch_in_queries_that_do_not_grow_with_them(
    acme, agreement
):
    def owner_touching_after(hours: list[float]) -> None:
        user = UserFactory.create()
        owner = Membership.objects.create(organization=acme, user=user, role=Role.MEMBER)
        for h in hours:
            LeadFactory.create(
                organization=acme, mql_at=MONDAY_10, owner=owner, first_touch_hours=h
            )

    owner_touching_after([1, 3])
    with CaptureQueriesContext(connection) as one_owner:
        compliance(acme, by="owner")
    owner_touching_after([2, 4, 9])
    owner_touching_after([])
    with CaptureQueriesContext(connection) as three_owners:
        people = compliance(acme, by="owner")

    assert len(three_owners) == len(one_owner)
    assert sorted((p.mqls, p.median_first_touch_hours) for p in people) == [
        (2, 2.0),
        (3, 4.0),
    ]
