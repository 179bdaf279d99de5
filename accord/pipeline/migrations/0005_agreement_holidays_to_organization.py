"""Holidays move from the hand-off agreement to the organisation's calendar.

Each organisation keeps the holidays of its active agreement (or, with none
active, of its latest version) as its own days off, then the agreement's
column goes.
"""

from django.db import migrations


def holidays_to_organization(apps, schema_editor):
    HandoffAgreement = apps.get_model("pipeline", "HandoffAgreement")
    Organization = apps.get_model("orgs", "Organization")
    chosen: dict[int, list[str]] = {}
    active: set[int] = set()
    # Newest version first: an organisation's active one wins, else its latest.
    for agreement in HandoffAgreement.objects.order_by("organization_id", "-version").iterator():
        org_id = agreement.organization_id
        if org_id in active:
            continue
        if agreement.status == "active":
            active.add(org_id)
            chosen[org_id] = list(agreement.holidays or [])
        else:
            chosen.setdefault(org_id, list(agreement.holidays or []))
    for organization in Organization.objects.filter(pk__in=chosen):
        days = sorted({*organization.holidays, *chosen[organization.pk]})
        if days != organization.holidays:
            organization.holidays = days
            organization.save(update_fields=["holidays"])


def holidays_to_agreements(apps, schema_editor):
    HandoffAgreement = apps.get_model("pipeline", "HandoffAgreement")
    Organization = apps.get_model("orgs", "Organization")
    for organization in Organization.objects.exclude(holidays=[]):
        HandoffAgreement.objects.filter(organization=organization).update(
            holidays=organization.holidays
        )


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0002_organization_calendar"),
        ("pipeline", "0004_agreement_digest_month"),
    ]

    operations = [
        migrations.RunPython(holidays_to_organization, holidays_to_agreements),
        migrations.RemoveField(
            model_name="handoffagreement",
            name="holidays",
        ),
    ]
