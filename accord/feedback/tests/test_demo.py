"""Northwind's feedback demo: a year of answers, follow-ups and themes; idempotent."""

from __future__ import annotations

import pytest

from accord.cli.demo import seed_demo
from accord.feedback.models import FollowUp, Response, Theme
from accord.feedback.selectors import nps_by

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_it_seeds_a_year_of_feedback_once():
    organization = seed_demo()
    counts = (Response.objects.count(), FollowUp.objects.count(), Theme.objects.count())
    assert counts[0] > 300
    assert FollowUp.objects.filter(status__in=["resolved", "lost"]).exists()
    assert FollowUp.objects.filter(status__in=["open", "contacted"]).exists()
    assert counts[2] >= 3
    assert len(nps_by(organization, by="month").groups) >= 12
    seed_demo()
    assert (Response.objects.count(), FollowUp.objects.count(), Theme.objects.count()) == counts
