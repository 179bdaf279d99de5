"""Every organisation page and API operation, requested by an outsider.

The URL patterns and API operations are read from the resolver and the
OpenAPI schema, not listed by hand. Each app says in its
``tests/outsider.py`` which of Acme's objects to try each URL with; a new URL
or path parameter without an entry there fails this test.

Charlie (owner of Globex) tries Acme's objects two ways: through Acme's slug
(he is not a member: 404) and through his own organisation's slug with Acme's
object ids (not his organisation's objects: 404). No answer may contain any of
Acme's data.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.orgs.models import Membership
from accord.orgs.services import api_token_create

ORG_PREFIX = "o/<slug:org_slug>/"
API_ROOT = "/api/v1"
ACME_MARKERS = ("acme.example", "Acme", "acme.secret_job")


def outsider_modules() -> list[Any]:
    modules = []
    for config in apps.get_app_configs():
        if config.name.startswith("accord."):
            try:
                modules.append(importlib.import_module(f"{config.name}.tests.outsider"))
            except ModuleNotFoundError:
                continue
    return modules


def plain_parameters() -> set[str]:
    """URL parameters that name no object (a quarter, say): an app lists them in
    its outsider module's ``PLAIN_PARAMETERS``."""
    return {name for m in outsider_modules() for name in getattr(m, "PLAIN_PARAMETERS", ())}


def org_patterns() -> Iterator[str]:
    """The name of every URL pattern under /o/<org_slug>/."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(ORG_PREFIX):
                assert pattern.name, f"{route} needs a name"
                yield pattern.name

    yield from walk(get_resolver().url_patterns, "")


@pytest.fixture
def owner(acme, alice, bob, carol) -> Membership:
    return Membership.objects.get(organization=acme, user=alice)


@pytest.fixture
def page_objects(acme, owner) -> dict[str, dict[str, Any]]:
    objects: dict[str, dict[str, Any]] = {}
    for module in outsider_modules():
        objects.update(module.page_objects(acme, owner))
    return objects


@pytest.fixture
def api_objects(acme, owner) -> dict[str, Any]:
    objects: dict[str, Any] = {}
    for module in outsider_modules():
        objects.update(module.api_objects(acme, owner))
    return objects


def api_bodies() -> dict[tuple[str, str], dict[str, Any]]:
    bodies: dict[tuple[str, str], dict[str, Any]] = {}
    for module in outsider_modules():
        bodies.update(getattr(module, "API_BODIES", {}))
    return bodies


def assert_no_acme_data(body: bytes) -> None:
    text = body.decode(errors="replace")
    for marker in ACME_MARKERS:
        assert marker not in text, f"Acme's {marker!r} leaked into the response"


@pytest.mark.django_db
def test_it_has_an_outsider_fixture_for_every_org_url(page_objects):
    names = set(org_patterns())
    missing = names - page_objects.keys()
    stale = page_objects.keys() - names
    assert not missing, f"Add these URL names to an app's tests/outsider.py: {sorted(missing)}"
    assert not stale, f"Remove these from tests/outsider.py: {sorted(stale)}"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_every_org_page_from_outsiders(
    charlie_client: Client, globex, acme, page_objects, method
):
    plain = plain_parameters()
    for name in org_patterns():
        kwargs = page_objects[name]
        for slug in (acme.slug, globex.slug):
            if slug == globex.slug and not kwargs.keys() - plain:
                continue  # charlie's own page without an object id: his to see
            url = reverse(name, kwargs={"org_slug": slug, **kwargs})
            response = getattr(charlie_client, method)(url)
            assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
            assert_no_acme_data(response.content)


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_log_in(client: Client, acme, page_objects):
    for name in org_patterns():
        url = reverse(name, kwargs={"org_slug": acme.slug, **page_objects[name]})
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
def test_it_has_an_outsider_fixture_for_every_api_parameter(client: Client, api_objects):
    params = {p for _, path in api_operations(client) for p in re.findall(r"\{(\w+)\}", path)}
    missing = params - api_objects.keys()
    assert not missing, (
        f"Add these path parameters to an app's tests/outsider.py: {sorted(missing)}"
    )


@pytest.mark.django_db
def test_it_keeps_every_api_operation_inside_the_tokens_organisation(
    client: Client, charlie, globex, api_objects
):
    charlie_membership = Membership.objects.get(user=charlie, organization=globex)
    secret = api_token_create(membership=charlie_membership, name="probe").secret
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    bodies = api_bodies()
    wrong = []
    for method, path in api_operations(client):
        url = re.sub(r"\{(\w+)\}", lambda m: str(api_objects[m.group(1)]), path)
        response = getattr(client, method)(
            url,
            content_type="application/json",
            data=bodies.get((method, path.removeprefix(API_ROOT)), {}),
            **headers,
        )
        assert response["Content-Type"].startswith("application/json"), url
        expected_404 = "{" in path
        if (expected_404 and response.status_code != 404) or response.status_code >= 500:
            wrong.append(
                f"{method.upper()} {url}: {response.status_code} {response.content[:200]!r}"
            )
        assert_no_acme_data(response.content)
    assert not wrong, "\n".join(wrong)
