"""The notes box is gone: its text lives on as the first entry of each timeline."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0013_followup_entry"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="followup",
            name="notes",
        ),
    ]
