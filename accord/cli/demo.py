"""``accord demo``'s data: Northwind (from orgs), then each app's own demo data.

Each app keeps its demo data in ``accord/<app>/demo.py``, a function
``seed(organization, people)`` that checks before it creates. ``SEEDERS``
lists them in the order they run (later ones may use earlier ones' data); an
app with demo data adds its seeder here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from accord.chat import demo as chat_demo
from accord.feedback import demo as feedback_demo
from accord.goals import demo as goals_demo
from accord.insights import demo as insights_demo
from accord.meetings import demo as meetings_demo
from accord.orgs.demo import demo_organization
from accord.orgs.models import Membership, Organization
from accord.pipeline import demo as pipeline_demo
from accord.pulse import demo as pulse_demo

Seeder = Callable[[Organization, dict[str, Membership]], None]

SEEDERS: list[Seeder] = [
    goals_demo.seed,
    pipeline_demo.seed,
    feedback_demo.seed,
    meetings_demo.seed,
    pulse_demo.seed,
    chat_demo.seed,
    # Last: the report reads every app's demo data.
    insights_demo.seed,
]


@transaction.atomic
def seed_demo() -> Organization:
    """Create Northwind, its people and every app's demo data if missing."""
    organization, people = demo_organization()
    for seed in SEEDERS:
        seed(organization, people)
    return organization
