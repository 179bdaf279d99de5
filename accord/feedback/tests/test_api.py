"""The feedback API: surveys, campaigns, recipients, responses, NPS, follow-ups, themes."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.feedback.models import FollowUp, Response
from accord.feedback.services import response_record
from accord.feedback.tests.factories import TOKEN, ResponseFactory, live_link
from accord.jobs.testing import run_queued_jobs
from accord.orgs.services import api_token_create

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, membership) -> None:
        secret = api_token_create(membership=membership, name="test").secret
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path, **params):
        return self.client.get(f"/api/v1/feedback{path}", params)

    def post(self, path, body=None):
        return self.client.post(
            f"/api/v1/feedback{path}", body or {}, content_type="application/json"
        )

    def patch(self, path, body):
        return self.client.patch(f"/api/v1/feedback{path}", body, content_type="application/json")


def fields(response) -> dict[str, str]:
    return {"/".join(e["loc"]): e["msg"] for e in response.json()["detail"]}


def test_it_runs_a_campaign_through_the_api(owner):
    api = Api(owner)
    survey = api.post("/surveys", {"name": "API survey", "default_language": "de"})
    assert survey.status_code == 201, survey.content
    campaign = api.post("/campaigns", {"name": "API campaign", "survey_id": survey.json()["id"]})
    assert campaign.status_code == 201
    cid = campaign.json()["id"]
    unreadable = api.post(f"/campaigns/{cid}/recipients", {"csv": "name\nAna\n"})
    assert unreadable.status_code == 422
    assert fields(unreadable) == {"body/csv": "Row 1: missing column email; found name."}
    queued = api.post(
        f"/campaigns/{cid}/recipients", {"csv": "email,plan\n\nnope,x\na@c.example,pro\n"}
    )
    assert queued.status_code == 202, queued.content
    assert (queued.json()["status"], queued.json()["added"]) == ("queued", 0)
    run_queued_jobs()
    done = api.get(f"/campaigns/{cid}/recipient-imports/{queued.json()['id']}").json()
    assert (done["status"], done["added"], done["refused"], done["rows_done"]) == ("done", 1, 1, 4)
    assert done["errors"] == [{"row": 3, "reason": "email: 'nope' is not an email address."}]
    sent = api.post(f"/campaigns/{cid}/send")
    assert sent.status_code == 202 and sent.json()["status"] == "sending"
    again = api.post(f"/campaigns/{cid}/send")
    assert again.status_code == 422
    assert api.get(f"/campaigns/{cid}").json()["progress"]["recipients"] == 1
    assert api.get(f"/campaigns/{cid}/recipients").json()["count"] == 1


def test_it_names_bad_fields(owner):
    api = Api(owner)
    response = api.post("/surveys", {"name": "", "colour": "blue", "default_language": "it"})
    assert response.status_code == 422
    assert set(fields(response)) == {"body/name", "body/colour", "body/default_language"}
    missing = api.post("/campaigns", {"name": "x", "survey_id": 999999})
    assert fields(missing) == {"body/survey_id": "No such survey."}


def test_it_returns_nps_in_the_documented_shape(owner, acme):
    for score in (10, 9, 3, 7):
        ResponseFactory.create(organization=acme, score=score)
    body = Api(owner).get("/nps", by="month").json()
    assert body["n"] == 4 and body["nps"] == 25.0
    assert len(body["ci95"]) == 2 and body["small_sample"] is True
    assert body["groups"][0]["n"] == 4 and "key" in body["groups"][0]
    assert Api(owner).get("/nps", by="a;b").status_code == 422


def test_it_lists_responses_and_works_follow_ups(owner, recipient, bob_member):
    response_record(link=live_link(TOKEN), score=2, better="Slow")
    run_queued_jobs()
    followup = FollowUp.objects.get()
    api = Api(bob_member)
    listed = api.get("/responses", category="detractor").json()
    assert len(listed["items"]) == 1 and listed["items"][0]["better"] == "Slow"
    assert listed["next"] is None and listed["previous"] is None
    assert api.get("/followups", status="open").json()["items"][0]["kind"] == "recovery"
    closing = api.patch(f"/followups/{followup.pk}", {"status": "resolved"})
    assert closing.status_code == 422 and "body/outcome" in fields(closing)
    done = api.patch(f"/followups/{followup.pk}", {"status": "resolved", "outcome": "Fixed"})
    assert done.status_code == 200 and done.json()["status"] == "resolved"


def test_it_imports_with_a_dry_run(owner):
    api = Api(owner)
    text = "email,score,date\na@b.example,12,2025-01-01\nc@d.example,9,2025-01-02\n"
    dry = api.post("/imports/responses", {"csv": text, "dry_run": True}).json()
    assert dry["errors"] == [
        {"row": 2, "reason": "score: '12' is not a whole number from 0 to 10."}
    ]
    good = "email,score,date\nc@d.example,9,2025-01-02\n"
    assert api.post("/imports/responses", {"csv": good}).json()["added"] == 1
    assert api.post("/imports/responses", {"csv": good}).json()["already"] == 1


def test_it_keeps_members_from_creating_surveys(bob_member):
    from accord.feedback.models import Survey

    refused = Api(bob_member).post("/surveys", {"name": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"]
    assert not Survey.objects.filter(name="x").exists()


def test_it_previews_and_imports_through_a_saved_mapping(owner):
    from pathlib import Path

    from accord.feedback.services import response_mapping_save

    text = (Path(__file__).parent / "data" / "generic_mapped_de_march.csv").read_text("utf-8-sig")
    columns = {"email": "Kunden-E-Mail", "score": "Bewertung", "date": "Beantwortet am"}
    response_mapping_save(membership=owner, name="Kundenfeedback", columns=columns)
    api = Api(owner)
    missing = api.post("/imports/responses", {"csv": text, "mapping": "Nope"})
    assert missing.status_code == 422 and "No saved mapping 'Nope'." in missing.text
    dry = api.post(
        "/imports/responses", {"csv": text, "mapping": "Kundenfeedback", "dry_run": True}
    )
    preview = dry.json()
    assert (preview["format"], preview["mapping"], preview["columns"]) == (
        "generic",
        "Kundenfeedback",
        columns,
    )
    assert preview["conventions"]["Beantwortet am"].startswith("day-first")
    assert (preview["added"], preview["rows"], preview["errors"], preview["skipped"]) == (
        3,
        3,
        [],
        [],
    )
    # The comment column is not mapped: it is kept as a segment, as every other.
    assert preview["preview"][1]["segments"] == (
        "anmerkung: Rechnungen sind unverständlich, region: DACH, tarif: Starter"
    )
    assert not Response.objects.exists()
    done = api.post("/imports/responses", {"csv": text, "mapping": "Kundenfeedback"}).json()
    assert done["added"] == 3 and Response.objects.get(email="ben@customer.example").score == 4
