"""Personal API tokens, from the page or `accord token`: shown once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import json
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from accord.orgs.models import ApiToken
from accord.tests.api import API, ApiClient, token_for

pytestmark = pytest.mark.django_db

TOKENS_URL = "/o/acme/tokens/"
SECRET = re.compile(r"acc_[A-Za-z0-9_-]{43}")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def stored_anywhere(text: str) -> list[str]:
    """Every row of every table whose values contain ``text``."""
    return [
        f"{model._meta.label} {row}"
        for model in apps.get_models()
        for row in model._default_manager.values()
        if text in str(row)
    ]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# -- the page ---------------------------------------------------------------


def test_it_shows_a_new_token_once(alice_client, alice, acme):
    response = alice_client.post(TOKENS_URL, {"name": "CI export"})

    assert response.status_code == 200
    secrets = SECRET.findall(response.content.decode())
    assert len(set(secrets)) == 1
    secret = secrets[0]
    assert "it will not be shown again" in response.content.decode()
    # It works...
    assert ApiClient(secret).get(f"{API}/organization").json()["slug"] == "acme"
    # ...and the page never shows it again, only its start.
    later = alice_client.get(TOKENS_URL).content.decode()
    assert secret not in later
    assert not SECRET.search(later)
    assert f"{secret[:8]}…" in later
    assert "CI export" in later


def test_it_stores_only_the_sha256_of_the_secret(alice_client, alice, acme):
    response = alice_client.post(TOKENS_URL, {"name": "CI export"})
    shown = SECRET.search(response.content.decode())
    assert shown is not None
    secret = shown.group()

    token = ApiToken.objects.get(name="CI export")
    assert token.token_hash == sha256(secret)
    assert token.prefix == secret[:8]
    assert stored_anywhere(secret) == []
    assert stored_anywhere(secret[8:]) == []


def test_it_names_a_missing_token_name(alice_client, acme):
    response = alice_client.post(TOKENS_URL, {"name": "  "})

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_from_the_page(alice_client, alice, acme):
    secret = token_for(alice, acme, name="CI export")
    token = ApiToken.objects.get(token_hash=sha256(secret))

    response = alice_client.post(f"{TOKENS_URL}{token.pk}/revoke/")

    assert response.status_code == 302
    assert ApiClient(secret).get(f"{API}/organization").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in alice_client.get(TOKENS_URL).content.decode()


def test_it_revokes_only_by_post(alice_client, alice, acme):
    secret = token_for(alice, acme)
    token = ApiToken.objects.get(token_hash=sha256(secret))

    assert alice_client.get(f"{TOKENS_URL}{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiClient(secret).get(f"{API}/organization").json()["slug"] == "acme"


def test_it_lists_and_revokes_only_ones_own_tokens(bob_client, alice, bob, acme):
    alice_secret = token_for(alice, acme, name="Alice's export")
    alice_token = ApiToken.objects.get(token_hash=sha256(alice_secret))

    assert "Alice's export" not in bob_client.get(TOKENS_URL).content.decode()
    assert bob_client.post(f"{TOKENS_URL}{alice_token.pk}/revoke/").status_code == 404
    assert ApiClient(alice_secret).get(f"{API}/organization").status_code == 200


def test_it_hides_the_page_from_outsiders(charlie_client, alice, acme):
    token_for(alice, acme)

    assert charlie_client.get(TOKENS_URL).status_code == 404
    assert charlie_client.post(TOKENS_URL, {"name": "sneaky"}).status_code == 404
    assert not ApiToken.objects.filter(name="sneaky").exists()


# -- accord token -----------------------------------------------------------


def test_it_prints_a_working_token(alice, acme):
    output = run("token", "create", "--org", "acme", "--user", "alice@acme.example")

    secret = output.strip()
    assert SECRET.fullmatch(secret)
    assert ApiClient(secret).get(f"{API}/organization").json()["slug"] == "acme"
    token = ApiToken.objects.get(token_hash=sha256(secret))
    assert (token.user, token.organization, token.name) == (alice, acme, "CLI")
    assert stored_anywhere(secret) == []


def test_it_prints_json_for_scripts(bob, acme):
    output = run(
        "token", "create", "--org", "acme", "--user", "BOB@acme.example", "--name", "BI", "--json"
    )

    data = json.loads(output)
    assert data["prefix"] == data["token"][:8]
    assert ApiClient(data["token"]).get(f"{API}/teams").status_code == 200
    assert ApiToken.objects.get(user=bob).name == "BI"


def test_it_refuses_a_token_for_a_non_member(charlie, globex, acme):
    with pytest.raises(CommandError, match=r"charlie@globex\.example is not a member of 'acme'"):
        run("token", "create", "--org", "acme", "--user", "charlie@globex.example")

    assert not ApiToken.objects.exists()


def test_it_revokes_a_token_by_its_prefix(alice, acme):
    secret = run("token", "create", "--org", "acme", "--user", "alice@acme.example").strip()

    output = run("token", "revoke", "--org", "acme", "--user", "alice@acme.example", secret[:8])

    assert f"Revoked CLI ({secret[:8]}…)" in output
    assert ApiClient(secret).get(f"{API}/organization").status_code == 401


def test_it_names_an_unknown_prefix(alice, acme):
    with pytest.raises(CommandError, match=r"prefix: no active token starting with 'acc_zzzz'"):
        run("token", "revoke", "--org", "acme", "--user", "alice@acme.example", "acc_zzzz")


def test_it_revokes_only_ones_own_tokens_by_prefix(alice, bob, acme):
    alice_secret = token_for(alice, acme)

    with pytest.raises(CommandError, match="no active token starting with"):
        run("token", "revoke", "--org", "acme", "--user", "bob@acme.example", alice_secret[:8])

    assert not ApiToken.objects.exclude(revoked_at=None).exists()
    assert ApiClient(alice_secret).get(f"{API}/organization").json()["slug"] == "acme"


def test_it_refuses_an_ambiguous_prefix(alice, acme):
    from accord.orgs.models import ApiToken

    run("token", "create", "--org", "acme", "--user", "alice@acme.example")
    run("token", "create", "--org", "acme", "--user", "alice@acme.example")
    ApiToken.objects.update(prefix="acc_same")

    with pytest.raises(CommandError, match="several tokens start with 'acc_same'"):
        run("token", "revoke", "--org", "acme", "--user", "alice@acme.example", "acc_same")
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 2


def test_it_keeps_a_new_secret_out_of_every_cache(alice_client):
    response = alice_client.post("/o/acme/tokens/", {"name": "BI export"})
    assert response["Cache-Control"] == "no-store"
