"""Salesforce ids imported from reports in their 15-character form become the
18-character form the API returns, so a later sync or report import updates
those records instead of adding a second copy. A record whose 18-character
twin already exists (imported once each way) is left as it is."""

from django.db import migrations
from django.db.models.functions import Length

from accord.lib.salesforce_ids import id18

MODELS = ("Campaign", "Account", "Contact", "Lead", "Opportunity")


def forwards(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("pipeline", name)
        short = (
            model.objects.annotate(id_length=Length("source_id"))
            .filter(source_system="salesforce", id_length=15)
            .only("pk", "organization_id", "source_id")
        )
        for record in short.iterator():
            full = id18(record.source_id)
            if full == record.source_id:
                continue
            taken = model.objects.filter(
                organization_id=record.organization_id,
                source_system="salesforce",
                source_id=full,
            ).exists()
            if not taken:
                model.objects.filter(pk=record.pk).update(source_id=full)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0007_import_outcomes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
