"""Acme's objects for the outsider test (see accord/orgs/tests/outsider.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accord.feedback.models import (
    Campaign,
    FollowUp,
    RecipientImport,
    Response,
    Survey,
    Theme,
)
from accord.orgs.models import Membership, Organization


def _objects(acme: Organization) -> dict[str, Any]:
    survey = Survey.objects.create(organization=acme, name="Acme secret survey", brand_name="Acme")
    campaign = Campaign.objects.create(organization=acme, survey=survey, name="Acme campaign")
    now = timezone.now()
    response = Response.objects.create(
        organization=acme,
        survey=survey,
        score=2,
        category="detractor",
        better="Acme secret complaint",
        well="Acme secret praise",
        email="customer@acme.example",
        created_at=now,
        month=now.date().replace(day=1),
    )
    followup = FollowUp.objects.create(
        organization=acme, response=response, kind="recovery", due_at=now
    )
    theme = Theme.objects.create(organization=acme, name="Acme theme", top_terms=["acme"])
    run = RecipientImport.objects.create(
        organization=acme, campaign=campaign, source="csv", filename="acme-secret.csv"
    )
    return {
        "recipient_import": run,
        "survey": survey,
        "campaign": campaign,
        "response": response,
        "followup": followup,
        "theme": theme,
    }


def page_objects(acme: Organization, owner: Membership) -> dict[str, dict[str, Any]]:
    made = _objects(acme)
    return {
        "feedback_index": {},
        "feedback_nps_export": {},
        "feedback_surveys": {},
        "feedback_survey": {"pk": made["survey"].pk},
        "feedback_survey_anonymous": {"pk": made["survey"].pk},
        "feedback_campaigns": {},
        "feedback_campaign": {"pk": made["campaign"].pk},
        "feedback_campaign_send": {"pk": made["campaign"].pk},
        "feedback_recipient_import": {
            "pk": made["campaign"].pk,
            "import_pk": made["recipient_import"].pk,
        },
        "feedback_responses": {},
        "feedback_testimonial": {"pk": made["response"].pk},
        "feedback_followups": {},
        "feedback_followup": {"pk": made["followup"].pk},
        "feedback_themes": {},
        "feedback_theme": {"pk": made["theme"].pk},
        "feedback_import": {},
        "feedback_settings": {},
    }


def api_objects(acme: Organization, owner: Membership) -> dict[str, Any]:
    made = _objects(acme)
    return {
        "survey_id": made["survey"].pk,
        "campaign_id": made["campaign"].pk,
        "import_id": made["recipient_import"].pk,
        "response_id": made["response"].pk,
        "followup_id": made["followup"].pk,
        "theme_id": made["theme"].pk,
    }


API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/feedback/campaigns/{campaign_id}/recipients"): {"csv": "email\nx@example.com\n"},
    ("post", "/feedback/themes/{theme_id}/merge"): {"into_id": 1},
    ("post", "/feedback/followups/{followup_id}/notes"): {"text": "Called them."},
    ("post", "/feedback/followups/{followup_id}/actions"): {"action": "apologise"},
}
