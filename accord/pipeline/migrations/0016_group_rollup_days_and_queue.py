from django.db import migrations, models


def mark_every_organization(apps, schema_editor):
    """The goals' partial months and the triage queue's size and sources now
    read the new rows ("day") and column (``queued``): mark every month of
    every organisation with leads, so the worker's next refresh fills them;
    readers count marked months live until then."""
    lead = apps.get_model("pipeline", "Lead")
    mark = apps.get_model("pipeline", "LeadRollupMark")
    ids = lead.objects.order_by().values_list("organization_id", flat=True).distinct()
    mark.objects.bulk_create(
        [mark(organization_id=pk, month="*") for pk in ids], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0015_column_mapping_responses"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadgrouprollup",
            name="queued",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(mark_every_organization, migrations.RunPython.noop),
    ]
