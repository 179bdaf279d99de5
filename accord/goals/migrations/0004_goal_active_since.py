"""Goals remember the day they became active; existing ones take it from their
history (the first "activate" event), so their expected line stays honest."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    Goal = apps.get_model("goals", "Goal")
    GoalEvent = apps.get_model("goals", "GoalEvent")
    first: dict[int, object] = {}
    for goal_id, created_at in (
        GoalEvent.objects.filter(action="activate")
        .order_by("goal_id", "created_at")
        .values_list("goal_id", "created_at")
    ):
        first.setdefault(goal_id, created_at)
    for goal_id, created_at in first.items():
        Goal.objects.filter(pk=goal_id).update(active_since=created_at.date())


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0003_activity_log_progress_covering"),
    ]

    operations = [
        migrations.AddField(
            model_name="goal",
            name="active_since",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
