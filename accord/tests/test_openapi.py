"""The OpenAPI document, the docs page, and schemathesis across the whole schema.

Schemathesis calls every operation of /api/v1/openapi.json through the WSGI
application (in process, no network) as Acme's owner, with teams, members and
invitations present. Each generated request runs in a savepoint that is rolled
back afterwards, so every example meets the same world: a DELETE of the
owner's own membership, or a PATCH that demotes them, cannot spoil the next.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accord.conftest import membership
from accord.lib.middleware import CONTENT_SECURITY_POLICY
from accord.orgs import services
from accord.orgs.models import Invitation, Membership, Role, Team, TeamKind
from accord.orgs.tests.factories import team_of

SCHEMA_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
DOCUMENTED_ERRORS = {"400", "401", "403", "404", "422"}
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


def openapi(client: Client) -> dict[str, Any]:
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


# -- the document and the docs page -----------------------------------------


def test_it_serves_openapi_3_without_a_token(client, db):
    document = openapi(client)

    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Accord API"
    paths = set(document["paths"])
    assert {
        "/api/v1/organization",
        "/api/v1/teams",
        "/api/v1/teams/{team_id}",
        "/api/v1/members",
        "/api/v1/members/{member_id}",
        "/api/v1/invitations",
        "/api/v1/invitations/{invitation_id}",
        "/api/v1/audit",
    } <= paths


def test_it_builds_the_schema_once_per_process(client, db):
    from accord.api import api

    built = api.get_openapi_schema()

    assert api.get_openapi_schema() is built
    assert openapi(client)["paths"].keys() == built["paths"].keys()
    assert api.get_openapi_schema() is built


def test_it_documents_400_401_403_404_422_on_every_operation(client, db):
    for method, path, operation in operations(openapi(client)):
        documented = set(operation["responses"])
        assert documented >= DOCUMENTED_ERRORS, f"{method} {path} documents only {documented}"
        assert any(code.startswith("2") for code in documented), f"{method} {path}"


# The portfolio spans a person's organisations, which a token (one organisation)
# cannot: it takes the signed-in session, and refuses a token with 403.
SESSION_OPERATIONS = {("GET", "/api/v1/portfolio")}


def test_it_requires_the_bearer_token_on_every_operation(client, db):
    document = openapi(client)
    schemes = document["components"]["securitySchemes"]

    assert schemes == {
        "TokenAuth": {"type": "http", "scheme": "bearer"},
        "SessionAuth": {"in": "cookie", "name": "sessionid", "type": "apiKey"},
    }
    for method, path, operation in operations(document):
        if (method, path) in SESSION_OPERATIONS:
            assert operation["security"] == [{"SessionAuth": []}, {"TokenAuth": []}]
            continue
        assert operation["security"] == [{"TokenAuth": []}], f"{method} {path}"


def test_it_serves_the_docs_page_from_local_files_under_the_strict_csp(client, db):
    response = client.get(DOCS_URL)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    html = response.content.decode()
    # No inline script: every <script> either loads a file or only carries data.
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        if "src=" in attributes:
            assert not body.strip()
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    # Every asset is a local static file that is really served, no CDN.
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for url in assets:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert SCHEMA_URL in html


# -- schemathesis -----------------------------------------------------------


@dataclass
class World:
    token: str  # Acme's owner's
    ids: dict[str, list[int]]  # path parameter → ids of Acme's and Globex's objects


@pytest.fixture
def world(alice, acme, bob, carol, charlie, globex) -> World:
    """Teams, members and invitations of Acme (and of Globex), and alice's token."""
    alice_membership = membership(alice, acme)
    services.team_create(membership=alice_membership, name="Partners")
    services.invitation_create(
        membership=alice_membership, email="dana@acme.example", role="member"
    )
    services.invitation_create(
        membership=alice_membership,
        email="erin@acme.example",
        role=Role.MARKETING_LEAD,
        team_id=team_of(acme, TeamKind.MARKETING).pk,
    )
    revoked = services.invitation_create(
        membership=alice_membership, email="fred@acme.example", role="viewer"
    )
    services.invitation_revoke(membership=alice_membership, invitation=revoked.invitation)
    # Globex's objects exist too: their ids must answer 404 to Acme's token.
    charlie_membership = membership(charlie, globex)
    services.team_create(membership=charlie_membership, name="Globex partners")
    services.invitation_create(
        membership=charlie_membership, email="gina@globex.example", role="member"
    )
    return World(
        token=services.api_token_create(membership=alice_membership, name="schemathesis").secret,
        ids={
            "team_id": list(Team.objects.values_list("pk", flat=True)),
            "member_id": list(Membership.objects.values_list("pk", flat=True)),
            "invitation_id": list(Invitation.objects.values_list("pk", flat=True)),
        },
    )


@pytest.fixture
def one_connection() -> Iterator[None]:
    """Keep the test's database connection across in-process WSGI requests.

    Django's WSGI handler closes connections that are in a transaction at the
    start and end of a request; in a test that transaction is the test's own.
    Django's test client does the same as this fixture.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def schema_with_ids(world: World) -> Any:
    """The whole schema, called in process, whose generated path ids are mostly
    real objects' (Acme's or Globex's, from ``world``), not random numbers.

    Narrow it on the lazy schema (``from_fixture(...).include(tag=...)``), not
    here: schemathesis replaces a fixture schema's own filters with the lazy
    schema's, so a filter applied here is silently dropped.
    """
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())

    @loaded.hook
    def flatmap_path_parameters(context, path_parameters):
        choices = [path_parameters]
        for name, value in (path_parameters or {}).items():
            if name in world.ids and isinstance(value, int):
                choices += [{**path_parameters, name: pk} for pk in world.ids[name]]
        return st.sampled_from(choices)

    return loaded


@pytest.fixture
def api_schema(world, one_connection):
    return schema_with_ids(world)


schema = schemathesis.pytest.from_fixture("api_schema")

# The operations are dealt into a few shards, one test each, so that pytest-xdist
# runs them side by side; an operation stays in its shard as the schema grows.
SHARDS = 4
# Tags whose operations their app's own schemathesis test runs, with the
# same checks, random ids and real objects in every state: each operation
# is generated once in the suite, not twice.
OWN_RUNS = {
    "goals": "accord/goals/tests/test_api_schemathesis.py",
    "meetings": "accord/meetings/tests/test_api_schemathesis.py",
    "pulse": "accord/pulse/tests/test_api_schemathesis.py",
}


def shard_of(label: str) -> int:
    return zlib.crc32(label.encode()) % SHARDS


def runs_here(operation: Any) -> bool:
    return not set(operation.tags or ()) & set(OWN_RUNS)


def test_it_leaves_to_each_app_only_the_operations_its_own_run_covers():
    root = Path(__file__).resolve().parents[2]
    for tag, path in OWN_RUNS.items():
        source = (root / path).read_text(encoding="utf-8")
        assert f'.include(tag="{tag}")' in source, path
        assert "checks=CHECKS" in source, path


def shard_test(shard: int):
    @pytest.mark.slow
    @schema.include(
        lambda ctx: shard_of(ctx.operation.label) == shard and runs_here(ctx.operation)
    ).parametrize()
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, world, one_connection):
        # Every example starts from the same data: its changes are rolled back.
        with transaction.atomic():
            case.call_and_validate(
                headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS
            )
            transaction.set_rollback(True)

    return test


test_it_answers_every_generated_request_as_documented_0 = shard_test(0)
test_it_answers_every_generated_request_as_documented_1 = shard_test(1)
test_it_answers_every_generated_request_as_documented_2 = shard_test(2)
test_it_answers_every_generated_request_as_documented_3 = shard_test(3)
