from django.db import migrations, models


# The new index is built before the one it replaces is dropped: the
# compliance page's breaches keep an index to read all along.
class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0016_group_rollup_days_and_queue"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="slabreach",
            index=models.Index(fields=["organization", "due_at", "id"], name="breach_org_due_id"),
        ),
        migrations.RemoveIndex(
            model_name="slabreach",
            name="breach_org_due",
        ),
    ]
