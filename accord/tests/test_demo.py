"""``accord demo`` run again changes nothing, in any app: each app's seeder
checks before it creates (accord/cli/demo.py). What each app's demo holds is
tested beside the app (``<app>/tests/test_demo.py``)."""

from __future__ import annotations

import pytest
from django.apps import apps

from accord.cli.demo import seed_demo
from accord.meetings.models import DailyRun

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def rows() -> dict[str, int]:
    """Every table's row count, the job queue's and the sessions' included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_it_changes_nothing_when_run_a_second_time():
    organization = seed_demo()
    first = rows()
    daily_run = DailyRun.objects.get(organization=organization).next_run_at

    seed_demo()

    # No row added or removed anywhere: no second goal, lead or response, and
    # no second job queued (the SLA watch, the daily run, the next report).
    assert rows() == first
    assert first["pipeline.Lead"] > 0 and first["feedback.Response"] > 0
    # The daily run is queued once, for the worker, and not moved by a second run.
    assert DailyRun.objects.get(organization=organization).next_run_at == daily_run
