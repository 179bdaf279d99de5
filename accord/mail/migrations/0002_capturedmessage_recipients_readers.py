"""Captured messages keep searchable recipients and who may read them; the
messages already captured take both from their recipients."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    CapturedMessage = apps.get_model("mail", "CapturedMessage")
    for message in CapturedMessage.objects.only("pk", "to").iterator():
        to = [str(a) for a in message.to or []]
        found = sorted({a.strip().lower() for a in to if a.strip()})
        CapturedMessage.objects.filter(pk=message.pk).update(
            recipients=", ".join(to), readers=f",{','.join(found)}," if found else ""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="capturedmessage",
            name="readers",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="capturedmessage",
            name="recipients",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
