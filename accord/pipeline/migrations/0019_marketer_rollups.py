from django.db import migrations


def mark_every_organization(apps, schema_editor):
    """SLA compliance per marketer now reads the new "marketer" rows (by the
    campaign's owner): mark every month of every organisation with leads, so
    the worker's next refresh fills them; readers count marked months live
    until then."""
    lead = apps.get_model("pipeline", "Lead")
    mark = apps.get_model("pipeline", "LeadRollupMark")
    ids = lead.objects.order_by().values_list("organization_id", flat=True).distinct()
    mark.objects.bulk_create(
        [mark(organization_id=pk, month="*") for pk in ids], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0018_opportunity_rollups"),
    ]

    operations = [
        migrations.RunPython(mark_every_organization, migrations.RunPython.noop),
    ]
