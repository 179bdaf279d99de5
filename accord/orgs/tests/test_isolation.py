"""Every organisation page and API operation, requested by an outsider.

The URL patterns and API operations are read from the resolver and the
OpenAPI schema, not listed by hand: a new URL without an entry in
``PAGE_OBJECTS`` or ``API_OBJECTS`` below fails this test until someone says
which of Acme's objects it should be tried with.

Charlie (owner of Globex) tries Acme's objects two ways: through Acme's slug
(he is not a member: 404) and through his own organisation's slug with Acme's
object ids (not his organisation's objects: 404). Neither answer may contain
any of Acme's data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.jobs.models import DeadJob
from accord.mail.models import CapturedMessage
from accord.orgs.models import ApiToken, AuditEvent, Invitation, Membership, Organization
from accord.orgs.services import api_token_create, invitation_create
from accord.orgs.tests.factories import team_of

ORG_PREFIX = "o/<slug:org_slug>/"


@dataclass
class AcmeData:
    """Objects of Acme that an outsider must never reach."""

    organization: Organization
    member: Membership
    invitation: Invitation
    token: ApiToken
    dead_job: DeadJob
    message: CapturedMessage
    audit: AuditEvent


# URL name -> the kwargs (besides org_slug) that point at one of Acme's objects.
PAGE_OBJECTS: dict[str, Callable[[AcmeData], dict[str, Any]]] = {
    "org_overview": lambda a: {},
    "org_settings": lambda a: {},
    "org_members": lambda a: {},
    "org_member_role": lambda a: {"pk": a.member.pk},
    "org_member_remove": lambda a: {"pk": a.member.pk},
    "org_invitation_revoke": lambda a: {"pk": a.invitation.pk},
    "org_team_create": lambda a: {},
    "org_tokens": lambda a: {},
    "org_token_revoke": lambda a: {"pk": a.token.pk},
    "org_audit": lambda a: {},
    "org_outbox": lambda a: {},
    "org_outbox_message": lambda a: {"pk": a.message.pk},
    "org_jobs": lambda a: {},
    "org_job_retry": lambda a: {"pk": a.dead_job.pk},
    "goals_index": lambda a: {},
    "feedback_index": lambda a: {},
    "meetings_index": lambda a: {},
    "pulse_index": lambda a: {},
    "pipeline_index": lambda a: {},
    "insights_index": lambda a: {},
}

# OpenAPI path parameter -> the id of Acme's object it names.
API_OBJECTS: dict[str, Callable[[AcmeData], Any]] = {
    "team_id": lambda a: team_of(a.organization, "sales").pk,
    "member_id": lambda a: a.member.pk,
    "invitation_id": lambda a: a.invitation.pk,
}


# A valid body for operations that have one, so that the answer is about the
# object (404), not about the body (422).
API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("patch", "/members/{member_id}"): {"role": "viewer"},
}


def org_patterns() -> Iterator[tuple[str, str]]:
    """(url name, route) of every pattern under /o/<org_slug>/."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(ORG_PREFIX):
                assert pattern.name, f"{route} needs a name"
                yield pattern.name, route

    yield from walk(get_resolver().url_patterns, "")


@pytest.fixture
def acme_data(acme, alice, bob) -> AcmeData:
    owner = Membership.objects.get(organization=acme, user=alice)
    invitation = invitation_create(
        membership=owner, email="dave@acme.example", role="member"
    ).invitation
    return AcmeData(
        organization=acme,
        member=Membership.objects.get(organization=acme, user=bob),
        invitation=invitation,
        token=api_token_create(membership=owner, name="Acme export").token,
        dead_job=DeadJob.objects.create(
            organization=acme, job_name="acme.secret_job", attempts=5, error="Acme failure"
        ),
        message=CapturedMessage.objects.create(
            organization=acme,
            from_email="x@acme.example",
            to=["bob@acme.example"],
            subject="Acme secret",
            text_body="Acme body",
        ),
        audit=AuditEvent.objects.filter(organization=acme).first(),
    )


ACME_MARKERS = ("acme.example", "Acme", "acme.secret_job")


def assert_no_acme_data(body: bytes) -> None:
    text = body.decode(errors="replace")
    for marker in ACME_MARKERS:
        assert marker not in text, f"Acme's {marker!r} leaked into the response"


def test_it_has_an_outsider_fixture_for_every_org_url():
    names = {name for name, _ in org_patterns()}
    missing = names - PAGE_OBJECTS.keys()
    stale = PAGE_OBJECTS.keys() - names
    assert not missing, f"Add these URL names to PAGE_OBJECTS: {sorted(missing)}"
    assert not stale, f"Remove these from PAGE_OBJECTS: {sorted(stale)}"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_every_org_page_from_outsiders(charlie_client: Client, globex, acme_data, method):
    for name, _ in org_patterns():
        kwargs = PAGE_OBJECTS[name](acme_data)
        for slug in (acme_data.organization.slug, globex.slug):
            if slug == globex.slug and not kwargs:
                continue  # charlie's own org page without an object id: his to see
            url = reverse(name, kwargs={"org_slug": slug, **kwargs})
            response = getattr(charlie_client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
            assert_no_acme_data(response.content)


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Client, acme_data):
    for name, _ in org_patterns():
        url = reverse(name, kwargs={"org_slug": "acme", **PAGE_OBJECTS[name](acme_data)})
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def api_operations(client: Client) -> Iterator[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path


@pytest.mark.django_db
def test_it_has_an_outsider_fixture_for_every_api_parameter(client: Client):
    import re

    params = {p for _, path in api_operations(client) for p in re.findall(r"\{(\w+)\}", path)}
    missing = params - API_OBJECTS.keys()
    assert not missing, f"Add these path parameters to API_OBJECTS: {sorted(missing)}"


@pytest.mark.django_db
def test_it_keeps_every_api_operation_inside_the_tokens_organisation(
    client: Client, charlie, globex, acme_data
):
    import re

    charlie_membership = Membership.objects.get(user=charlie, organization=globex)
    secret = api_token_create(membership=charlie_membership, name="probe").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    for method, path in api_operations(client):
        url = re.sub(
            r"\{(\w+)\}", lambda m: str(API_OBJECTS[m.group(1)](acme_data)), "/api/v1" + path
        )
        body = API_BODIES.get((method, path), {})
        response = getattr(client, method)(
            url, content_type="application/json", data=body, **headers
        )
        if "{" in path:
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        else:
            assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
        assert_no_acme_data(response.content)
